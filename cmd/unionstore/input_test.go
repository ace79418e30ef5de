package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/unionstore/unionstore"
)

// FuzzParseLine feeds hostile lines to the decoding of put's input: each
// gives an error or a change that a store accepts, never a panic.
func FuzzParseLine(f *testing.F) {
	for _, seed := range []string{
		`{"kind":"k","id":"a","body":1}`,
		`{"namespace":"n","kind":"","id":"a","change":"unset"}`,
		`{"kind":"k","id":"a","timestamp":"2026-01-02T03:04:05Z","body":{"x":[1,2]}}`,
		`{"kind":"k","id":"a","body":null}`,
		`{"kind":"k","id":"a\u0000","body":1}`,
		`{"kind":"k","id":"\xff","body":1}`,
		`{"kind":"k","id":"a","timestmap":"x","body":1}`,
		`{"kind":1}`, `[]`, `"x"`, `{`, ``, `{"kind":"k","id":"a","body":1}{}`,
		`{"kind":"k","id":"a","timestamp":"9999-01-01T00:00:00Z","body":1}`,
	} {
		f.Add([]byte(seed), "shop", false)
	}
	f.Fuzz(func(t *testing.T, line []byte, defaultNS string, unset bool) {
		ct := unionstore.ChangeTypeSet
		if unset {
			ct = unionstore.ChangeTypeUnset
		}
		c, err := parseLine(line, defaultNS, ct, time.Time{})
		if err == nil {
			err = validate(c)
			if err == nil && c.ChangeType == unionstore.ChangeTypeSet && len(c.Entity.Body) == 0 {
				t.Errorf("parseLine(%q) = a set without a body", line)
			}
			return
		}
		if msg := err.Error(); !utf8.ValidString(msg) || strings.Contains(msg, "main.") {
			t.Errorf("parseLine(%q) error %q is not plain text for a user", line, msg)
		}
	})
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain id", "plain id"},
		{"", `""`},
		{"tab\there", `tab\there`},
		{"a\nb\r", `a\nb\r`},
		{"\x1b[31mred", `\x1b[31mred`},
		{`back\slash`, `back\\slash`},
		{"\u009b2J", `\u009b2J`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"émoji 🙂", "émoji 🙂"},
		{"\U000e0001tag", `\U000e0001tag`},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := escapeBody(`{"x":"a\u001bb","y":"`+"\u009b"+`"}`), `{"x":"a\u001bb","y":"\u009b"}`; got != want {
		t.Errorf("escapeBody = %q, want %q", got, want)
	}
	if got, want := string(terminalSafeJSON([]byte(`{"id":"`+"\u009b\u202e\U000e0001"+`"}`))), `{"id":"\u009b\u202e\udb40\udc01"}`; got != want {
		t.Errorf("terminalSafeJSON = %s, want %s", got, want)
	}
}

func TestRateAndETA(t *testing.T) {
	tests := []struct {
		done, total int64
		elapsed     time.Duration
		want        string
	}{
		{0, 100, time.Second, ""},
		{50, 100, time.Second, " 50/s, 0:01 left"},
		{12_300, 1_000_000, time.Second, " 12.3k/s, 1:20 left"},
		{4_100_000, 100_000_000, time.Second, " 4.1M/s, 0:23 left"},
		{1, 10_000, time.Second, " 1/s, 2:46:39 left"},
	}
	for _, tt := range tests {
		if got := rateAndETA(tt.done, tt.total, tt.elapsed); got != tt.want {
			t.Errorf("rateAndETA(%d, %d, %v) = %q, want %q", tt.done, tt.total, tt.elapsed, got, tt.want)
		}
	}
}
