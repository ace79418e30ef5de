package s3store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// saveSegments saves batches to ns, one segment each, and returns all
// their changes.
func saveSegments(t *testing.T, s *s3store.Store[storetest.Item], ns string, batches ...unionstore.Changes[storetest.Item]) unionstore.Changes[storetest.Item] {
	t.Helper()
	var all unionstore.Changes[storetest.Item]
	for _, b := range batches {
		if err := s.Save(context.Background(), b); err != nil {
			t.Fatalf("Save: %v", err)
		}
		all = append(all, b...)
	}
	return all
}

// overlapping returns batches that overwrite, revive and delete each
// other's entities.
func overlapping(ns string) []unionstore.Changes[storetest.Item] {
	unset := func(id string, n int) unionstore.Change[storetest.Item] {
		c := item(ns, id, n)
		c.ChangeType = unionstore.ChangeTypeUnset
		return c
	}
	return []unionstore.Changes[storetest.Item]{
		batch(ns, 0, 300),
		{item(ns, "000001", 500), unset("000002", 501), unset("ghost", 502)},
		{item(ns, "000002", 400), unset("000003", 600), item(ns, "000299", 10)},
		batch(ns, 250, 100),
	}
}

func TestCompactKeepsEveryLatestChangeAndTombstone(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t, s3store.WithMaxSegments(0))
	all := saveSegments(t, s, "ns", overlapping("ns")...)
	saveSegments(t, s, "other", batch("other", 0, 5), batch("other", 3, 5))
	if err := s.Compact(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.keys(t, s.Prefix()+"ns/")); n != 1 {
		t.Fatalf("after Compact: %d segments, want 1", n)
	}
	if n := len(f.keys(t, s.Prefix()+"other/")); n != 2 {
		t.Fatalf("Compact of ns touched other: %d segments, want 2", n)
	}
	expectLoad(t, s, "ns", all)
	// A second compaction of one segment changes nothing.
	before := f.keys(t, s.Prefix())
	if err := s.Compact(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if after := f.keys(t, s.Prefix()); len(after) != len(before) || after[0] != before[0] {
		t.Fatalf("Compact of one segment rewrote it: %v, then %v", before, after)
	}
}

func TestCompactCrashBetweenWriteAndDeletes(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t, s3store.WithMaxSegments(0))
	all := saveSegments(t, s, "ns", overlapping("ns")...)
	crash := errors.New("crash")
	s3store.CrashAfterCompactWrite(s, crash)
	if err := s.Compact(ctx, "ns"); !errors.Is(err, crash) {
		t.Fatalf("Compact = %v, want the crash", err)
	}
	// The merged segment is written and its four inputs are still there.
	if n := len(f.keys(t, s.Prefix())); n != 5 {
		t.Fatalf("after the crash: %d segments, want 5", n)
	}
	s2 := f.reopen(t, s, s3store.WithMaxSegments(0))
	expectLoad(t, s2, "ns", all)
	// A newer save, then a compaction that completes, clean up.
	more := batch("ns", 100, 3)
	saveSegments(t, s2, "ns", more)
	if err := s2.Compact(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.keys(t, s.Prefix())); n != 1 {
		t.Fatalf("after a full compaction: %d segments, want 1", n)
	}
	expectLoad(t, s2, "ns", append(all, more...))
}

func TestRacingCompactionsLoseNothing(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t, s3store.WithMaxSegments(0))
	all := saveSegments(t, s, "ns", overlapping("ns")...)
	stores := []*s3store.Store[storetest.Item]{s, f.reopen(t, s), f.reopen(t, s), f.reopen(t, s)}
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make([]error, len(stores))
		for i, st := range stores {
			wg.Go(func() {
				errs[i] = st.Compact(ctx, "ns")
			})
		}
		// Saves race with the compactions too.
		b := batch("ns", 1000+round*10, 10)
		all = append(all, b...)
		if err := s.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: compaction %d: %v", round, i, err)
			}
		}
		expectLoad(t, stores[round%len(stores)], "ns", all)
	}
}

func TestReadListsAgainWhenACompactionDeletesASegment(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, reqs := f.newStore(t, s3store.WithMaxSegments(0))
	all := saveSegments(t, s, "ns", overlapping("ns")...)
	compactor := f.reopen(t, s)
	for _, tc := range []struct {
		name string
		read func() error
	}{
		{"load", func() error { _, err := s.Load(ctx, "ns"); return err }},
		{"scan", func() error {
			for _, err := range s.Scan(ctx, "ns") {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"get", func() error {
			c, ok, err := s.Get(ctx, "ns", "k", "000002")
			if err == nil && (!ok || c.Timestamp != at(501)) {
				err = errors.New("get found the wrong change")
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Three more segments, so that there is something to compact.
			all = append(all, saveSegments(t, s, "ns", batch("ns", 5000, 1), batch("ns", 5001, 1), batch("ns", 5002, 1))...)
			var once sync.Once
			reqs.setBefore(func(kind string) {
				if kind == "GET" {
					once.Do(func() {
						if err := compactor.Compact(ctx, "ns"); err != nil {
							t.Errorf("Compact: %v", err)
						}
					})
				}
			})
			defer reqs.setBefore(nil)
			reqs.take()
			if err := tc.read(); err != nil {
				t.Fatalf("%s during a compaction: %v", tc.name, err)
			}
			if got := reqs.take()["LIST"]; got != 2 {
				t.Errorf("%s listed %d times, want 2", tc.name, got)
			}
		})
	}
	expectLoad(t, s, "ns", all)
}
