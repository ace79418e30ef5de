package pgstore

import (
	"strings"
	"testing"
)

// TestInsertFirstBackoff plays sequences of saves, each of which tries a
// plain insert if insertFirst says so: 'f' is a save whose insert would
// fail, 's' one whose insert would succeed. It compares the saves that
// tried, 'T', and those that upserted directly, '-'.
func TestInsertFirstBackoff(t *testing.T) {
	for _, tt := range []struct {
		name, saves, want string
	}{
		{"successes always try", "sssss", "TTTTT"},
		{"a failure skips one save", "fss", "T-T"},
		{"failures in a row double the skip", strings.Repeat("f", 11), "T-T--T----T"},
		{"a success resets the skip", "fffsssfsf", "T-T--TT-T"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f insertFirst
			var got strings.Builder
			for _, c := range tt.saves {
				if !f.try() {
					got.WriteByte('-')
					continue
				}
				got.WriteByte('T')
				if c == 'f' {
					f.failed()
				} else {
					f.succeeded()
				}
			}
			if got.String() != tt.want {
				t.Errorf("saves %q = %q, want %q", tt.saves, got.String(), tt.want)
			}
		})
	}
}

// TestInsertFirstBackoffIsBounded checks that a store whose inserts
// always fail, once its backoff has grown, tries one in maxInsertBackoff+1
// saves.
func TestInsertFirstBackoffIsBounded(t *testing.T) {
	var f insertFirst
	save := func() (tried bool) {
		if f.try() {
			f.failed()
			return true
		}
		return false
	}
	for range 1000 {
		save()
	}
	const rounds = 10
	tries := 0
	for range rounds * (maxInsertBackoff + 1) {
		if save() {
			tries++
		}
	}
	if tries != rounds {
		t.Errorf("%d saves whose inserts fail tried %d, want %d", rounds*(maxInsertBackoff+1), tries, rounds)
	}
}
