package storetest

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// refusing is a store whose Save and Snapshot fail.
type refusing struct{ *unionstore.Memory[Item] }

func (refusing) Save(context.Context, unionstore.Changes[Item]) error { return errors.New("refused") }

func (refusing) Snapshot(context.Context, string) (unionstore.Changes[Item], unionstore.Cursor, error) {
	return nil, "", errors.New("refused")
}

func TestSaveAndSnapshot(t *testing.T) {
	ts := time.Unix(1_700_000_000, 0)
	m := unionstore.NewMemory[Item]()
	if got := new(recorder).run(func(tb testing.TB) { Save(tb, m, Set("ns", "k", "a", "1", ts), Unset("ns", "k", "b", ts)) }); got != "" {
		t.Fatalf("Save to a Memory failed: %s", got)
	}
	changes, cursor := Snapshot(t, m, "ns")
	if got, want := strings.Join(describe(changes), "; "), strings.Join(describe(unionstore.Changes[Item]{Set("ns", "k", "a", "1", ts), Unset("ns", "k", "b", ts)}), "; "); got != want {
		t.Fatalf("Snapshot after Save = %s, want %s", got, want)
	}
	if cursor == "" {
		t.Fatalf("Snapshot returned an empty cursor")
	}
	for _, tc := range []struct {
		name, want string
		call       func(tb testing.TB)
	}{
		{"Save", "Save: refused", func(tb testing.TB) { Save(tb, refusing{m}, Set("ns", "k", "a", "1", ts)) }},
		{"Snapshot", `Snapshot("ns"): refused`, func(tb testing.TB) { Snapshot(tb, refusing{m}, "ns") }},
	} {
		if got := new(recorder).run(tc.call); got != tc.want {
			t.Errorf("%s of a refusing store failed with %q, want %q", tc.name, got, tc.want)
		}
	}
}

// closer counts its Close calls.
type closer struct{ closed int }

func (c *closer) Close() error { c.closed++; return nil }

func TestClosing(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		wantFailed string
		wantClosed int
	}{
		{"an open closer is closed at the end", nil, "", 1},
		{"an opener's error fails the test", errors.New("no such file"), "Open: no such file", 0},
	} {
		c := &closer{}
		var failed string
		t.Run(tc.name, func(t *testing.T) {
			if tc.err != nil {
				failed = new(recorder).run(func(tb testing.TB) { Closing(tb, "Open", c, tc.err) })
				return
			}
			if got := Closing(t, "Open", c, nil); got != c {
				t.Errorf("Closing returned %p, want %p", got, c)
			}
			if c.closed != 0 {
				t.Errorf("Closing closed it before the end")
			}
		})
		if failed != tc.wantFailed || c.closed != tc.wantClosed {
			t.Errorf("%s: Closing failed with %q and closed %d times, want %q and %d", tc.name, failed, c.closed, tc.wantFailed, tc.wantClosed)
		}
	}
}

// brokenScan yields two changes and then an error.
type brokenScan struct{ *unionstore.Memory[Item] }

func (s brokenScan) Scan(ctx context.Context, ns string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		for range 2 {
			if !yield(Set(ns, "k", "a", "", time.Unix(0, 0)), nil) {
				return
			}
		}
		yield(unionstore.Change[Item]{}, errors.New("broken"))
	}
}

func TestScanCount(t *testing.T) {
	ts := time.Unix(1_700_000_000, 0)
	m := unionstore.NewMemory[Item]()
	Save(t, m, Set("ns", "k", "a", "1", ts), Set("ns", "k", "b", "2", ts), Set("other", "k", "c", "3", ts))
	for _, tc := range []struct {
		name string
		s    unionstore.Scanner[Item]
		want int
		fail string
	}{
		{"as many as want", m, 2, ""},
		{"fewer than want", m, 3, `Scan("ns") yielded 2 changes, want 3`},
		{"more than want", m, 1, `Scan("ns") yielded 2 changes, want 1`},
		{"an error", brokenScan{m}, 2, `Scan("ns"): broken`},
	} {
		if got := new(recorder).run(func(tb testing.TB) { ScanCount(tb, tc.s, "ns", tc.want) }); got != tc.fail {
			t.Errorf("%s: ScanCount failed with %q, want %q", tc.name, got, tc.fail)
		}
	}
}

// TestWatchEvents reads the feed of a Memory after its empty cursor: as
// many events as asked for, in order, or those there are and the
// context's error once the wait has passed.
func TestWatchEvents(t *testing.T) {
	ts := time.Unix(1_700_000_000, 0)
	m := unionstore.NewMemory[Item]()
	_, empty := Snapshot(t, m, "ns")
	Save(t, m, Set("ns", "k", "a", "1", ts))
	Save(t, m, Set("ns", "k", "b", "2", ts))
	Save(t, m, Unset("ns", "k", "a", ts.Add(time.Second)))
	for _, tc := range []struct {
		n       int
		wantIDs []string
		wantErr error
	}{
		{1, []string{"a"}, nil},
		{3, []string{"a", "b", "-a"}, nil},
		{4, []string{"a", "b", "-a"}, context.DeadlineExceeded},
	} {
		evs, err := WatchEvents(m, "ns", empty, tc.n, 100*time.Millisecond)
		var ids []string
		for _, ev := range evs {
			id := ev.Change.Entity.ID
			if ev.Change.ChangeType == unionstore.ChangeTypeUnset {
				id = "-" + id
			}
			ids = append(ids, id)
		}
		if !errors.Is(err, tc.wantErr) || strings.Join(ids, " ") != strings.Join(tc.wantIDs, " ") {
			t.Errorf("WatchEvents(%d) = %q, %v, want %q, %v", tc.n, ids, err, tc.wantIDs, tc.wantErr)
		}
	}
}
