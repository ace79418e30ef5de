package s3store

import (
	"container/list"
	"sync"
)

// indexCacheBytes bounds the indexes a store keeps for Get: about 25
// million records' worth, at 1.25 bytes a record for the filters and a
// key per 64 KiB block.
const indexCacheBytes = 32 << 20

// indexCache keeps the decoded indexes of the segments Get has read, by
// object key, up to a total size, evicting the least recently used first.
// Segments never change, so an entry is right for as long as it is kept;
// those of deleted segments go at their deletion or age out. It is safe
// for concurrent use.
type indexCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of *indexEntry, the most recently used first
	byKey map[string]*list.Element
}

// indexEntry is a cached index; ix is nil for a segment without one, which
// Get reads whole.
type indexEntry struct {
	key string
	ix  *segmentIndex
}

func newIndexCache(max int) *indexCache {
	return &indexCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// cost is what e counts against the cache's bound: the index's payload,
// its slices and the map entry.
func (e *indexEntry) cost() int {
	n := len(e.key) + 128
	if e.ix != nil {
		n += e.ix.bytes + 56*len(e.ix.first)
	}
	return n
}

// get returns the index kept for key, and whether one is kept.
func (c *indexCache) get(key string) (*segmentIndex, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*indexEntry).ix, true
}

// add keeps ix as key's index, unless it alone exceeds the bound, and
// evicts the least recently used entries past the bound.
func (c *indexCache) add(key string, ix *segmentIndex) {
	e := &indexEntry{key: key, ix: ix}
	if e.cost() > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.removeElement(el)
	}
	c.byKey[key] = c.order.PushFront(e)
	c.size += e.cost()
	for c.size > c.max {
		c.removeElement(c.order.Back())
	}
}

// remove forgets the indexes of keys.
func (c *indexCache) remove(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if el, ok := c.byKey[k]; ok {
			c.removeElement(el)
		}
	}
}

func (c *indexCache) removeElement(el *list.Element) {
	e := c.order.Remove(el).(*indexEntry)
	delete(c.byKey, e.key)
	c.size -= e.cost()
}

// len returns the number of indexes kept.
func (c *indexCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
