package unionstore

import "slices"

// space is one namespace of a [Memory]: the latest change of each entity,
// and the order of their keys, kept between writes so that Load copies
// instead of sorting.
type space[E Entity] struct {
	index   map[entityKey]int32 // position of each entity in entries
	entries []memoryEntry[E]    // in the order entities were first saved
	// order holds positions of entries sorted by key. It covers the first
	// len(order) entries; entities saved for the first time since are
	// sorted and merged into it by the next read in order.
	order []int32
	// snap is the namespace's changes in order, built for a union's merge
	// and kept until the next write changes the namespace. It is never
	// modified, so a merge may read it without the store's lock.
	snap Changes[E]
}

func newSpace[E Entity]() *space[E] { return &space[E]{index: map[entityKey]int32{}} }

// put keeps c for key k unless the stored change is later, and reports
// whether it kept it.
func (s *space[E]) put(k entityKey, c Change[E]) bool {
	if p, ok := s.index[k]; ok {
		if c.Timestamp.Before(s.entries[p].change.Timestamp) {
			return false
		}
		s.entries[p].change = c
		s.snap = nil
		return true
	}
	s.snap = nil
	s.index[k] = int32(len(s.entries))
	s.entries = append(s.entries, memoryEntry[E]{key: k, change: c})
	return true
}

func (s *space[E]) get(k entityKey) (Change[E], bool) {
	p, ok := s.index[k]
	if !ok {
		return Change[E]{}, false
	}
	return s.entries[p].change, true
}

// sorted brings order up to date: it sorts the positions of the entities
// added since it was last called, O(k log k) for k of them, and merges them
// into order, O(n).
func (s *space[E]) sorted() []int32 {
	if len(s.order) == len(s.entries) {
		return s.order
	}
	added := make([]int32, 0, len(s.entries)-len(s.order))
	for p := len(s.order); p < len(s.entries); p++ {
		added = append(added, int32(p))
	}
	cmpPos := func(a, b int32) int {
		ka, kb := &s.entries[a].key, &s.entries[b].key
		return compareKeys(ka.kind, ka.id, kb.kind, kb.id)
	}
	slices.SortFunc(added, cmpPos)
	if len(s.order) == 0 {
		s.order = added
		return s.order
	}
	merged := make([]int32, 0, len(s.entries))
	i, j := 0, 0
	for i < len(s.order) && j < len(added) {
		if cmpPos(s.order[i], added[j]) < 0 {
			merged = append(merged, s.order[i])
			i++
		} else {
			merged = append(merged, added[j])
			j++
		}
	}
	merged = append(merged, s.order[i:]...)
	s.order = append(merged, added[j:]...)
	return s.order
}

// changes returns a new slice of the latest changes, sorted by key.
func (s *space[E]) changes() Changes[E] {
	order := s.sorted()
	out := make(Changes[E], len(order))
	for i, p := range order {
		out[i] = s.entries[p].change
	}
	return out
}

// snapshot returns the changes in order, shared and never modified,
// building them if a write changed the namespace since the last call.
func (s *space[E]) snapshot() Changes[E] {
	if s.snap == nil {
		s.snap = s.changes()
	}
	return s.snap
}

// filter keeps the entities for which keep returns true and returns the
// number removed. It takes O(n) time and keeps the sorted order.
func (s *space[E]) filter(keep func(Change[E]) bool) int {
	order := s.sorted()
	kept := make([]memoryEntry[E], 0, len(s.entries))
	for _, p := range order {
		if keep(s.entries[p].change) {
			kept = append(kept, s.entries[p])
		}
	}
	removed := len(s.entries) - len(kept)
	s.entries, s.snap = kept, nil
	s.order = make([]int32, len(kept))
	clear(s.index)
	for i := range kept {
		s.order[i] = int32(i)
		s.index[kept[i].key] = int32(i)
	}
	return removed
}

func (s *space[E]) len() int { return len(s.entries) }
