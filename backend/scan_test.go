package backend_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/unionstore/unionstore/backend"
)

// TestScanPages walks pages of ids read after the last id of the page
// before, as a keyset query would, and checks what ScanPages yields and
// what each call of next was given.
func TestScanPages(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		ids   string // the namespace, in key order
		size  int
		fail  int // the call of next that fails, from 1; 0 for none
		stop  int // the records the caller takes before it stops; 0 for all
		want  string
		after string // the last id of the page each call of next was given
		err   error
	}{
		{name: "empty", ids: "", size: 2, want: "", after: "-"},
		{name: "one short page", ids: "a", size: 2, want: "a", after: "-"},
		{name: "pages then a short one", ids: "a b c d e", size: 2, want: "a b c d e", after: "- b d"},
		{name: "full pages then an empty one", ids: "a b c d", size: 2, want: "a b c d", after: "- b d"},
		{name: "an error ends the walk", ids: "a b c d e", size: 2, fail: 2, want: "a b", after: "- b", err: boom},
		{name: "the caller stops", ids: "a b c d e", size: 2, stop: 3, want: "a b c", after: "- b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := strings.Fields(tc.ids)
			var after []string
			next := func(prev []backend.Record) ([]backend.Record, error) {
				from := "-"
				if prev != nil {
					from = prev[len(prev)-1].ID
				}
				after = append(after, from)
				if len(after) == tc.fail {
					return nil, boom
				}
				page := prev[:0]
				for _, id := range ids {
					if (from == "-" || id > from) && len(page) < tc.size {
						page = append(page, backend.Record{ID: id})
					}
				}
				return page, nil
			}
			var got []string
			var err error
			for r, e := range backend.ScanPages(tc.size, next) {
				if e != nil {
					err = e
					break
				}
				got = append(got, r.ID)
				if len(got) == tc.stop {
					break
				}
			}
			if g := strings.Join(got, " "); g != tc.want || !errors.Is(err, tc.err) || fmt.Sprint(after) != fmt.Sprint(strings.Fields(tc.after)) {
				t.Errorf("ScanPages(%d) over %q = %q then %v, pages after %v; want %q then %v, pages after %v",
					tc.size, tc.ids, g, err, after, tc.want, tc.err, strings.Fields(tc.after))
			}
		})
	}
}
