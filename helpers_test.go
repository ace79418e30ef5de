package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

type Item = storetest.Item

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

func set(id, value string, ts time.Time) unionstore.Change[Item] {
	return unionstore.Change[Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "k", ID: id, Value: value}, Timestamp: ts}
}

func unset(id string, ts time.Time) unionstore.Change[Item] {
	return unionstore.Change[Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: Item{Kind: "k", ID: id}, Timestamp: ts}
}

func batch(c ...unionstore.Change[Item]) unionstore.Changes[Item] { return c }

// show renders changes as "id=value@ms" or "id=-@ms" for tombstones.
func show(changes unionstore.Changes[Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		v := c.Entity.Value
		if c.ChangeType == unionstore.ChangeTypeUnset {
			v = "-"
		}
		out[i] = fmt.Sprintf("%s=%s@%d", c.Entity.ID, v, c.Timestamp.Sub(t0).Milliseconds())
	}
	return out
}

func memories(n int) []*unionstore.Memory[Item] {
	out := make([]*unionstore.Memory[Item], n)
	for i := range out {
		out[i] = unionstore.NewMemory[Item]()
	}
	return out
}

func asStores(ms []*unionstore.Memory[Item]) []unionstore.Store[Item] {
	out := make([]unionstore.Store[Item], len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func mustSave(t testing.TB, s unionstore.Store[Item], changes unionstore.Changes[Item]) {
	t.Helper()
	if err := s.Save(context.Background(), changes); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mustLoad(t testing.TB, s unionstore.Store[Item]) unionstore.Changes[Item] {
	t.Helper()
	got, err := s.Load(context.Background(), "ns")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return got
}

// faulty wraps a store and fails the operations named in its fields.
type faulty struct {
	unionstore.Store[Item]
	saveErr, loadErr, closeErr error
	saves, closes              atomic.Int32
}

func (f *faulty) Save(ctx context.Context, c unionstore.Changes[Item]) error {
	f.saves.Add(1)
	if f.saveErr != nil {
		return f.saveErr
	}
	return f.Store.Save(ctx, c)
}

func (f *faulty) Load(ctx context.Context, ns string) (unionstore.Changes[Item], error) {
	if f.loadErr != nil {
		return nil, f.loadErr
	}
	return f.Store.Load(ctx, ns)
}

func (f *faulty) Close() error {
	f.closes.Add(1)
	_ = f.Store.Close()
	return f.closeErr
}

// stuck is a store whose Save and Load block, ignoring their context, until
// the test ends: the union must not wait for it once ctx is done.
type stuck struct {
	release chan struct{}
	once    sync.Once
}

func newStuck(t testing.TB) *stuck {
	s := &stuck{release: make(chan struct{})}
	t.Cleanup(func() { s.once.Do(func() { close(s.release) }) })
	return s
}

func (s *stuck) Save(context.Context, unionstore.Changes[Item]) error {
	<-s.release
	return errors.New("released")
}

func (s *stuck) Load(context.Context, string) (unionstore.Changes[Item], error) {
	<-s.release
	return nil, errors.New("released")
}

func (s *stuck) Close() error { return nil }

// stuckScanner is a stuck store that also streams, and whose stream blocks
// the same way.
type stuckScanner struct{ *stuck }

func (s stuckScanner) Scan(context.Context, string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		<-s.release
		yield(unionstore.Change[Item]{}, errors.New("released"))
	}
}

// unordered is a Scanner that yields its changes in the order given,
// breaking the Scanner contract when they are not sorted.
type unordered struct {
	unionstore.Store[Item]
	changes unionstore.Changes[Item]
}

func (u unordered) Scan(context.Context, string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		for _, c := range u.changes {
			if !yield(c, nil) {
				return
			}
		}
	}
}
