package backend_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

func TestRevisionsPositions(t *testing.T) {
	r := backend.NewRevisions(0xabc, time.Second, "table")
	if got, err := r.Parse(r.Position(42)); err != nil || got != 42 {
		t.Fatalf("Parse(Position(42)) = %d, %v", got, err)
	}
	other := backend.NewRevisions(0xdef, time.Second, "table")
	for _, pos := range []string{other.Position(42), "abc", "abc-", "abc--1", "abc-x", ""} {
		if _, err := r.Parse(pos); !errors.Is(err, unionstore.ErrCursorExpired) {
			t.Errorf("Parse(%q) = %v, want ErrCursorExpired", pos, err)
		}
	}
}

// pages serves the pages of a namespace's feed from a list of revisions.
func pages(head, floor int64, revs ...int64) func(context.Context, int64) (backend.RevisionPage, error) {
	return func(_ context.Context, after int64) (backend.RevisionPage, error) {
		p := backend.RevisionPage{Head: head, Floor: floor}
		for _, rev := range revs {
			if rev > after {
				p.Records = append(p.Records, backend.Record{ID: "r"})
				p.Revs = append(p.Revs, rev)
			}
		}
		return p, nil
	}
}

func TestRevisionsWatch(t *testing.T) {
	head := func(context.Context) (int64, error) { return 3, nil }
	tests := []struct {
		name  string
		after int64
		page  func(context.Context, int64) (backend.RevisionPage, error)
		want  int   // events before the end
		err   error // the end
	}{
		{"events after the position, then the context's end", 1, pages(3, 0, 1, 2, 3), 2, context.DeadlineExceeded},
		{"a position below the floor expires", 1, pages(5, 3, 4, 5), 0, unionstore.ErrCursorExpired},
		{"a position beyond the last revision expires", 9, pages(5, 0, 4, 5), 0, unionstore.ErrCursorExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := backend.NewRevisions(1, time.Millisecond, "file")
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			n := 0
			var end error
			for _, err := range r.Watch(ctx, r.Position(tc.after), head, tc.page, 10) {
				if err != nil {
					end = err
					break
				}
				n++
			}
			if n != tc.want || !errors.Is(end, tc.err) {
				t.Fatalf("Watch = %d events then %v, want %d then %v", n, end, tc.want, tc.err)
			}
		})
	}
	r := backend.NewRevisions(1, time.Hour, "file")
	go func() {
		time.Sleep(10 * time.Millisecond)
		r.Close()
	}()
	for _, err := range r.Watch(context.Background(), "", head, pages(3, 0), 10) {
		if !errors.Is(err, unionstore.ErrClosed) {
			t.Fatalf("Watch after Close = %v, want ErrClosed", err)
		}
	}
}

// WatchNamespace hands the namespace to both reads, and watches as Watch
// does: from the last revision for "", from the position otherwise.
func TestRevisionsWatchNamespace(t *testing.T) {
	r := backend.NewRevisions(1, time.Millisecond, "file")
	var asked []string
	head := func(_ context.Context, ns string) (int64, error) {
		asked = append(asked, "head "+ns)
		return 3, nil
	}
	page := func(ctx context.Context, ns string, after int64) (backend.RevisionPage, error) {
		asked = append(asked, fmt.Sprintf("page %s after %d", ns, after))
		return pages(4, 0, 1, 2, 3, 4)(ctx, after)
	}
	for _, tc := range []struct {
		after string
		want  string // the reads, then the positions yielded
	}{
		{"", "head ns; page ns after 3; 1-4"},
		{r.Position(1), "page ns after 1; 1-2 1-3 1-4"},
	} {
		asked = nil
		var got []string
		for ev, err := range r.WatchNamespace(context.Background(), "ns", tc.after, head, page, 10) {
			if err != nil {
				t.Fatalf("WatchNamespace(%q) = %v", tc.after, err)
			}
			got = append(got, ev.Position)
			if ev.Position == r.Position(4) {
				break
			}
		}
		if s := strings.Join(asked, "; ") + "; " + strings.Join(got, " "); s != tc.want {
			t.Errorf("WatchNamespace(%q) read and yielded %q, want %q", tc.after, s, tc.want)
		}
	}
}

func TestRevisionsSnapshot(t *testing.T) {
	r := backend.NewRevisions(0xabc, time.Second, "table")
	ctx := context.Background()
	var order []string
	head := func(context.Context, string) (int64, error) { order = append(order, "head"); return 7, nil }
	load := func(context.Context, string) ([]backend.Record, error) {
		order = append(order, "load")
		return []backend.Record{{ID: "a"}}, nil
	}
	recs, pos, err := r.Snapshot(ctx, "ns", head, load)
	if err != nil || len(recs) != 1 || pos != r.Position(7) {
		t.Fatalf("Snapshot = %v, %q, %v; want the records at revision 7", recs, pos, err)
	}
	if len(order) != 2 || order[0] != "head" {
		t.Fatalf("Snapshot read %v, want the head before the records", order)
	}
	r.Close()
	failing := func(context.Context, string) (int64, error) { return 0, errors.New("connection closed") }
	if _, _, err := r.Snapshot(ctx, "ns", failing, load); !errors.Is(err, unionstore.ErrClosed) {
		t.Fatalf("Snapshot after Close = %v, want ErrClosed", err)
	}
}

// Paged reads pages until one reads all there is, then waits for the
// wake-up taken before that page, and ends with ErrClosed at done.
func TestPaged(t *testing.T) {
	ctx := context.Background()
	wake, done := make(chan struct{}), make(chan struct{})
	pages := [][]string{{"a", "b"}, {"c"}, nil, {"d"}}
	reads, closed := 0, false
	page := func(context.Context) ([]backend.Event, bool, error) {
		if reads == len(pages) {
			if !closed {
				close(done) // the driver closes once all pages were read
				closed = true
			}
			return nil, false, nil
		}
		var evs []backend.Event
		for _, id := range pages[reads] {
			evs = append(evs, backend.Event{Record: backend.Record{ID: id}, Position: id})
		}
		reads++
		return evs, reads == 1, nil // only the first page says there is more
	}
	var got []string
	woken := 0
	wakeFn := func() <-chan struct{} {
		woken++
		if woken > 2 {
			// From the third page on, a commit has already come.
			c := make(chan struct{})
			close(c)
			return c
		}
		return wake
	}
	go func() { wake <- struct{}{} }() // the commit after the second page
	var end error
	for ev, err := range backend.Paged(ctx, done, wakeFn, page) {
		if err != nil {
			end = err
			break
		}
		got = append(got, ev.Position)
	}
	if want := "a b c d"; fmt.Sprint(strings.Join(got, " ")) != want || !errors.Is(end, unionstore.ErrClosed) {
		t.Fatalf("Paged yielded %q then %v, want %q then ErrClosed", got, end, want)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	for _, err := range backend.Paged(cctx, make(chan struct{}), wakeFn, page) {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Paged with a done context = %v, want context.Canceled", err)
		}
	}
}
