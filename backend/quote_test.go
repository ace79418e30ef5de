package backend_test

import (
	"strings"
	"testing"

	"github.com/unionstore/unionstore/backend"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "empty", in: "", want: `""`},
		{name: "printable", in: "customer-1", want: `"customer-1"`},
		{name: "control characters escaped", in: "a\nb\x1b[31m", want: `"a\nb\x1b[31m"`},
		{name: "exactly 64 bytes kept whole", in: strings.Repeat("x", 64), want: `"` + strings.Repeat("x", 64) + `"`},
		{name: "longer cut after 64 bytes with its length", in: strings.Repeat("x", 65), want: `"` + strings.Repeat("x", 64) + `"… (65 bytes)`},
		// "é" is two bytes: the 64th byte starts one, so the cut falls
		// before it rather than inside it.
		{name: "cut at a character boundary", in: strings.Repeat("x", 63) + "éé", want: `"` + strings.Repeat("x", 63) + `"… (67 bytes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backend.Quote(tt.in); got != tt.want {
				t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
