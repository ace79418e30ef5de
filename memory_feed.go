package unionstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// DefaultMemoryHistory is the number of changes per namespace that a
// [Memory] keeps for its watchers, unless [MemoryHistory] sets another.
const DefaultMemoryHistory = 10_000

// MemoryOption configures [NewMemory].
type MemoryOption func(*memoryOptions)

type memoryOptions struct {
	history int
}

// MemoryHistory sets how many of the latest changes of each namespace a
// Memory keeps for [Memory.Watch]: a cursor older than the last n changes
// of its namespace expires. n below 1 means [DefaultMemoryHistory].
func MemoryHistory(n int) MemoryOption {
	return func(o *memoryOptions) { o.history = n }
}

var _ Watcher[Entity] = (*Memory[Entity])(nil)

// feed is the history of one namespace of a Memory: the revision of its
// latest change and its last changes, for watchers. It is guarded by the
// Memory's lock and outlives the namespace's space, so that a purge can
// expire the cursors of its watchers.
type feed[E Entity] struct {
	rev   uint64 // revision of the latest change; revisions start at 1
	floor uint64 // cursors below it expired: the revision of the last purge
	ring  []feedEntry[E]
	next  int // where the next entry goes once ring is full
	// wake is closed once a batch when a watcher waits on it; nil when
	// none does, so that saves with no watcher allocate nothing for them.
	wake chan struct{}
	// pending says that changes were added since the watchers were woken.
	pending bool
}

type feedEntry[E Entity] struct {
	rev    uint64
	change Change[E]
}

func newFeed[E Entity]() *feed[E] { return &feed[E]{} }

// add records a change applied to the namespace, and reports whether it
// is the first since the watchers were last woken: the caller wakes them
// with notify once its batch is in.
func (f *feed[E]) add(c Change[E], limit int) (first bool) {
	first = !f.pending
	f.pending = true
	f.rev++
	e := feedEntry[E]{rev: f.rev, change: c}
	if len(f.ring) < limit {
		f.ring = append(f.ring, e)
	} else {
		f.ring[f.next] = e
		f.next = (f.next + 1) % limit
	}
	return first
}

// notify wakes the watchers.
func (f *feed[E]) notify() {
	if f.wake != nil {
		close(f.wake)
		f.wake = nil
	}
	f.pending = false
}

// waiter returns the channel that the next notify closes.
func (f *feed[E]) waiter() <-chan struct{} {
	if f.wake == nil {
		f.wake = make(chan struct{})
	}
	return f.wake
}

// purge expires every cursor up to now, that of a watcher up to date
// included: the namespace lost its changes, which no event tells. The
// purge takes a revision of its own, so that a cursor after it differs
// from every cursor before.
func (f *feed[E]) purge() {
	f.rev++
	f.floor = f.rev
	f.ring, f.next = nil, 0
	f.notify()
}

// oldest returns the revision of the oldest change kept, or rev+1 when
// none is.
func (f *feed[E]) oldest() uint64 {
	if len(f.ring) == 0 {
		return f.rev + 1
	}
	return f.ring[f.next%len(f.ring)].rev
}

// since returns the changes after revision after, in order, or an error
// wrapping ErrCursorExpired when some of them are no longer kept.
func (f *feed[E]) since(after uint64) ([]feedEntry[E], error) {
	switch {
	case after > f.rev:
		return nil, fmt.Errorf("%w: revision %d is beyond this store's %d", ErrCursorExpired, after, f.rev)
	case after < f.floor:
		return nil, fmt.Errorf("%w: the namespace was purged after revision %d", ErrCursorExpired, after)
	case after+1 < f.oldest():
		return nil, fmt.Errorf("%w: revision %d is older than the %d changes kept", ErrCursorExpired, after, len(f.ring))
	}
	var out []feedEntry[E]
	for i := range f.ring {
		e := f.ring[(f.next+i)%len(f.ring)]
		if e.rev > after {
			out = append(out, e)
		}
	}
	return out, nil
}

// feedFor returns namespace's feed, made if missing; m.mu must be held
// for writing.
func (m *Memory[E]) feedFor(namespace string) *feed[E] {
	f := m.feeds[namespace]
	if f == nil {
		f = newFeed[E]()
		m.feeds[namespace] = f
	}
	return f
}

// cursor returns the cursor of revision rev of m.
func (m *Memory[E]) cursor(rev uint64) Cursor {
	return Cursor(m.id + "." + strconv.FormatUint(rev, 10))
}

// revision returns the revision that c names, or an error wrapping
// ErrCursorExpired when m did not make it.
func (m *Memory[E]) revision(c Cursor) (uint64, error) {
	id, rev, ok := strings.Cut(string(c), ".")
	n, err := strconv.ParseUint(rev, 10, 64)
	if !ok || id != m.id || err != nil {
		return 0, fmt.Errorf("%w: %q is not a cursor of this Memory", ErrCursorExpired, c)
	}
	return n, nil
}

// Snapshot returns what Load returns and the cursor of that state, read
// under one lock.
func (m *Memory[E]) Snapshot(ctx context.Context, namespace string) (Changes[E], Cursor, error) {
	if err := m.lock(ctx, &m.mu); err != nil {
		return nil, "", err
	}
	defer m.mu.Unlock()
	rev := m.feedFor(namespace).rev
	var out Changes[E]
	if sp := m.spaces[namespace]; sp != nil {
		out = sp.changes()
	}
	return out, m.cursor(rev), nil
}

// Watch yields each change applied to namespace after the cursor, in the
// order it was applied: a change that lost to a later timestamp is not
// one. It keeps the last changes of each namespace ([MemoryHistory]); an
// older cursor, or one of another Memory, expires. Purge and Clear expire
// every cursor of the namespaces they empty, so that a follower takes a
// new snapshot; PurgeTombstones does not, and a follower keeps the
// tombstones it was given. Close ends every watch with [ErrClosed].
func (m *Memory[E]) Watch(ctx context.Context, namespace string, after Cursor) iter.Seq2[WatchEvent[E], error] {
	return func(yield func(WatchEvent[E], error) bool) {
		pos, err := m.watchStart(namespace, after)
		for err == nil {
			var events []feedEntry[E]
			var wake <-chan struct{}
			events, wake, err = m.watchNext(namespace, pos)
			for _, e := range events {
				pos = e.rev
				if !yield(WatchEvent[E]{Change: e.change, Cursor: m.cursor(e.rev)}, nil) {
					return
				}
			}
			if err != nil || len(events) > 0 {
				continue
			}
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-wake:
			}
		}
		yield(WatchEvent[E]{}, err)
	}
}

// watchStart returns the revision a watch from after starts after.
func (m *Memory[E]) watchStart(namespace string, after Cursor) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	if after == "" {
		return m.feedFor(namespace).rev, nil
	}
	return m.revision(after)
}

// watchNext returns the changes after pos and the channel closed at the
// next change.
func (m *Memory[E]) watchNext(namespace string, pos uint64) ([]feedEntry[E], <-chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	f := m.feedFor(namespace)
	events, err := f.since(pos)
	return events, f.waiter(), err
}

// newMemoryID returns a random name for a Memory's cursors.
func newMemoryID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
