package unionstore

import (
	"context"
	"fmt"
)

// member is a store as a Union sees it: the store, its name and its role.
type member[E Entity] struct {
	store    Store[E]
	name     string
	readOnly bool
	fast     fastStore[E] // store's fast path, or nil
}

func (m member[E]) label(index int) string { return storeLabel(index, m.name) }

// memberStore is what [Named] and [ReadOnly] return: a store with a name or
// a role that [New] unwraps.
type memberStore[E Entity] struct {
	member[E]
}

// Named gives s a name that a [Union] uses in errors, reports and
// observer events, as in `store 1 ("backup")`. It may be combined with
// [ReadOnly] in either order.
func Named[E Entity](name string, s Store[E]) Store[E] {
	m := asMember(s)
	m.name = name
	return &memberStore[E]{m}
}

// ReadOnly marks s as a read-only member of a [Union]: the union reads it
// and merges its changes, but never writes to it, not even to repair it.
// This is the old store of a migration. Used on its own, the returned
// store's Save returns [ErrReadOnly].
func ReadOnly[E Entity](s Store[E]) Store[E] {
	m := asMember(s)
	m.readOnly = true
	return &memberStore[E]{m}
}

func asMember[E Entity](s Store[E]) member[E] {
	if ms, ok := s.(*memberStore[E]); ok {
		return ms.member
	}
	m := member[E]{store: s}
	if f, ok := s.(fastStore[E]); ok && f.fastFor(s) {
		m.fast = f
	}
	return m
}

// fastStore is a store that a union may call past its exported methods:
// it saves a batch the union has validated and stamped without checking
// it again, and shares a sorted view of a namespace for the union to
// merge without copying it. [Memory] is one.
type fastStore[E Entity] interface {
	saveValid(ctx context.Context, changes Changes[E]) error
	sortedView(ctx context.Context, namespace string) (Changes[E], error)
	// fastFor reports whether s is the store itself: a store that embeds
	// it gets its methods but may override Save and Load, which the fast
	// path would bypass.
	fastFor(s Store[E]) bool
}

// Save saves to the wrapped store, or returns [ErrReadOnly].
func (s *memberStore[E]) Save(ctx context.Context, changes Changes[E]) error {
	if s.readOnly {
		if s.name != "" {
			return fmt.Errorf("store %q: %w", s.name, ErrReadOnly)
		}
		return ErrReadOnly
	}
	return s.store.Save(ctx, changes)
}

// Load loads from the wrapped store.
func (s *memberStore[E]) Load(ctx context.Context, namespace string) (Changes[E], error) {
	return s.store.Load(ctx, namespace)
}

// Close closes the wrapped store.
func (s *memberStore[E]) Close() error { return s.store.Close() }
