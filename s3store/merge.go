package s3store

import "container/heap"

// merger merges the segments of a namespace in (kind, id) order. For each
// identity it picks the newest record ([record.newer]) among the segments
// that hold it, so the result does not depend on the order the segments
// were listed in, nor on which copies of a change exist: compacted or not,
// duplicated by two compactions or not, the winner is the same.
//
// It holds one block per segment: memory grows with the number of
// segments, not of records. Cost: O(log k) per record for k segments.
type merger struct {
	h readerHeap
	// same and stack are sameKey's, kept from one record to the next so
	// that a merge allocates nothing per record.
	same  []*segmentReader
	stack []int
}

// newMerger positions every reader on its first record; it closes them all
// if one fails.
func newMerger(readers []*segmentReader) (*merger, error) {
	m := &merger{}
	for i, r := range readers {
		ok, err := r.next()
		if err != nil {
			m.close()
			for _, r := range readers[i:] {
				r.close()
			}
			return nil, err
		}
		if ok {
			m.h = append(m.h, r)
		} else {
			r.close()
		}
	}
	for i, r := range m.h {
		r.heapIndex = i
	}
	heap.Init(&m.h)
	return m, nil
}

// next calls fn with the reader whose current record wins the next
// identity, then moves every reader past that identity. It returns false
// when every segment has been read to its end, checked.
func (m *merger) next(fn func(winner *segmentReader) error) (bool, error) {
	if len(m.h) == 0 {
		return false, nil
	}
	best := m.h[0]
	// The readers on the same identity sit at the top of the heap; find
	// them by walking the heap from its root while keys are equal.
	same := m.sameKey(best)
	for _, r := range same {
		if r.rec.newer(&best.rec) {
			best = r
		}
	}
	if err := fn(best); err != nil {
		return false, err
	}
	for _, r := range same {
		if err := m.advance(r); err != nil {
			return false, err
		}
	}
	return true, nil
}

// sameKey returns the readers whose current record has the key of the
// heap's root, the root first; the slice is valid until the next call.
// Since a parent's key is never after its children's, they form a
// subtree at the root, which sameKey walks from the root down.
func (m *merger) sameKey(root *segmentReader) []*segmentReader {
	m.same = append(m.same[:0], root)
	m.stack = append(m.stack[:0], 0)
	for len(m.stack) > 0 {
		i := m.stack[len(m.stack)-1]
		m.stack = m.stack[:len(m.stack)-1]
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(m.h) && compareRecordKeys(&m.h[c].rec, &root.rec) == 0 {
				m.same = append(m.same, m.h[c])
				m.stack = append(m.stack, c)
			}
		}
	}
	return m.same
}

// advance moves r to its next record and restores the heap.
func (m *merger) advance(r *segmentReader) error {
	i := r.heapIndex
	ok, err := r.next()
	if err != nil {
		return err
	}
	if ok {
		heap.Fix(&m.h, i)
		return nil
	}
	heap.Remove(&m.h, i)
	r.close()
	return nil
}

// close releases every segment still open.
func (m *merger) close() {
	for _, r := range m.h {
		r.close()
	}
	m.h = nil
}

// readerHeap orders readers by their current record's key; a heap keeps
// every reader's index in it for [heap.Fix].
type readerHeap []*segmentReader

func (h readerHeap) Len() int { return len(h) }
func (h readerHeap) Less(i, j int) bool {
	return compareRecordKeys(&h[i].rec, &h[j].rec) < 0
}
func (h readerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex, h[j].heapIndex = i, j
}
func (h *readerHeap) Push(x any) {
	r := x.(*segmentReader)
	r.heapIndex = len(*h)
	*h = append(*h, r)
}
func (h *readerHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}
