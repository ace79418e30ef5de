package unionstore_test

import (
	"context"
	"iter"
	"time"

	"github.com/unionstore/unionstore"
)

// baseline follows the design this package replaces, for the benchmarks to
// measure against: it saves to each store in turn and merges loads in a map,
// returning them in map order.
type baseline struct {
	stores []unionstore.Store[Item]
}

func (b baseline) Save(ctx context.Context, changes unionstore.Changes[Item]) error {
	var first error
	for _, s := range b.stores {
		if err := s.Save(ctx, changes); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (b baseline) Load(ctx context.Context, namespace string) (unionstore.Changes[Item], error) {
	type key struct{ kind, id string }
	latest := map[key]unionstore.Change[Item]{}
	for _, s := range b.stores {
		changes, err := s.Load(ctx, namespace)
		if err != nil {
			return nil, err
		}
		for _, c := range changes {
			k := key{c.Entity.Kind, c.Entity.ID}
			if old, ok := latest[k]; !ok || c.Timestamp.After(old.Timestamp) {
				latest[k] = c
			}
		}
	}
	out := make(unionstore.Changes[Item], 0, len(latest))
	for _, c := range latest {
		out = append(out, c)
	}
	return out, nil
}

// slow adds a fixed latency to every Save, like a store across a network.
type slow struct {
	unionstore.Store[Item]
	latency time.Duration
}

func (s slow) Save(ctx context.Context, changes unionstore.Changes[Item]) error {
	select {
	case <-time.After(s.latency):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.Save(ctx, changes)
}

// synthetic is a Scanner that makes up n entities in order as it yields
// them, so that it holds nothing: a stand-in for a large store read through
// a cursor.
type synthetic struct {
	unionstore.Store[Item]
	n, offset int
}

func (s synthetic) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		for i := range s.n {
			id := entityID(i)
			c := unionstore.Change[Item]{Namespace: namespace, ChangeType: unionstore.ChangeTypeSet,
				Entity: Item{Kind: "k", ID: id}, Timestamp: t0.Add(time.Duration(i + s.offset))}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// entityID returns ids that sort in the order of i.
func entityID(i int) string {
	const digits = "0123456789"
	b := []byte("e0000000")
	for p := len(b) - 1; i > 0 && p > 0; p-- {
		b[p] = digits[i%10]
		i /= 10
	}
	return string(b)
}

func (b baseline) Close() error {
	var first error
	for _, s := range b.stores {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// oldMemory is the in-memory store of the design this package replaces: a
// map per namespace whose Load returns the values in map order, unsorted.
type oldMemory struct {
	spaces map[string]map[[2]string]unionstore.Change[Item]
}

func newOldMemory() *oldMemory {
	return &oldMemory{spaces: map[string]map[[2]string]unionstore.Change[Item]{}}
}

func (m *oldMemory) Save(_ context.Context, changes unionstore.Changes[Item]) error {
	for _, c := range changes {
		sp := m.spaces[c.Namespace]
		if sp == nil {
			sp = map[[2]string]unionstore.Change[Item]{}
			m.spaces[c.Namespace] = sp
		}
		k := [2]string{c.Entity.Kind, c.Entity.ID}
		if old, ok := sp[k]; !ok || !c.Timestamp.Before(old.Timestamp) {
			sp[k] = c
		}
	}
	return nil
}

func (m *oldMemory) Load(_ context.Context, namespace string) (unionstore.Changes[Item], error) {
	out := make(unionstore.Changes[Item], 0, len(m.spaces[namespace]))
	for _, c := range m.spaces[namespace] {
		out = append(out, c)
	}
	return out, nil
}

func (m *oldMemory) Close() error { return nil }
