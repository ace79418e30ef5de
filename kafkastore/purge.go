package kafkastore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/unionstore/unionstore"
)

// A Kafka partition is a log: nothing in it can be deleted in place. A
// purge is therefore a record that readers apply, in offset order, to
// what they read before it (see the package doc, "Purging"):
//
//	key    the namespace's key prefix, then a kind length of 0 and no id
//	       (no change has an empty id, so no change has this key)
//	value  byte 0      value format version, 1
//	       byte 1      3: purge the namespace, 4: purge its old tombstones,
//	                   5: purge all its tombstones
//	       bytes 2-9   big-endian int64 Unix nanoseconds: for 3 and 5, the
//	                   time of the purge; for 4, the cut-off
//
// Type 4 drops the unsets before its cut-off, so it cannot drop one at the
// largest timestamp, [unionstore.MaxTimestamp]: a cut-off past it is
// written as type 5.
//
// On a compacted topic, a purge is also followed by a Kafka tombstone (a
// record with a null value) for every key it removes, which readers apply
// as the removal of that key and which lets compaction remove the key's
// records for good.
const (
	typePurge              byte = 3
	typePurgeTombstones    byte = 4
	typePurgeAllTombstones byte = 5
)

// purge is what a purge record, or a Kafka tombstone, asks a reader to
// drop from what it read before it.
type purge struct {
	// key is the identity part of the key of a Kafka tombstone (what
	// follows the namespace's prefix), or nil for a purge of the
	// namespace.
	key []byte
	// all drops every identity; otherwise only those whose latest record
	// is an unset, every one when tombstones is set, else those before
	// before.
	all        bool
	tombstones bool
	before     int64
}

// drops reports whether p removes an identity whose latest record is of
// type t at ts.
func (p purge) drops(t unionstore.ChangeType, ts int64) bool {
	return p.all || t == unionstore.ChangeTypeUnset && (p.tombstones || ts < p.before)
}

// appendPurgeKey appends the key of the purge records of namespace.
func appendPurgeKey(b []byte, namespace string) []byte {
	return binary.AppendUvarint(appendPrefix(b, namespace), 0)
}

// isPurgeKey reports whether rest, a key after its namespace's prefix, is
// the namespace's purge key.
func isPurgeKey(rest []byte) bool { return len(rest) == 1 && rest[0] == 0 }

// purgeNamespace returns the namespace of a purge key, and false for any
// other key.
func purgeNamespace(key []byte) (string, bool) {
	if len(key) < 2 || key[0] != keyVersion || key[len(key)-1] != 0 {
		return "", false
	}
	ns, rest, err := readString(key[1:])
	if err != nil || !isPurgeKey(rest) {
		return "", false
	}
	return ns, true
}

// decodePurge returns the purge a purge record's value asks for. It never
// panics.
func decodePurge(value []byte) (purge, error) {
	switch {
	case len(value) != valueHeader:
		return purge{}, fmt.Errorf("purge record value of %d bytes, want %d", len(value), valueHeader)
	case value[0] != valueVersion:
		return purge{}, fmt.Errorf("unknown value format version %d", value[0])
	}
	ts := int64(binary.BigEndian.Uint64(value[2:]))
	switch value[1] {
	case typePurge:
		return purge{all: true}, nil
	case typePurgeTombstones:
		return purge{before: ts}, nil
	case typePurgeAllTombstones:
		return purge{tombstones: true}, nil
	}
	return purge{}, fmt.Errorf("unknown purge type %d", value[1])
}

// Purge appends one purge record to the namespace's partition: from then
// on every read of the store drops the namespace's records that come
// before it, so that the namespace loads empty and is no longer listed. A
// change saved after the purge record is read as usual, whatever its
// timestamp.
//
// What is physically removed, and when: on a topic that keeps every record
// (the default), nothing; the purged records and the purge record stay in
// the log, skipped by every read, until the topic's retention drops them
// (never, with retention.ms=-1). On a compacted topic, Purge also appends a
// Kafka tombstone for every key the namespace holds (known from the
// store's guard, which reads the partition), and Kafka's compaction
// removes the keys' records, then the tombstones after the topic's
// delete.retention.ms; the purge record itself is kept. Every watch
// cursor taken before the purge expires (see the package doc, "Change
// feed").
func (d *driver) Purge(ctx context.Context, namespace string) error {
	_, err := d.purgeWith(ctx, namespace, purge{all: true}, typePurge, time.Now().UnixNano())
	return err
}

// PurgeTombstones removes, from namespace, the identities whose latest
// change is an unset at or before through: it appends one purge record
// that every read applies to what it read before it, as Purge does, and on
// a compacted topic a Kafka tombstone for each such key. It returns how
// many identities it removed, counted by reading the namespace first (on a
// compacted topic, from the guard's knowledge of the partition): a read of
// the partition, as Load costs. What is physically removed, and when, is
// as for Purge, and so is what watchers see: every cursor taken before the
// purge record expires.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	// A type 4 record holds the first timestamp kept; none is kept past
	// the largest.
	p, typ, ts := purge{tombstones: true}, typePurgeAllTombstones, time.Now().UnixNano()
	if through < math.MaxInt64 {
		p, typ, ts = purge{before: through + 1}, typePurgeTombstones, through+1
	}
	n := 0
	if d.guard == nil {
		// Count first: a purge record changes nothing a read has not
		// read, so the count holds for what was read before it.
		var err error
		if n, err = d.countPurged(ctx, namespace, p); err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, nil
		}
	}
	purged, err := d.purgeWith(ctx, namespace, p, typ, ts)
	if err != nil {
		return 0, err
	}
	if d.guard != nil {
		n = purged
	}
	return n, nil
}

// purgeWith appends the purge record of type t with timestamp ts, and on a
// compacted topic the Kafka tombstones of the keys that p drops, under the
// guard's lock so that no save of this store comes between them. It
// returns the number of keys dropped on a compacted topic, and 0 on
// another.
func (d *driver) purgeWith(ctx context.Context, namespace string, p purge, t byte, ts int64) (int, error) {
	part := partitionFor(namespace, d.info.partitions)
	key := appendPurgeKey(nil, namespace)
	value := binary.BigEndian.AppendUint64([]byte{valueVersion, t}, uint64(ts))
	rec := &kgo.Record{Topic: d.topic, Partition: part, Key: key, Value: value, Context: recordContext}
	if d.guard == nil {
		return 0, d.produce(ctx, []*kgo.Record{rec})
	}
	g := d.guard
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.parts[part]
	if k == nil {
		k = &known{latest: map[string]stamp{}}
		g.parts[part] = k
	}
	if err := g.catchUp(ctx, d, part, k); err != nil {
		return 0, err
	}
	recs := []*kgo.Record{rec}
	prefix := appendPrefix(nil, namespace)
	for kk, st := range k.latest {
		if rest, ok := bytes.CutPrefix([]byte(kk), prefix); ok && !isPurgeKey(rest) && p.drops(st.t, st.ts) {
			recs = append(recs, &kgo.Record{Topic: d.topic, Partition: part, Key: []byte(kk), Context: recordContext})
		}
	}
	if err := d.produce(ctx, recs); err != nil {
		return 0, err
	}
	g.forget(k, prefix, p)
	return len(recs) - 1, nil
}

// countPurged reads namespace and counts the identities p drops.
func (d *driver) countPurged(ctx context.Context, namespace string, p purge) (int, error) {
	bad := damage{namespace: namespace} // Load reports it
	latest := map[string]stamp{}
	part := partitionFor(namespace, d.info.partitions)
	_, err := d.readPartition(ctx, part, 0, namespaceVisitor(namespace, part, &bad, func(key []byte, e entry) error {
		if cur, ok := latest[string(key)]; !ok || cur.ts <= e.ts {
			latest[string(key)] = stamp{ts: e.ts, t: e.t}
		}
		return nil
	}, func(q purge) error {
		applyPurge(latest, q, func(st stamp) (unionstore.ChangeType, int64) { return st.t, st.ts })
		return nil
	}))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range latest {
		if p.drops(st.t, st.ts) {
			n++
		}
	}
	return n, nil
}

// stamp is the latest change type and timestamp of one key.
type stamp struct {
	ts int64
	t  unionstore.ChangeType
}

// applyPurge removes from latest, a map by key (after the namespace's
// prefix), what p drops.
func applyPurge[V any](latest map[string]V, p purge, of func(V) (unionstore.ChangeType, int64)) {
	if p.key != nil {
		delete(latest, string(p.key))
		return
	}
	if p.all {
		clear(latest)
		return
	}
	for k, v := range latest {
		if p.drops(of(v)) {
			delete(latest, k)
		}
	}
}

// visitPurge recognises the records of namespace that purge: a purge
// record, or a Kafka tombstone of one of its keys. It returns the purge
// and true for such a record (or an error for a purge record that does
// not decode), and false for any other. rest is the key after the
// namespace's prefix.
func visitPurge(rest, value []byte) (purge, bool, error) {
	if isPurgeKey(rest) {
		p, err := decodePurge(value)
		return p, true, err
	}
	if value == nil {
		return purge{key: bytes.Clone(rest)}, true, nil
	}
	return purge{}, false, nil
}

// forget removes from k what p, a purge of the namespace whose key prefix
// is prefix, drops. Called with g.mu held.
func (g *guard) forget(k *known, prefix []byte, p purge) {
	if p.key != nil {
		delete(k.latest, string(prefix)+string(p.key))
		return
	}
	for kk, st := range k.latest {
		if rest, ok := bytes.CutPrefix([]byte(kk), prefix); ok && !isPurgeKey(rest) && p.drops(st.t, st.ts) {
			delete(k.latest, kk)
		}
	}
}

// guardVisit is the guard's view of one record: it learns a change, and
// forgets what a purge record or a Kafka tombstone drops.
func (g *guard) guardVisit(k *known, key, value []byte) {
	if ns, ok := purgeNamespace(key); ok {
		if p, err := decodePurge(value); err == nil {
			g.forget(k, appendPrefix(nil, ns), p)
		}
		return
	}
	if value == nil {
		delete(k.latest, string(key))
		return
	}
	if t, ts, _, err := decodeValue(value); err == nil {
		g.learn(k, key, stamp{ts: ts, t: t})
	}
}
