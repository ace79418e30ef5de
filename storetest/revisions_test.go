package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/unionstore/unionstore"
)

// fakeRows yields rows of (id, revision); a revision of -1 is none.
type fakeRows struct {
	rows [][2]any
	i    int
}

func (r *fakeRows) Next() bool { r.i++; return r.i <= len(r.rows) }

func (r *fakeRows) Scan(dest ...any) error {
	if len(dest) != 8 {
		return fmt.Errorf("Scan into %d values, want 8", len(dest))
	}
	row := r.rows[r.i-1]
	*dest[3].(*sql.RawBytes) = sql.RawBytes(row[0].(string))
	*dest[7].(*sql.RawBytes) = nil
	if rev := row[1].(int); rev >= 0 {
		*dest[7].(*sql.RawBytes) = sql.RawBytes(strconv.Itoa(rev))
	}
	return nil
}

func (r *fakeRows) Close() error { return nil }

// fakeFeed parses "" and numbers, and counts its waits; the second wait
// ends the feed with errStop.
type fakeFeed struct{ waits int }

var errStop = errors.New("stop")

func (f *fakeFeed) Parse(pos string) (int64, error) {
	if pos == "" {
		return 0, nil
	}
	return strconv.ParseInt(pos, 10, 64)
}

func (f *fakeFeed) Waiter() <-chan struct{} { return nil }

func (f *fakeFeed) Wait(context.Context, <-chan struct{}) error {
	if f.waits++; f.waits == 2 {
		return errStop
	}
	return nil
}

// TestPollRevisions reads a log of revisions 1 to 5 in pages of two after
// a cursor, each page led by a row without a revision, as a namespace's
// head row is, and checks the ids handed over, the positions each query
// starts from and the waits, which come after a short page only.
func TestPollRevisions(t *testing.T) {
	log := []string{"a", "b", "c", "d", "e"} // revisions 1 to 5
	for _, tc := range []struct {
		after    unionstore.Cursor
		wantIDs  []string
		wantFrom []int64
	}{
		{"", []string{"a", "b", "c", "d", "e"}, []int64{0, 2, 4, 5}},
		{"3", []string{"d", "e"}, []int64{3, 5, 5}},
		{"5", nil, []int64{5, 5}},
	} {
		feed := &fakeFeed{}
		var ids []string
		var from []int64
		query := func(_ context.Context, pos int64) (Rows, error) {
			from = append(from, pos)
			page := [][2]any{{"head", -1}}
			for rev := int(pos) + 1; rev <= len(log) && len(page) < 3; rev++ {
				page = append(page, [2]any{log[rev-1], rev})
			}
			return &fakeRows{rows: page}, nil
		}
		err := PollRevisions(context.Background(), feed, tc.after, 2, query, func(id []byte) { ids = append(ids, string(id)) })
		if err != errStop || !slices.Equal(ids, tc.wantIDs) || !slices.Equal(from, tc.wantFrom) {
			t.Errorf("PollRevisions after %q = %v, ids %q, queries from %v; want %v, %q, %v",
				tc.after, err, ids, from, errStop, tc.wantIDs, tc.wantFrom)
		}
	}
}

// TestPollRevisionsErrors checks that an error of the cursor, the query
// or a row's revision ends the feed with it.
func TestPollRevisionsErrors(t *testing.T) {
	broken := errors.New("broken")
	for _, tc := range []struct {
		name  string
		after unionstore.Cursor
		query func(context.Context, int64) (Rows, error)
		want  string
	}{
		{"a bad cursor", "x", nil, `strconv.ParseInt: parsing "x": invalid syntax`},
		{"the query", "", func(context.Context, int64) (Rows, error) { return nil, broken }, "broken"},
		{"a bad revision", "", func(context.Context, int64) (Rows, error) {
			return &badRevision{}, nil
		}, `strconv.ParseInt: parsing "r1": invalid syntax`},
	} {
		err := PollRevisions(context.Background(), &fakeFeed{}, tc.after, 2, tc.query, func([]byte) {})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: PollRevisions = %v, want %s", tc.name, err, tc.want)
		}
	}
}

// badRevision yields one row whose revision is not a number.
type badRevision struct{ fakeRows }

func (r *badRevision) Next() bool { r.i++; return r.i == 1 }

func (r *badRevision) Scan(dest ...any) error {
	*dest[7].(*sql.RawBytes) = sql.RawBytes("r1")
	return nil
}
