package unionstore

import (
	"context"
	"time"
)

var _ TombstonePurger = (*Memory[Entity])(nil)

// PurgeTombstones removes the tombstones of namespace whose timestamp is
// before before and returns how many it removed; a namespace left empty
// no longer appears in Namespaces. It returns [ErrClosed] after Close. It
// takes O(n) time for n entities in the namespace. See [TombstonePurger]
// for when purging is safe.
func (m *Memory[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	if err := m.lock(ctx, &m.mu); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	sp := m.spaces[namespace]
	if sp == nil {
		return 0, nil
	}
	n := sp.filter(func(c Change[E]) bool {
		return c.ChangeType != ChangeTypeUnset || !c.Timestamp.Before(before)
	})
	if sp.len() == 0 {
		delete(m.spaces, namespace)
	}
	return n, nil
}
