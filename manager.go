package unionstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Repository holds an application's live entities of one kind. A [Manager]
// fills it from a store: Set for each entity whose latest change is a set,
// Unset for each tombstone.
type Repository[E Entity] interface {
	Set(ctx context.Context, e E) error
	Unset(ctx context.Context, e E) error
}

// Manager connects a [Store] to the repositories of an application:
// Persist saves changes, Restore applies a namespace's latest changes to the
// repository registered for each kind. Build one with [NewManagerBuilder].
//
// A Manager is safe for concurrent use if its store and repositories are.
type Manager[E Entity] struct {
	store        Store[E]
	repositories map[string]Repository[E]
	err          error // a configuration error, returned by every method
}

// NewManager returns a manager that persists to and restores from store,
// applying each kind's changes to repositories[kind]. It refuses a nil
// store or repository, where [ManagerBuilder] stores such an error and
// returns it from every later call. The map is copied.
func NewManager[E Entity](store Store[E], repositories map[string]Repository[E]) (*Manager[E], error) {
	if store == nil {
		return nil, fmt.Errorf("unionstore: manager: %w: nil store", ErrNoStores)
	}
	for kind, r := range repositories {
		if r == nil {
			return nil, fmt.Errorf("unionstore: manager: nil repository for kind %q", kind)
		}
	}
	return &Manager[E]{store: store, repositories: maps.Clone(repositories)}, nil
}

// ManagerBuilder configures a [Manager]. [NewManager] makes one in one
// call and returns its configuration error there.
type ManagerBuilder[E Entity] struct {
	m    Manager[E]
	errs []error
}

// NewManagerBuilder returns a builder for a Manager of entities of type E.
func NewManagerBuilder[E Entity]() *ManagerBuilder[E] {
	return &ManagerBuilder[E]{m: Manager[E]{repositories: make(map[string]Repository[E])}}
}

// WithStore sets the store the manager persists to and restores from; a
// [Union] makes it several.
func (b *ManagerBuilder[E]) WithStore(s Store[E]) *ManagerBuilder[E] {
	b.m.store = s
	return b
}

// WithRepository registers r for the entities of kind. Registering a kind
// twice is a configuration error.
func (b *ManagerBuilder[E]) WithRepository(kind string, r Repository[E]) *ManagerBuilder[E] {
	if _, dup := b.m.repositories[kind]; dup {
		b.errs = append(b.errs, fmt.Errorf("repository for kind %q registered twice", kind))
	}
	b.m.repositories[kind] = r
	return b
}

// Build returns the manager. A configuration error (no store, a kind
// registered twice) is returned by every method of the manager, so that
// Build can be chained like the builder it replaces.
func (b *ManagerBuilder[E]) Build() *Manager[E] {
	m := b.m
	m.repositories = maps.Clone(b.m.repositories)
	errs := slices.Clone(b.errs)
	if m.store == nil {
		errs = append(errs, fmt.Errorf("%w: the manager was built without WithStore", ErrNoStores))
	}
	if len(errs) > 0 {
		m.err = fmt.Errorf("unionstore: manager: %w", errors.Join(errs...))
	}
	return &m
}

// Persist saves changes to the manager's store.
func (m *Manager[E]) Persist(ctx context.Context, changes Changes[E]) error {
	if m.err != nil {
		return m.err
	}
	return m.store.Save(ctx, changes)
}

// Restore loads namespace and applies each entity's latest change, in
// (kind, id) order, to the repository registered for its kind: Set for a
// set, Unset for a tombstone. If a kind has no repository, Restore applies
// nothing and returns an error wrapping [ErrUnknownKind] that lists the
// kinds. It stops at the first repository error, returned with the kind and
// id it failed on.
func (m *Manager[E]) Restore(ctx context.Context, namespace string) error {
	if m.err != nil {
		return m.err
	}
	changes, err := m.store.Load(ctx, namespace)
	if err != nil {
		return fmt.Errorf("unionstore: restore %q: %w", namespace, err)
	}
	var unknown []string
	for _, c := range changes {
		kind, _ := c.Entity.CompactionKey()
		if _, ok := m.repositories[kind]; !ok && !slices.Contains(unknown, kind) {
			unknown = append(unknown, kind)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unionstore: restore %q: %w: no repository for %q", namespace, ErrUnknownKind, strings.Join(unknown, `", "`))
	}
	for _, c := range changes {
		kind, id := c.Entity.CompactionKey()
		r := m.repositories[kind]
		if c.ChangeType == ChangeTypeSet {
			err = r.Set(ctx, c.Entity)
		} else {
			err = r.Unset(ctx, c.Entity)
		}
		if err != nil {
			return fmt.Errorf("unionstore: restore %q: %s %s/%s: %w", namespace, c.ChangeType, kind, id, err)
		}
	}
	return nil
}
