package natsstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestOpenURLRefuses checks the URLs and options OpenURL refuses before it
// connects (the address has no server), each error naming what it
// refused, and that no error shows the password.
func TestOpenURLRefuses(t *testing.T) {
	const server = "nats://u:secret@127.0.0.1:1"
	tests := []struct {
		name, url string
		opts      []natsstore.Option
		want      string
	}{
		{"malformed", server + "/%zz", nil, "malformed URL"},
		{"other scheme", "http://u:secret@127.0.0.1:1", nil, `scheme "http": want nats or tls`},
		{"unknown parameter", server + "?colour=red", nil, `unknown URL parameter "colour": want stream, prefix, replicas or storage`},
		{"replicas not a number", server + "?replicas=three", nil, `URL parameter replicas="three": want a number`},
		{"unknown storage", server + "?storage=disk", nil, `URL parameter storage="disk": want file or memory`},
		{"stream name with a dot", server + "?stream=a.b", nil, "stream name"},
		{"bad option", server, []natsstore.Option{natsstore.WithSubjectPrefix("a b")}, "subject prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := natsstore.OpenURL[storetest.Item](context.Background(), tt.url, tt.opts...)
			storetest.WantRefused(t, fmt.Sprintf("OpenURL(%q)", tt.url), s, err, storetest.Refusal{Prefix: "natsstore: open", Want: tt.want, Secret: "secret"})
		})
	}
}
