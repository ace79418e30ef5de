package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// testStore is a store in memory that counts the calls to Namespaces and
// takes scanDelay to start a scan. Close leaves it open, so that one test
// may run several commands on it.
type testStore struct {
	*unionstore.Memory[Record]
	namespaceCalls atomic.Int64
	scanDelay      time.Duration
}

func (s *testStore) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	s.namespaceCalls.Add(1)
	return s.Memory.Namespaces(ctx)
}

func (s *testStore) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[Record], error] {
	return func(yield func(unionstore.Change[Record], error) bool) {
		time.Sleep(s.scanDelay)
		for c, err := range s.Memory.Scan(ctx, namespace) {
			if !yield(c, err) {
				return
			}
		}
	}
}

func (s *testStore) Close() error { return nil }

// newTestStore returns a store holding records r1 to rN of kind k in each
// namespace.
func newTestStore(t testing.TB, n int, namespaces ...string) *testStore {
	t.Helper()
	s := &testStore{Memory: unionstore.NewMemory[Record]()}
	var changes unionstore.Changes[Record]
	for _, ns := range namespaces {
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("r%d", i)
			changes = append(changes, unionstore.Change[Record]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: Record{Kind: "k", ID: id, Body: []byte(`"` + id + `"`)}})
		}
	}
	if err := s.Save(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	return s
}

// useTestStores makes the addresses test://NAME open the stores given by
// name, for the length of the test.
func useTestStores(t testing.TB, stores map[string]*testStore) {
	t.Helper()
	openers["test"] = func(_ context.Context, addr string, _ openOptions) (store, error) {
		if s, ok := stores[strings.TrimPrefix(addr, "test://")]; ok {
			return s, nil
		}
		return nil, fmt.Errorf("no test store %q", addr)
	}
	t.Cleanup(func() { delete(openers, "test") })
}

func TestProgressCountsOnlyForABarAndOnce(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = time.Millisecond
	namespaces := []string{"audit", "crm", "shop"}
	commands := [][]string{
		{"check", "--store", "test://a", "--store", "test://b"},
		{"sync", "--from", "test://a", "--to", "test://b"},
		{"repair", "--store", "test://a", "--store", "test://b"},
	}
	for _, terminal := range []bool{false, true} {
		for _, named := range []bool{false, true} {
			for _, args := range commands {
				if named {
					args = append(slices.Clone(args), namespaces...)
				}
				a := newTestStore(t, 5, namespaces...)
				a.scanDelay = 20 * time.Millisecond // long enough for the bar to be drawn
				b := newTestStore(t, 2, "shop")
				useTestStores(t, map[string]*testStore{"a": a, "b": b})
				var stdout, stderr bytes.Buffer
				status := run(context.Background(), &env{stdout: &stdout, stderr: &stderr, progress: terminal}, args)
				if status == exitFailure {
					t.Fatalf("run(%q) = %d:\n%s", args, status, stderr.String())
				}
				// Without a bar, only listing the namespaces asks a store
				// for its counts; with one, the totals ask too, but no
				// store is asked twice.
				for name, s := range map[string]*testStore{"a": a, "b": b} {
					listed := !named && (name == "a" || args[0] != "sync")
					want := int64(0)
					if terminal || listed {
						want = 1
					}
					if got := s.namespaceCalls.Load(); got != want {
						t.Errorf("run(%q) with terminal %v asked store %s for its namespaces %d times, want %d", args, terminal, name, got, want)
					}
				}
				if bar := "\r" + args[0] + " shop ["; terminal != strings.Contains(stderr.String(), bar) {
					t.Errorf("run(%q) with terminal %v: stderr begins %q; want a bar labelled %q only on a terminal", args, terminal, clip(stderr.String(), 60), bar)
				}
			}
		}
	}
}

// loadOnly is a store that does not scan: it has only the methods of
// [unionstore.Store], and Load fails with err if err is not nil.
type loadOnly struct {
	store
	err error
}

func (l loadOnly) Load(ctx context.Context, namespace string) (unionstore.Changes[Record], error) {
	if l.err != nil {
		return nil, l.err
	}
	return l.store.Load(ctx, namespace)
}

func TestCountedLoadsAStoreThatDoesNotScan(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int64
	var ids []string
	for c, err := range (counted{loadOnly{store: newTestStore(t, 3, "shop")}, &n}).Scan(ctx, "shop") {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.Entity.ID)
	}
	if want := []string{"r1", "r2", "r3"}; !slices.Equal(ids, want) || n.Load() != 3 {
		t.Errorf("Scan of a store that does not scan = %q, counted %d; want %q, counted 3", ids, n.Load(), want)
	}

	// One that scans and one that does not compare through a union as
	// check compares them.
	e := &env{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	s := &stores{list: []store{newTestStore(t, 3, "shop"), loadOnly{store: newTestStore(t, 2, "shop")}}, addrs: []string{"a", "b"}}
	if differ, err := checkNamespace(ctx, e, s, "shop", false, false, 10); err != nil || !differ {
		t.Errorf("checkNamespace(a scanning store, a loading one) = %v, %v; want true, nil", differ, err)
	}

	boom := errors.New("boom")
	var errs []error
	for _, err := range (counted{loadOnly{store: newTestStore(t, 1, "shop"), err: boom}, &n}).Scan(ctx, "shop") {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], boom) {
		t.Errorf("Scan of a store whose Load fails yielded %v, want one error %v", errs, boom)
	}
}
