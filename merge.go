package unionstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unionstore/unionstore/internal/readahead"
)

// cursor walks one member's changes of a namespace in (kind, id) order.
type cursor[E Entity] struct {
	index    int // the member's position in the union
	next     func() (Change[E], error, bool)
	stop     func()
	head     Change[E]
	kind, id string
	ok       bool // head holds a change
	started  bool
	trusted  bool // the changes were checked for nil entities already
	failed   bool
	answered bool // the member delivered its first changes, or ended
	count    int  // changes read
	// ahead reads a streamed member ahead of the merge; nil for a
	// slice. Its stall rule drops a member that keeps the merge waiting.
	ahead *readahead.Reader[Change[E]]
}

// sliceCursor walks changes that are already sorted and compacted.
func sliceCursor[E Entity](index int, changes Changes[E]) *cursor[E] {
	i := 0
	return &cursor[E]{index: index, trusted: true, next: func() (Change[E], error, bool) {
		if i == len(changes) {
			return Change[E]{}, nil, false
		}
		i++
		return changes[i-1], nil, true
	}}
}

// advance moves to the next change. It checks that the stream keeps its
// promise of strictly increasing (kind, id): a merge of unordered streams
// would silently return duplicates.
func (c *cursor[E]) advance() error {
	ch, err, ok := c.next()
	if !ok {
		c.ok = false
		return nil
	}
	if err != nil {
		c.ok = false
		return err
	}
	if !c.trusted && isNil(ch.Entity) {
		c.ok = false
		return fmt.Errorf("%w: nil entity in results", ErrInvalidChange)
	}
	kind, id := ch.Entity.CompactionKey()
	if c.started && compareKeys(c.kind, c.id, kind, id) >= 0 {
		c.ok = false
		return fmt.Errorf("results out of order: %q/%q after %q/%q", kind, id, c.kind, c.id)
	}
	c.head, c.kind, c.id, c.ok, c.started = ch, kind, id, true, true
	c.count++
	return nil
}

func (c *cursor[E]) close() {
	if c.stop != nil {
		c.stop()
	}
}

// Version is what one member of a [Union] holds for an entity.
type Version struct {
	Present    bool
	ChangeType ChangeType
	Timestamp  time.Time
}

// merger merges cursors, one entity at a time.
type merger[E Entity] struct {
	cursors  []*cursor[E]
	versions []Version // per member of the union, reused between steps
	entities []E       // per member: the entity of its version
	// onError decides what a failing cursor does to the merge: it returns
	// nil to drop the cursor and go on, or the error that ends the merge.
	onError func(c *cursor[E], err error) error
	onClose func()
}

func newMerger[E Entity](members int, cursors []*cursor[E], onError func(*cursor[E], error) error) (*merger[E], error) {
	m := &merger[E]{cursors: cursors, versions: make([]Version, members), entities: make([]E, members), onError: onError}
	for _, c := range cursors {
		if err := c.advance(); err != nil {
			if err := m.onError(c, err); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// next returns the winning change of the next entity in (kind, id) order and
// the member it came from; m.versions then holds what every member had. The
// latest timestamp wins; on equal timestamps the member listed first wins.
// Cost: O(len(cursors)) per entity.
func (m *merger[E]) next() (winner Change[E], from int, ok bool, err error) {
	var low *cursor[E]
	for _, c := range m.cursors {
		if c.ok && (low == nil || compareKeys(c.kind, c.id, low.kind, low.id) < 0) {
			low = c
		}
	}
	if low == nil {
		return winner, 0, false, nil
	}
	clear(m.versions)
	clear(m.entities)
	kind, id := low.kind, low.id
	from = -1
	// Cursors are in member order, so a later member replaces the winner
	// only with a strictly later timestamp: ties go to the member listed
	// first in New.
	for _, c := range m.cursors {
		if !c.ok || c.kind != kind || c.id != id {
			continue
		}
		m.versions[c.index] = Version{Present: true, ChangeType: c.head.ChangeType, Timestamp: c.head.Timestamp}
		m.entities[c.index] = c.head.Entity
		if from < 0 || c.head.Timestamp.After(winner.Timestamp) {
			winner, from = c.head, c.index
		}
		if err := c.advance(); err != nil {
			if err := m.onError(c, err); err != nil {
				return winner, from, false, err
			}
		}
	}
	return winner, from, true, nil
}

func (m *merger[E]) close() {
	for _, c := range m.cursors {
		c.close()
	}
	if m.onClose != nil {
		m.onClose()
	}
}

// stale reports whether member i, after a call to next that returned winner
// from member from, lacks the winner or holds an older version of it. A
// version with the same timestamp and change type is older when its entity
// differs from the winner's: a member that lost a tie must take the winner
// too, so that every member returns the same entity.
func (m *merger[E]) stale(i, from int, winner Change[E]) bool {
	v := m.versions[i]
	switch {
	case !v.Present || v.Timestamp.Before(winner.Timestamp) || v.ChangeType != winner.ChangeType:
		return true
	case i == from:
		return false
	}
	return !sameEntity(m.entities[i], winner.Entity)
}

// sameEntity compares entities by their JSON encoding, which survives a
// round trip through a store where == and reflect.DeepEqual may not (a
// time's location, a nil slice).
//
// Entities it cannot compare count as the same, so that Diff and Repair
// do not report them on every run: entities JSON cannot encode (a NaN
// float, a channel), and an entity whose encoding differs every time it
// is encoded. Their tie goes to the member listed first, as in Load.
func sameEntity[E Entity](a, b E) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return true
	}
	if bytes.Equal(ja, jb) {
		return true
	}
	again, err := json.Marshal(a)
	return err != nil || !bytes.Equal(ja, again)
}

// sortedForMerge returns a member's loaded changes sorted by (kind, id) with
// one change per entity, as Load promises. A member that breaks the promise
// is compacted here rather than trusted; a nil entity is an error.
func sortedForMerge[E Entity](changes Changes[E]) (Changes[E], error) {
	for i := range changes {
		if isNil(changes[i].Entity) {
			return nil, fmt.Errorf("%w: nil entity in results", ErrInvalidChange)
		}
	}
	if compacted(changes) {
		return changes, nil
	}
	return Compact(changes), nil
}

// mergeSlices merges changes sorted and compacted by (kind, id), one slice
// per member in member order, into the latest change of each entity, ties
// going to the earlier slice: the merge of [Union.LoadWithReport] when
// nothing needs to know what each member held. It reads each entity's key
// once and writes nothing but the result, which it allocates once with
// room for total changes.
func mergeSlices[E Entity](lists []Changes[E], total int) Changes[E] {
	m := sliceMerge[E]{lists: lists, heads: make([]sliceHead, len(lists))}
	for i := range lists {
		m.readKey(i)
	}
	out := make(Changes[E], 0, total)
	for {
		low := m.lowest()
		if low < 0 {
			return out
		}
		out = append(out, *m.winner(low))
		m.advance(low)
	}
}

// sliceMerge is the state of [mergeSlices]: each list's position and the
// key of the change there.
type sliceMerge[E Entity] struct {
	lists []Changes[E]
	heads []sliceHead
}

type sliceHead struct {
	pos      int
	kind, id string
}

// at reports whether list i's head holds an entity of kind and id.
func (m *sliceMerge[E]) at(i int, kind, id string) bool {
	h := &m.heads[i]
	return h.pos < len(m.lists[i]) && h.kind == kind && h.id == id
}

// readKey reads the key of list i's change at its position, if any.
func (m *sliceMerge[E]) readKey(i int) {
	if h := &m.heads[i]; h.pos < len(m.lists[i]) {
		h.kind, h.id = m.lists[i][h.pos].Entity.CompactionKey()
	}
}

// lowest returns the first list whose head has the lowest key, or -1 when
// every list is done.
func (m *sliceMerge[E]) lowest() int {
	low := -1
	for i := range m.lists {
		h := &m.heads[i]
		if h.pos < len(m.lists[i]) && (low < 0 || compareKeys(h.kind, h.id, m.heads[low].kind, m.heads[low].id) < 0) {
			low = i
		}
	}
	return low
}

// winner returns the latest change of the entity at list low's head
// among the lists from low on, the earlier list winning a tie.
func (m *sliceMerge[E]) winner(low int) *Change[E] {
	kind, id := m.heads[low].kind, m.heads[low].id
	win := &m.lists[low][m.heads[low].pos]
	for i := low + 1; i < len(m.lists); i++ {
		if m.at(i, kind, id) && m.lists[i][m.heads[i].pos].Timestamp.After(win.Timestamp) {
			win = &m.lists[i][m.heads[i].pos]
		}
	}
	return win
}

// advance moves every list whose head holds list low's entity past it.
func (m *sliceMerge[E]) advance(low int) {
	kind, id := m.heads[low].kind, m.heads[low].id
	for i := low; i < len(m.lists); i++ {
		if m.at(i, kind, id) {
			m.heads[i].pos++
			m.readKey(i)
		}
	}
}
