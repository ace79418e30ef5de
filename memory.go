package unionstore

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
)

// Memory is a [Store] that keeps changes in memory. It keeps the latest
// change of each entity, tombstones included. It is meant for tests, caches
// and as the fast member of a [Union].
//
// Memory stores entity values as they are given, without copying them:
// when E is a pointer type, or holds slices, maps or pointers, the store
// and its callers share what those point to, so a caller that modifies an
// entity after saving it, or one it loaded, modifies the stored version.
// Durable stores encode entities and share nothing.
//
// Memory is safe for concurrent use. The zero value is not usable; call
// [NewMemory].
type Memory[E Entity] struct {
	mu      sync.RWMutex
	closed  bool
	spaces  map[string]*space[E]
	feeds   map[string]*feed[E] // for watchers, made on first use
	history int                 // changes kept per feed
	id      string              // names m's cursors
	touched []*feed[E]          // feeds a save added to, kept for reuse
}

type entityKey struct{ kind, id string }

type memoryEntry[E Entity] struct {
	key    entityKey
	change Change[E]
}

var (
	_ Store[Entity]   = (*Memory[Entity])(nil)
	_ Scanner[Entity] = (*Memory[Entity])(nil)
	_ NamespaceLister = (*Memory[Entity])(nil)
	_ Getter[Entity]  = (*Memory[Entity])(nil)
	_ Purger          = (*Memory[Entity])(nil)

	_ fastStore[Entity] = (*Memory[Entity])(nil)
)

// NewMemory returns an empty in-memory store. It keeps the last
// [DefaultMemoryHistory] changes of each namespace for its watchers unless
// [MemoryHistory] says otherwise.
func NewMemory[E Entity](opts ...MemoryOption) *Memory[E] {
	o := memoryOptions{history: DefaultMemoryHistory}
	for _, opt := range opts {
		opt(&o)
	}
	if o.history < 1 {
		o.history = DefaultMemoryHistory
	}
	return &Memory[E]{spaces: make(map[string]*space[E]), feeds: make(map[string]*feed[E]), history: o.history, id: newMemoryID()}
}

// Save validates the batch, stamps changes with a zero timestamp, and keeps
// each change whose timestamp is not older than the stored one. It returns
// an error wrapping [ErrInvalidChange] for an invalid batch, [ErrClosed]
// after Close, and the context's error if ctx is done; in each case nothing
// is written. It takes O(len(changes)) time.
func (m *Memory[E]) Save(ctx context.Context, changes Changes[E]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := changes.Validate(); err != nil {
		return err
	}
	return m.saveValid(ctx, changes.Stamped())
}

// saveValid saves a batch that is valid and stamped: what Save does after
// checking, and what a union, which checked the batch already, calls.
func (m *Memory[E]) saveValid(ctx context.Context, changes Changes[E]) error {
	if err := m.lock(ctx, &m.mu); err != nil {
		return err
	}
	defer m.mu.Unlock()
	// A batch is mostly one namespace: its space and feed are looked up
	// once a run of it, not once a change.
	var sp *space[E]
	var f *feed[E]
	for i, c := range changes {
		if i == 0 || c.Namespace != changes[i-1].Namespace {
			if sp = m.spaces[c.Namespace]; sp == nil {
				sp = newSpace[E]()
				m.spaces[c.Namespace] = sp
			}
			f = m.feedFor(c.Namespace)
		}
		var k entityKey
		k.kind, k.id = c.Entity.CompactionKey()
		if sp.put(k, c) {
			if f.add(c, m.history) {
				m.touched = append(m.touched, f)
			}
		}
	}
	// Wake each namespace's watchers once a batch, not once a change.
	for i, f := range m.touched {
		f.notify()
		m.touched[i] = nil
	}
	m.touched = m.touched[:0]
	return nil
}

// Load returns the latest change of each entity in namespace, sorted by
// kind and id. It returns [ErrClosed] after Close.
//
// Memory keeps each namespace's order between writes: Load copies the n
// changes of the namespace in O(n) time, after sorting the k entities
// saved for the first time since the last read in order, O(k log k), and
// merging them in, O(n). A Save of entities already held keeps the order.
func (m *Memory[E]) Load(ctx context.Context, namespace string) (Changes[E], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sp, err := m.readSpace(namespace)
	if sp == nil || err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	if sp.snap != nil {
		return slices.Clone(sp.snap), nil
	}
	return sp.changes(), nil
}

// readSpace returns namespace's space, its order up to date, with m's read
// lock held; or nil, with no lock held, when there is no such space or m
// is closed. Sorting needs the write lock, which is taken only when
// entities were added since the last sort.
func (m *Memory[E]) readSpace(namespace string) (*space[E], error) {
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return nil, ErrClosed
	}
	sp := m.spaces[namespace]
	if sp == nil {
		m.mu.RUnlock()
		return nil, nil
	}
	if len(sp.order) == sp.len() {
		return sp, nil
	}
	m.mu.RUnlock()
	m.mu.Lock()
	if sp = m.spaces[namespace]; sp != nil && !m.closed {
		sp.sorted()
	}
	m.mu.Unlock()
	return m.readSpace(namespace)
}

// fastFor reports whether s is m itself, for [fastStore].
func (m *Memory[E]) fastFor(s Store[E]) bool { return s == Store[E](m) }

// sortedView returns namespace's changes in order without copying them:
// a slice shared with other readers that nobody modifies. A union merges
// it directly; it is built once after each write that changed the
// namespace and kept until the next, so that repeated loads of an
// unchanged namespace copy nothing, at the cost of holding the namespace's
// changes twice until then.
func (m *Memory[E]) sortedView(ctx context.Context, namespace string) (Changes[E], error) {
	if err := m.lock(ctx, &m.mu); err != nil { // building the view writes to the space
		return nil, err
	}
	defer m.mu.Unlock()
	sp := m.spaces[namespace]
	if sp == nil {
		return nil, nil
	}
	return sp.snapshot(), nil
}

// Get returns the latest change of one entity, a tombstone included, and
// whether the store holds one. It returns [ErrClosed] after Close. It takes
// O(1) time.
func (m *Memory[E]) Get(ctx context.Context, namespace, kind, id string) (Change[E], bool, error) {
	// The lock is taken here rather than through lock, whose call would
	// add about 6% to the instructions of this point read.
	if err := ctx.Err(); err != nil {
		return Change[E]{}, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return Change[E]{}, false, ErrClosed
	}
	sp := m.spaces[namespace]
	if sp == nil {
		return Change[E]{}, false, nil
	}
	c, ok := sp.get(entityKey{kind, id})
	return c, ok, nil
}

// Scan yields what Load returns. Memory holds the namespace in memory
// already, so Scan costs what Load costs; it exists so that a [Union] of
// Memory stores can stream. The sequence may be walked more than once.
func (m *Memory[E]) Scan(ctx context.Context, namespace string) iter.Seq2[Change[E], error] {
	return func(yield func(Change[E], error) bool) {
		changes, err := m.Load(ctx, namespace)
		yieldChanges(yield, changes, err)
	}
}

// Namespaces returns the namespaces that hold at least one change, sorted by
// name, with their counts. It returns [ErrClosed] after Close.
func (m *Memory[E]) Namespaces(ctx context.Context) ([]NamespaceStat, error) {
	if err := m.lock(ctx, m.mu.RLocker()); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	out := make([]NamespaceStat, 0, len(m.spaces))
	for ns, sp := range m.spaces {
		st := NamespaceStat{Namespace: ns}
		for _, e := range sp.entries {
			if e.change.ChangeType == ChangeTypeSet {
				st.Entities++
			} else {
				st.Tombstones++
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b NamespaceStat) int { return strings.Compare(a.Namespace, b.Namespace) })
	return out, nil
}

// Purge removes every change of namespace, tombstones included. It returns
// [ErrClosed] after Close.
func (m *Memory[E]) Purge(ctx context.Context, namespace string) error {
	if err := m.lock(ctx, &m.mu); err != nil {
		return err
	}
	defer m.mu.Unlock()
	delete(m.spaces, namespace)
	if f := m.feeds[namespace]; f != nil {
		f.purge()
	}
	return nil
}

// Clear removes every change from the store, and expires its watchers'
// cursors as Purge does.
func (m *Memory[E]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.spaces = make(map[string]*space[E])
	for _, f := range m.feeds {
		f.purge()
	}
}

// NamespaceCount returns the number of namespaces that hold at least one
// change, tombstones included.
func (m *Memory[E]) NamespaceCount() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.spaces)
}

// EntityCount returns the number of entities in namespace whose latest
// change is a set: tombstones are not counted. It takes O(n) time.
func (m *Memory[E]) EntityCount(namespace string) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	if sp := m.spaces[namespace]; sp != nil {
		for _, e := range sp.entries {
			if e.change.ChangeType == ChangeTypeSet {
				n++
			}
		}
	}
	return n
}

// lock takes l, m's lock or its read lock (m.mu.RLocker()), for an
// operation under ctx. It returns, holding no lock, ctx's error once ctx
// has ended, or [ErrClosed] after Close.
func (m *Memory[E]) lock(ctx context.Context, l sync.Locker) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.Lock()
	if m.closed {
		l.Unlock()
		return ErrClosed
	}
	return nil
}

// Close marks the store closed and drops its contents. It is safe to call
// more than once and always returns nil.
func (m *Memory[E]) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.spaces = make(map[string]*space[E])
	for _, f := range m.feeds {
		f.notify() // the watchers see that m is closed
	}
	return nil
}
