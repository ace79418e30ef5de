package storetest_test

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// lastWriter is a store that ignores timestamps: the last change saved for
// an identity wins. It is what ConcurrentWriters must catch.
type lastWriter struct {
	mu    sync.Mutex
	space map[string]map[[2]string]unionstore.Change[storetest.Item]
}

func (l *lastWriter) Save(_ context.Context, changes unionstore.Changes[storetest.Item]) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range changes {
		if l.space[c.Namespace] == nil {
			l.space[c.Namespace] = map[[2]string]unionstore.Change[storetest.Item]{}
		}
		l.space[c.Namespace][[2]string{c.Entity.Kind, c.Entity.ID}] = c
	}
	return nil
}

func (l *lastWriter) Load(_ context.Context, ns string) (unionstore.Changes[storetest.Item], error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out unionstore.Changes[storetest.Item]
	for _, c := range l.space[ns] {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b unionstore.Change[storetest.Item]) int {
		return cmp.Or(cmp.Compare(a.Entity.Kind, b.Entity.Kind), cmp.Compare(a.Entity.ID, b.Entity.ID))
	})
	return out, nil
}

func (l *lastWriter) Close() error { return nil }

var writes = storetest.Writes{Writers: 8, SavesPerWriter: 20, MaxBatch: 20, IDs: 20, Timestamps: 100, Namespaces: []string{"a", "b"}, Seed: 7}

func TestConcurrentWritersAcceptsMemory(t *testing.T) {
	m := unionstore.NewMemory[storetest.Item]()
	stores := []unionstore.Store[storetest.Item]{m, m}
	if diffs := storetest.ConcurrentWriters(t, stores, m, writes); len(diffs) != 0 {
		t.Errorf("ConcurrentWriters(Memory) = %d differences, want none; first: %s", len(diffs), diffs[0])
	}
}

// TestConcurrentWritersCatchesLastWriterWins shows that the model test can
// fail: with one writer the order is fixed, so the differences do not
// depend on the schedule.
func TestConcurrentWritersCatchesLastWriterWins(t *testing.T) {
	l := &lastWriter{space: map[string]map[[2]string]unionstore.Change[storetest.Item]{}}
	w := writes
	w.Writers = 1
	storetest.ExpectDifferences(t, "the timestamp comparison", 1, func(int) []string {
		return storetest.ConcurrentWriters(t, []unionstore.Store[storetest.Item]{l}, l, w)
	})
}

func TestRunPurgeDurableMemory(t *testing.T) {
	storetest.RunPurgeDurable(t, func(*testing.T) unionstore.Store[storetest.Item] {
		return unionstore.NewMemory[storetest.Item]()
	})
}
