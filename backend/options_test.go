package backend_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore/backend"
)

// The texts are those the backends' tests assert.
func TestSetPositiveAndNotNegative(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(field *time.Duration, v time.Duration) error
		v    time.Duration
		want string // the error, or "" for v set
	}{
		{"positive", func(f *time.Duration, v time.Duration) error { return backend.SetPositive(f, "poll interval", v) }, time.Second, ""},
		{"positive refuses zero", func(f *time.Duration, v time.Duration) error { return backend.SetPositive(f, "poll interval", v) }, 0, "poll interval 0s: must be positive"},
		{"positive refuses below zero", func(f *time.Duration, v time.Duration) error { return backend.SetPositive(f, "poll interval", v) }, -time.Second, "poll interval -1s: must be positive"},
		{"not negative takes zero", func(f *time.Duration, v time.Duration) error { return backend.SetNotNegative(f, "lock timeout", v) }, 0, ""},
		{"not negative", func(f *time.Duration, v time.Duration) error { return backend.SetNotNegative(f, "lock timeout", v) }, time.Minute, ""},
		{"not negative refuses below zero", func(f *time.Duration, v time.Duration) error { return backend.SetNotNegative(f, "lock timeout", v) }, -time.Second, "lock timeout -1s: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			field := time.Hour
			err := tc.set(&field, tc.v)
			want := time.Hour // a refused value leaves the field alone
			if tc.want == "" {
				want = tc.v
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want || field != want {
				t.Errorf("set(%v) = %q, field %v; want %q, field %v", tc.v, got, field, tc.want, want)
			}
		})
	}
	var n int
	if err := backend.SetPositive(&n, "page size", 0); fmt.Sprint(err) != "page size 0: must be positive" || n != 0 {
		t.Errorf("SetPositive(page size 0) = %v, n %d", err, n)
	}
	if err := backend.SetPositive(&n, "page size", 7); err != nil || n != 7 {
		t.Errorf("SetPositive(page size 7) = %v, n %d; want nil, 7", err, n)
	}
}

// TestSpillOptions checks the bodies of a Sorter's options: the threshold
// is refused below 1 KiB, the directory when empty, and a refusal leaves
// the field as it was.
func TestSpillOptions(t *testing.T) {
	for _, tc := range []struct {
		n       int
		want    string
		applied bool
	}{
		{1 << 10, "", true},
		{16 << 20, "", true},
		{1<<10 - 1, "spill threshold 1023: must be at least 1024 bytes", false},
		{0, "spill threshold 0: must be at least 1024 bytes", false},
		{-1, "spill threshold -1: must be at least 1024 bytes", false},
	} {
		field := 5
		err := backend.SetSpillThreshold(&field, tc.n)
		if got := fmt.Sprint(err); (err == nil) != (tc.want == "") || err != nil && got != tc.want {
			t.Errorf("SetSpillThreshold(%d) = %v, want %q", tc.n, err, tc.want)
		}
		if (field == tc.n) != tc.applied {
			t.Errorf("SetSpillThreshold(%d) left the field at %d", tc.n, field)
		}
	}
	dir := "old"
	if err := backend.SetTempDir(&dir, ""); fmt.Sprint(err) != "empty temporary directory" || dir != "old" {
		t.Errorf(`SetTempDir("") = %v, dir %q; want a refusal that leaves "old"`, err, dir)
	}
	if err := backend.SetTempDir(&dir, "/scratch"); err != nil || dir != "/scratch" {
		t.Errorf("SetTempDir(/scratch) = %v, dir %q", err, dir)
	}
}
