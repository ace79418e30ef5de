package natsstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestOpenURLRefusesBadParameters checks that OpenURL refuses a query
// parameter it does not take, or a value it cannot use, before it
// connects (the address has no server), naming the parameter.
func TestOpenURLRefusesBadParameters(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{"colour=red", `unknown URL parameter "colour": want stream, prefix, replicas or storage`},
		{"replicas=three", `URL parameter replicas="three": want a number`},
		{"storage=disk", `URL parameter storage="disk": want file or memory`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			s, err := natsstore.OpenURL[storetest.Item](context.Background(), "nats://127.0.0.1:1?"+tt.query)
			if err == nil {
				s.Close()
				t.Fatalf("OpenURL(?%s) = nil error, want %s", tt.query, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenURL(?%s) = %v, want an error containing %s", tt.query, err, tt.want)
			}
		})
	}
}
