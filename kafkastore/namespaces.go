package kafkastore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
)

// Namespaces reads every partition to its high watermark, keeping the
// latest change type of every identity of the topic in memory. Records
// whose key cannot be read are left out and reported, after the counts of
// the others, in an error wrapping [unionstore.ErrDecode], which
// [backend.Store] returns with the counts.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	c := namespaceCount{byNS: map[string]map[string]idState{}}
	for part := int32(0); part < d.info.partitions; part++ {
		_, err := d.readPartition(ctx, part, 0, func(offset int64, key, value []byte) error {
			c.record(part, offset, key, value)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return c.stats(), c.bad.Err()
}

// idState is the latest change of one identity as [driver.Namespaces]
// counts it: its timestamp and whether it is a tombstone.
type idState struct {
	ts    int64
	unset bool
}

// namespaceCount is what [driver.Namespaces] learns from the records it
// reads: the latest state of each identity, by namespace then key, and the
// records whose key it could not read.
type namespaceCount struct {
	byNS map[string]map[string]idState
	bad  unionstore.DecodeErrors
}

// record takes in the record at offset of partition part: a purge record
// or a Kafka tombstone drops identities, any other record is the latest
// change of its identity unless a later one was read before. A key that
// cannot be read is reported to bad; a value that cannot be read is left
// out, for Load to report with the identity it belongs to.
func (c *namespaceCount) record(part int32, offset int64, key, value []byte) {
	if ns, ok := purgeNamespace(key); ok {
		c.purge(ns, value)
		return
	}
	ns, _, _, err := decodeKey(key)
	if err == nil && value == nil { // a Kafka tombstone written by a purge
		delete(c.byNS[ns], string(key))
		return
	}
	if err != nil {
		c.bad.Add(fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, part, offset, err))
		return
	}
	t, ts, _, err := decodeValue(value)
	if err != nil {
		return // Load reports it, naming the identity.
	}
	ids := c.byNS[ns]
	if ids == nil {
		ids = map[string]idState{}
		c.byNS[ns] = ids
	}
	if cur, ok := ids[string(key)]; !ok || ts >= cur.ts {
		ids[string(key)] = idState{ts: ts, unset: t == unionstore.ChangeTypeUnset}
	}
}

// purge applies the purge record value of namespace ns to the identities
// counted so far; a purge record that does not decode is ignored.
func (c *namespaceCount) purge(ns string, value []byte) {
	p, err := decodePurge(value)
	if err != nil {
		return
	}
	applyPurge(c.byNS[ns], p, func(st idState) (unionstore.ChangeType, int64) {
		if st.unset {
			return unionstore.ChangeTypeUnset, st.ts
		}
		return unionstore.ChangeTypeSet, st.ts
	})
}

// stats returns the counts of sets and tombstones of every namespace left
// with at least one identity, sorted by name bytewise.
func (c *namespaceCount) stats() []unionstore.NamespaceStat {
	out := make([]unionstore.NamespaceStat, 0, len(c.byNS))
	for ns, ids := range c.byNS {
		if len(ids) == 0 {
			continue // purged
		}
		st := unionstore.NamespaceStat{Namespace: ns}
		for _, v := range ids {
			if v.unset {
				st.Tombstones++
			} else {
				st.Entities++
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b unionstore.NamespaceStat) int { return cmp.Compare(a.Namespace, b.Namespace) })
	return out
}
