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
