package s3store_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

func item(ns, id string, n int) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: storetest.Item{Kind: "k", ID: id, N: n}, Timestamp: at(n)}
}

func batch(ns string, from, n int) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		out[i] = item(ns, fmt.Sprintf("%06d", from+i), from+i)
	}
	return out
}

func TestRequestCounts(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, reqs := f.newStore(t, s3store.WithMaxSegments(0))

	if err := s.Save(ctx, batch("ns", 0, 10000)); err != nil {
		t.Fatal(err)
	}
	if got, want := reqs.take(), map[string]int{"PUT": 1}; !maps.Equal(got, want) {
		t.Errorf("Save of 10,000 changes sent %v, want %v", got, want)
	}
	two := append(batch("a", 0, 10), batch("b", 0, 10)...)
	if err := s.Save(ctx, two); err != nil {
		t.Fatal(err)
	}
	if got, want := reqs.take(), map[string]int{"PUT": 2}; !maps.Equal(got, want) {
		t.Errorf("Save over two namespaces sent %v, want %v", got, want)
	}

	for k := 1; k <= 3; k++ {
		if k > 1 {
			if err := s.Save(ctx, batch("ns", 10000*k, 10)); err != nil {
				t.Fatal(err)
			}
			reqs.take()
		}
		got, err := s.Load(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		if want := 10000 + 10*(k-1); len(got) != want {
			t.Fatalf("Load = %d changes, want %d", len(got), want)
		}
		if got, want := reqs.take(), map[string]int{"LIST": 1, "GET": k}; !maps.Equal(got, want) {
			t.Errorf("Load of %d segments sent %v, want %v", k, got, want)
		}
		for _, err := range s.Scan(ctx, "ns") {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, want := reqs.take(), map[string]int{"LIST": 1, "GET": k}; !maps.Equal(got, want) {
			t.Errorf("Scan of %d segments sent %v, want %v", k, got, want)
		}
	}

	if err := s.Compact(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if got, want := reqs.take(), map[string]int{"LIST": 1, "GET": 3, "PUT": 1, "DELETE-MULTI": 1}; !maps.Equal(got, want) {
		t.Errorf("Compact of 3 segments sent %v, want %v", got, want)
	}
	if _, err := s.Load(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if got, want := reqs.take(), map[string]int{"LIST": 1, "GET": 1}; !maps.Equal(got, want) {
		t.Errorf("Load after Compact sent %v, want %v", got, want)
	}
}

func TestSaveCompactsPastMaxSegments(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	var compactErrs []error
	s, _ := f.newStore(t, s3store.WithMaxSegments(3), s3store.WithCompactErrors(func(ns string, err error) { compactErrs = append(compactErrs, err) }))
	var want unionstore.Changes[storetest.Item]
	for i := range 7 {
		b := batch("ns", i*10, 10)
		want = append(want, b...)
		if err := s.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
		// Saves 1 to 3 add segments; the 4th makes 4 > 3 and compacts to 1.
		if got, wantN := len(f.keys(t, s.Prefix())), []int{1, 2, 3, 1, 2, 3, 1}[i]; got != wantN {
			t.Fatalf("after save %d: %d segments, want %d", i+1, got, wantN)
		}
	}
	if len(compactErrs) > 0 {
		t.Fatalf("compaction errors: %v", compactErrs)
	}
	expectLoad(t, s, "ns", want)
}

// expectLoad checks that s loads exactly want, compacted, from ns.
func expectLoad(t *testing.T, s *s3store.Store[storetest.Item], ns string, want unionstore.Changes[storetest.Item]) {
	t.Helper()
	got, err := s.Load(context.Background(), ns)
	if err != nil {
		t.Fatalf("Load(%q): %v", ns, err)
	}
	w := unionstore.Compact(want)
	if len(got) != len(w) {
		t.Fatalf("Load(%q) = %d changes, want %d", ns, len(got), len(w))
	}
	for i := range got {
		if describe(got[i]) != describe(w[i]) {
			t.Fatalf("Load(%q)[%d] = %s, want %s", ns, i, describe(got[i]), describe(w[i]))
		}
	}
}

func describe(c unionstore.Change[storetest.Item]) string {
	return fmt.Sprintf("%s/%s/%s %s %q n=%d at %d", c.Namespace, c.Entity.Kind, c.Entity.ID, c.ChangeType, c.Entity.Value, c.Entity.N, c.Timestamp.UnixNano())
}
