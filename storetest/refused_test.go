package storetest

import (
	"errors"
	"slices"
	"testing"
)

// TestWantRefused checks WantRefused against the results an opener may
// give: each check that does not hold is one failure.
func TestWantRefused(t *testing.T) {
	r := Refusal{Prefix: "kvstore: open", Want: "no host", Secret: "hunter2"}
	const what = `OpenURL("kv://u:hunter2@/db")`
	for _, tc := range []struct {
		name       string
		err        error
		r          Refusal
		want       []string
		wantClosed int
	}{
		{"the error the refusal wants", errors.New("kvstore: open: no host"), r, nil, 0},
		{"success", nil, r, []string{`fatal: OpenURL("kv://u:hunter2@/db") succeeded, want an error containing "no host"`}, 1},
		{"another package", errors.New("otherstore: open: no host"), r,
			[]string{`OpenURL("kv://u:hunter2@/db") = otherstore: open: no host, want an error beginning kvstore: open and containing "no host"`}, 0},
		{"another reason", errors.New("kvstore: open: no database"), r,
			[]string{`OpenURL("kv://u:hunter2@/db") = kvstore: open: no database, want an error beginning kvstore: open and containing "no host"`}, 0},
		{"the secret shown", errors.New("kvstore: open u:hunter2: no host"), r,
			[]string{`OpenURL("kv://u:hunter2@/db") = kvstore: open u:hunter2: no host, which shows the secret "hunter2"`}, 0},
		{"another reason and the secret shown", errors.New("kvstore: open u:hunter2: no database"), r, []string{
			`OpenURL("kv://u:hunter2@/db") = kvstore: open u:hunter2: no database, want an error beginning kvstore: open and containing "no host"`,
			`OpenURL("kv://u:hunter2@/db") = kvstore: open u:hunter2: no database, which shows the secret "hunter2"`,
		}, 0},
		{"no secret to hide", errors.New("kvstore: open u:hunter2: no host"), Refusal{Prefix: "kvstore: open", Want: "no host"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &closer{}
			got := (&checkRecorder{TB: t}).run(func(tb testing.TB) { WantRefused(tb, what, c, tc.err, tc.r) })
			if !slices.Equal(got, tc.want) || c.closed != tc.wantClosed {
				t.Errorf("WantRefused(%v) failed with %q and closed %d times, want %q and %d", tc.err, got, c.closed, tc.want, tc.wantClosed)
			}
		})
	}
}
