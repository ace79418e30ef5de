package backend_test

import (
	"strings"
	"testing"

	"github.com/unionstore/unionstore/backend"
)

// TestFastPathBackoff plays sequences of writes, each of which tries the
// fast path if FastPath says so: 'f' is a write whose fast path would
// fail, 's' one whose fast path would succeed. It compares the writes that
// tried, 'T', and those sent the slow way directly, '-'.
func TestFastPathBackoff(t *testing.T) {
	for _, tt := range []struct {
		name, writes, want string
	}{
		{"successes always try", "sssss", "TTTTT"},
		{"a failure skips one write", "fss", "T-T"},
		{"failures in a row double the skip", strings.Repeat("f", 11), "T-T--T----T"},
		{"a success resets the skip", "fffsssfsf", "T-T--TT-T"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f backend.FastPath
			var got strings.Builder
			for _, c := range tt.writes {
				if !f.Try() {
					got.WriteByte('-')
					continue
				}
				got.WriteByte('T')
				if c == 'f' {
					f.Failed()
				} else {
					f.Succeeded()
				}
			}
			if got.String() != tt.want {
				t.Errorf("writes %q = %q, want %q", tt.writes, got.String(), tt.want)
			}
		})
	}
}

// TestFastPathBackoffIsBounded checks that a store whose fast path always
// fails, once its backoff has grown, tries it once in
// MaxFastPathBackoff+1 writes.
func TestFastPathBackoffIsBounded(t *testing.T) {
	var f backend.FastPath
	write := func() (tried bool) {
		if f.Try() {
			f.Failed()
			return true
		}
		return false
	}
	for range 1000 {
		write()
	}
	const rounds = 10
	tries := 0
	for range rounds * (backend.MaxFastPathBackoff + 1) {
		if write() {
			tries++
		}
	}
	if tries != rounds {
		t.Errorf("%d writes whose fast path fails tried %d, want %d", rounds*(backend.MaxFastPathBackoff+1), tries, rounds)
	}
}
