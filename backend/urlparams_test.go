package backend_test

import (
	"testing"

	"github.com/unionstore/unionstore/backend"
)

func TestParseURLBool(t *testing.T) {
	tests := []struct {
		v       string
		want    bool
		wantErr string
	}{
		{v: "true", want: true},
		{v: "1", want: true},
		{v: "false", want: false},
		{v: "F", want: false},
		{v: "maybe", wantErr: `URL parameter create="maybe": want true or false`},
		{v: "", wantErr: `URL parameter create="": want true or false`},
	}
	for _, tt := range tests {
		got, err := backend.ParseURLBool("create", tt.v)
		switch {
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("ParseURLBool(create, %q) error = %v, want %s", tt.v, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("ParseURLBool(create, %q) = %v, %v, want %v", tt.v, got, err, tt.want)
		}
	}
}

func TestUnknownURLParam(t *testing.T) {
	tests := []struct {
		known []string
		want  string
	}{
		{nil, `unknown URL parameter "x": want no parameters`},
		{[]string{"table"}, `unknown URL parameter "x": want table`},
		{[]string{"table", "create"}, `unknown URL parameter "x": want table or create`},
		{[]string{"stream", "prefix", "replicas", "storage"}, `unknown URL parameter "x": want stream, prefix, replicas or storage`},
	}
	for _, tt := range tests {
		if got := backend.UnknownURLParam("x", tt.known...).Error(); got != tt.want {
			t.Errorf("UnknownURLParam(x, %q) = %s, want %s", tt.known, got, tt.want)
		}
	}
}
