package kafkastore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// entry is the latest record of one identity seen by a read.
type entry struct {
	kind, id string
	t        unionstore.ChangeType
	ts       int64
	payload  []byte // a copy, owned by the entry
}

// newer reports whether a record with timestamp ts, read after e, replaces
// it: a later timestamp wins, and on equal timestamps the higher offset,
// which a read meets later.
func (e *entry) newer(ts int64) bool { return ts >= e.ts }

// name sets e's kind and id from key, the key of its record after the
// namespace's prefix, which they share.
func (e *entry) name(key string) { e.kind, e.id = identityOf(key) }

// replace makes e, read earlier, the newer record n of the same identity,
// keeping e's name.
func (e *entry) replace(n entry) { e.t, e.ts, e.payload = n.t, n.ts, n.payload }

func compareEntries(a, b *entry) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// namespaceVisitor returns a visitFunc for reads of namespace: it passes
// each record of the namespace to keep, with its key after the namespace's
// prefix, as an entry without its kind and id (see entry.name) whose
// payload aliases the fetched bytes, each purge of the namespace to drop (see purge.go),
// and reports to bad the records it cannot read; an error from keep or
// drop ends the read. A record whose key has another format version may
// belong to any namespace, so it is reported by every read of its
// partition.
func namespaceVisitor(namespace string, part int32, bad *damage, keep func(key []byte, e entry) error, drop func(p purge) error) visitFunc {
	prefix := appendPrefix(nil, namespace)
	return func(offset int64, key, value []byte) error {
		if !bytes.HasPrefix(key, prefix) {
			if len(key) == 0 || key[0] != keyVersion {
				bad.add("", "", fmt.Errorf("partition %d offset %d: %w", part, offset, errKeyVersionOrEmpty(key)))
			}
			return nil
		}
		if p, ok, err := visitPurge(key[len(prefix):], value); ok {
			if err != nil {
				bad.add("", "", fmt.Errorf("partition %d offset %d: purge record of namespace %q: %w", part, offset, namespace, err))
				return nil
			}
			return drop(p)
		}
		rest := key[len(prefix):]
		if err := checkIdentity(rest); err != nil {
			bad.add("", "", fmt.Errorf("partition %d offset %d: %w", part, offset, err))
			return nil
		}
		t, ts, payload, err := decodeValue(value)
		if err != nil {
			kind, id := identityOf(string(rest))
			bad.add(kind, id, fmt.Errorf("partition %d offset %d: %w", part, offset, err))
			return nil
		}
		return keep(rest, entry{t: t, ts: ts, payload: payload})
	}
}

func errKeyVersionOrEmpty(key []byte) error {
	_, _, _, err := decodeKey(key)
	return err
}

// Load returns the records Scan yields: it reads the namespace's partition
// from its start to the high watermark taken when Load begins, keeping the
// latest record of each identity in memory (the later timestamp, or on
// equal timestamps the higher offset), then sorts them. It costs a read of
// the whole partition, which other namespaces may share, and memory for
// one record per identity of the namespace; Scan bounds the memory.
// Damaged records come first (see damage.go).
//
// The driver is a [backend.Loader], not a [backend.LoadVisitor]: the
// latest record of an identity is known only once the partition is read,
// so each payload is copied out of its fetch either way, and a slice of
// known length costs less than the changes gathered one by one.
func (d *driver) Load(ctx context.Context, namespace string) ([]backend.Record, error) {
	part := partitionFor(namespace, d.info.partitions)
	end, err := d.listOffset(ctx, part, -1)
	if err != nil {
		return nil, fmt.Errorf("partition %d: high watermark: %w", part, err)
	}
	return d.loadTo(ctx, namespace, end)
}

// maxLoadHint is the most identities loadTo sizes its map for at first.
const maxLoadHint = 1 << 16

// loadTo is Load of the records below offset end of the namespace's
// partition.
func (d *driver) loadTo(ctx context.Context, namespace string, end int64) ([]backend.Record, error) {
	bad := damage{namespace: namespace}
	// The partition's records up to end bound the namespace's identities:
	// sizing the map for them, within reason, spares its growth.
	latest := make(map[string]*entry, min(end, maxLoadHint))
	part := partitionFor(namespace, d.info.partitions)
	_, err := d.readRange(ctx, part, 0, end, namespaceVisitor(namespace, part, &bad, func(key []byte, e entry) error {
		cur, ok := latest[string(key)]
		if ok && !cur.newer(e.ts) {
			return nil
		}
		e.payload = bytes.Clone(e.payload)
		if ok {
			cur.replace(e)
			return nil
		}
		k := string(key)
		e.name(k)
		latest[k] = &e
		return nil
	}, func(p purge) error {
		applyPurge(latest, p, func(e *entry) (unionstore.ChangeType, int64) { return e.t, e.ts })
		return nil
	}))
	if err != nil {
		return nil, err
	}
	out := make([]backend.Record, 0, len(bad.first)+bad.more+len(latest))
	for r := range bad.records() {
		out = append(out, r)
	}
	damaged := len(out)
	for _, e := range latest {
		out = append(out, e.record(namespace))
	}
	clear(latest)
	slices.SortFunc(out[damaged:], func(a, b backend.Record) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// record returns e as a record of namespace.
func (e *entry) record(namespace string) backend.Record {
	return backend.Record{Namespace: namespace, Kind: e.kind, ID: e.id, Type: e.t, Timestamp: e.ts, Payload: e.payload}
}

// Get returns the latest readable record of the key, or, when a record of
// the key cannot be read, that record as [backend.Damaged]: the identity's
// latest change is then unknown, and Load reports the same record. A store
// made [WithGetIndex] finds the record through its index (see index.go);
// another reads the partition, as scanGet does.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	if d.index != nil {
		return d.indexedGet(ctx, namespace, kind, id)
	}
	return d.scanGet(ctx, namespace, kind, id)
}

// scanGet is Get by a read of the namespace's partition to its high
// watermark, keeping only the records of one key: its memory is constant,
// its time grows with the partition.
func (d *driver) scanGet(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	var (
		damaged error
		found   *entry
		want    = appendKey(nil, namespace, kind, id)
		part    = partitionFor(namespace, d.info.partitions)
	)
	purgeKey := appendPurgeKey(nil, namespace)
	_, err := d.readPartition(ctx, part, 0, func(offset int64, key, value []byte) error {
		if found != nil && bytes.Equal(key, purgeKey) {
			if p, err := decodePurge(value); err == nil && p.drops(found.t, found.ts) {
				found = nil
			}
			return nil
		}
		if !bytes.Equal(key, want) {
			return nil
		}
		if value == nil { // a Kafka tombstone written by a purge
			found = nil
			return nil
		}
		t, ts, payload, err := decodeValue(value)
		if err != nil {
			damaged = fmt.Errorf("partition %d offset %d: %w", part, offset, err)
			return nil
		}
		if found == nil || found.newer(ts) {
			found = &entry{kind: kind, id: id, t: t, ts: ts, payload: bytes.Clone(payload)}
		}
		return nil
	})
	switch {
	case err != nil:
		return backend.Record{}, false, err
	case damaged != nil:
		return backend.Damaged(namespace, kind, id, damaged), true, nil
	case found == nil:
		return backend.Record{}, false, nil
	}
	return found.record(namespace), true, nil
}
