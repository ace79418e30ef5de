package kafkastore

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// getIndex is what a store made [WithGetIndex] knows of the partitions
// Get has read: for each identity, the offset, type and timestamp of the
// record today's full read of the partition would return (see scanGet),
// so that Get reads that one record instead of the partition.
//
// Its memory grows with the identities of every namespace of those
// partitions: the key after its namespace's prefix, a 24-byte location
// and the map's own overhead per identity, about 70 bytes beside the key
// (BenchmarkGetIndexMemory).
type getIndex struct {
	mu    sync.Mutex
	parts map[int32]*partIndex // nil once released
}

// partIndex is the index of one partition, read up to next.
type partIndex struct {
	// mu is held across catching up and looking up, so that two Gets do
	// not read the same records into the index, and a lookup sees the
	// index at one offset.
	mu     sync.Mutex
	part   int32
	next   int64
	spaces map[string]*spaceIndex // by namespace
}

// spaceIndex is the index of one namespace: purge records apply to one
// namespace at a time.
type spaceIndex struct {
	// latest is, by key after the namespace's prefix, the record a read
	// of the partition up to next keeps.
	latest map[string]located
	// damaged is, by key, the last record of the key whose value does
	// not decode. A full read reports it whatever follows it, purges and
	// Kafka tombstones included, so it is never forgotten.
	damaged map[string]located
}

// located is a record of the partition: its offset, and for a change its
// type code (see backend.TypeCode) and timestamp; for a damaged record,
// only its offset counts.
type located struct {
	offset int64
	ts     int64
	code   byte
}

func newGetIndex() *getIndex { return &getIndex{parts: map[int32]*partIndex{}} }

// partition returns the index of partition part, made empty on first use,
// or nil once the index is released.
func (x *getIndex) partition(part int32) *partIndex {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.parts == nil {
		return nil
	}
	p := x.parts[part]
	if p == nil {
		p = &partIndex{part: part, spaces: map[string]*spaceIndex{}}
		x.parts[part] = p
	}
	return p
}

// release drops what the index holds; later Gets read their partition in
// full.
func (x *getIndex) release() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.parts = nil
}

// catchUp reads the partition from where p stopped to the high watermark
// taken now. Called with p.mu held. p.next follows each record visited,
// so that after a read that fails midway the next resumes after the last
// record applied instead of reading those records again.
func (p *partIndex) catchUp(ctx context.Context, d *driver) error {
	end, err := d.readPartition(ctx, p.part, p.next, func(offset int64, key, value []byte) error {
		p.visit(offset, key, value)
		p.next = offset + 1
		return nil
	})
	if err != nil {
		return err
	}
	p.next = max(p.next, end)
	return nil
}

// visit applies one record to the index as scanGet applies the records of
// its key: a change replaces the one held unless that has a later
// timestamp; a Kafka tombstone removes the key; a purge record removes
// what it drops; a value that does not decode marks the key damaged. A
// key that names no namespace is no key Get asks for, and is skipped.
func (p *partIndex) visit(offset int64, key, value []byte) {
	ns, rest, ok := splitKey(key)
	if !ok {
		return
	}
	s := p.spaces[string(ns)]
	if q, ok, err := visitPurge(rest, value); ok {
		if s != nil && err == nil {
			applyPurge(s.latest, q, located.change)
		}
		return
	}
	if s == nil {
		s = &spaceIndex{latest: map[string]located{}}
		p.spaces[string(ns)] = s
	}
	t, ts, _, err := decodeValue(value)
	if err != nil {
		if s.damaged == nil {
			s.damaged = map[string]located{}
		}
		s.damaged[string(rest)] = located{offset: offset}
		return
	}
	if cur, ok := s.latest[string(rest)]; ok && ts < cur.ts {
		return
	}
	s.latest[string(rest)] = located{offset: offset, ts: ts, code: backend.TypeCode(t)}
}

// change returns the type and timestamp of the change at l, for
// applyPurge.
func (l located) change() (unionstore.ChangeType, int64) {
	t, _ := backend.TypeOfCode(l.code)
	return t, l.ts
}

// splitKey splits a record key into its namespace and the rest, or
// returns false for a key of another version or one cut short.
func splitKey(key []byte) (ns, rest []byte, ok bool) {
	if len(key) == 0 || key[0] != keyVersion {
		return nil, nil, false
	}
	w, n, err := readLength(key[1:])
	if err != nil {
		return nil, nil, false
	}
	return key[1+w : 1+w+n], key[1+w+n:], true
}

// lookup catches p up and returns where the record of the key rest of
// namespace is, and the last damaged record of the key, if any.
func (p *partIndex) lookup(ctx context.Context, d *driver, namespace string, rest []byte) (latest, damaged located, found, bad bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.catchUp(ctx, d); err != nil {
		return located{}, located{}, false, false, err
	}
	s := p.spaces[namespace]
	if s == nil {
		return located{}, located{}, false, false, nil
	}
	latest, found = s.latest[string(rest)]
	damaged, bad = s.damaged[string(rest)]
	return latest, damaged, found, bad, nil
}

// indexedGet is Get through the index: it catches the partition's index
// up to the high watermark taken now, so that it sees every write
// acknowledged before it began, and reads the one record the index
// points to. Where that record is gone (compacted away, or below the log
// start after retention or DeleteRecords), and for a key that is no
// identity's, it returns what scanGet returns.
func (d *driver) indexedGet(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	prefix := appendPrefix(nil, namespace)
	want := appendIdentity(prefix, kind, id)
	rest := want[len(prefix):]
	part := partitionFor(namespace, d.info.partitions)
	p := d.index.partition(part)
	if p == nil || checkIdentity(rest) != nil {
		return d.scanGet(ctx, namespace, kind, id)
	}
	latest, damaged, found, bad, err := p.lookup(ctx, d, namespace, rest)
	if err != nil {
		return backend.Record{}, false, err
	}
	if bad {
		// The damaged record decides the answer while it is there.
		value, ok, err := d.readAt(ctx, part, damaged.offset, want)
		switch {
		case err != nil:
			return backend.Record{}, false, err
		case !ok:
			return d.scanGet(ctx, namespace, kind, id)
		}
		_, _, _, derr := decodeValue(value)
		if derr == nil {
			return d.scanGet(ctx, namespace, kind, id)
		}
		return backend.Damaged(namespace, kind, id, fmt.Errorf("partition %d offset %d: %w", part, damaged.offset, derr)), true, nil
	}
	if !found {
		return backend.Record{}, false, nil
	}
	value, ok, err := d.readAt(ctx, part, latest.offset, want)
	if err != nil {
		return backend.Record{}, false, err
	}
	t, ts, payload, derr := decodeValue(value)
	if !ok || derr != nil || ts != latest.ts || backend.TypeCode(t) != latest.code {
		return d.scanGet(ctx, namespace, kind, id)
	}
	e := entry{kind: kind, id: id, t: t, ts: ts, payload: payload}
	return e.record(namespace), true, nil
}

// readAt returns a copy of the value of the record at offset of partition
// part, and false if no record of key is there. A fetch returns whole
// record batches: the visit picks the one offset.
func (d *driver) readAt(ctx context.Context, part int32, offset int64, key []byte) ([]byte, bool, error) {
	var (
		value []byte
		ok    bool
	)
	_, err := d.readRange(ctx, part, offset, offset+1, func(at int64, k, v []byte) error {
		if at == offset && bytes.Equal(k, key) {
			value, ok = bytes.Clone(v), true
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return value, ok, nil
}
