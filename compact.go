package unionstore

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// CompactFunc returns, for each key, the element of s with the latest
// timestamp. On equal timestamps the element later in s wins. The winners
// keep their order in s. s is not modified.
//
// key and timestamp are called once per element. CompactFunc takes O(len(s))
// time and memory.
func CompactFunc[S ~[]T, T any, K comparable](s S, key func(T) K, timestamp func(T) time.Time) S {
	type best struct {
		index int
		ts    time.Time
	}
	winners := make(map[K]best, len(s))
	for i, v := range s {
		k, ts := key(v), timestamp(v)
		if b, ok := winners[k]; ok && ts.Before(b.ts) {
			continue
		}
		winners[k] = best{i, ts}
	}
	keep := make([]bool, len(s))
	for _, b := range winners {
		keep[b.index] = true
	}
	out := make(S, 0, len(winners))
	for i, v := range s {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out
}

// identity is what makes two changes versions of one entity.
type identity struct {
	namespace, kind, id string
}

func compareIdentity(a, b identity) int {
	return cmp.Or(strings.Compare(a.namespace, b.namespace), compareKeys(a.kind, a.id, b.kind, b.id))
}

// Compact returns the latest change of each entity in changes, sorted by
// namespace, kind and id. An entity is identified by its namespace, kind and
// id; the change with the latest timestamp wins, unsets included, and on
// equal timestamps the later change in the slice wins. changes is not
// modified, and every entity must be non-nil (see [Changes.Validate]).
//
// Compact takes O(n log n) time and O(n) memory, and O(n) time when changes
// is already sorted with each entity once: then it returns a copy. To
// compact other slices, or by another key, use [CompactFunc].
func Compact[E Entity](changes Changes[E]) Changes[E] {
	if compacted(changes) {
		return slices.Clone(changes)
	}
	// Sort the positions of the changes by identity, then by position,
	// and keep from each run of one identity the latest, the later on a
	// tie: one sort and no map.
	keys := make([]identity, len(changes))
	order := make([]int, len(changes))
	for i := range changes {
		keys[i].namespace, keys[i].kind, keys[i].id = changes[i].Key()
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(compareIdentity(keys[a], keys[b]), cmp.Compare(a, b))
	})
	out := make(Changes[E], 0, len(order))
	for j := 0; j < len(order); {
		best, k := order[j], j+1
		for ; k < len(order) && keys[order[k]] == keys[order[j]]; k++ {
			if !changes[order[k]].Timestamp.Before(changes[best].Timestamp) {
				best = order[k]
			}
		}
		out = append(out, changes[best])
		j = k
	}
	return out
}

// compacted reports whether changes is sorted by namespace, kind and id
// with each entity once, as Compact returns it.
func compacted[E Entity](changes Changes[E]) bool {
	var prev identity
	for i := range changes {
		var k identity
		k.namespace, k.kind, k.id = changes[i].Key()
		if i > 0 && compareIdentity(prev, k) >= 0 {
			return false
		}
		prev = k
	}
	return true
}
