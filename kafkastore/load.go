package kafkastore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/unionstore/unionstore"
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

func compareEntries(a, b *entry) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// namespaceVisitor returns a visitFunc for reads of namespace: it passes
// each record of the namespace to keep as an entry whose payload aliases
// the fetched bytes, each purge of the namespace to drop (see purge.go),
// and reports to bad the records it cannot read; an error from keep or
// drop ends the read. A record whose key has another format version may
// belong to any namespace, so it is reported by every read of its
// partition.
func namespaceVisitor(namespace string, part int32, bad *unionstore.DecodeErrors, keep func(key []byte, e entry) error, drop func(p purge) error) visitFunc {
	prefix := appendPrefix(nil, namespace)
	return func(offset int64, key, value []byte) error {
		if !bytes.HasPrefix(key, prefix) {
			if len(key) == 0 || key[0] != keyVersion {
				bad.Add(fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, part, offset, errKeyVersionOrEmpty(key)))
			}
			return nil
		}
		if p, ok, err := visitPurge(key[len(prefix):], value); ok {
			if err != nil {
				bad.Add(fmt.Errorf("%w: partition %d offset %d: purge record of namespace %q: %w", unionstore.ErrDecode, part, offset, namespace, err))
				return nil
			}
			return drop(p)
		}
		_, kind, id, err := decodeKey(key)
		if err != nil {
			bad.Add(fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, part, offset, err))
			return nil
		}
		t, ts, payload, err := decodeValue(value)
		if err != nil {
			bad.Add(&unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: id, Err: fmt.Errorf("partition %d offset %d: %w", part, offset, err)})
			return nil
		}
		return keep(key[len(prefix):], entry{kind: kind, id: id, t: t, ts: ts, payload: payload})
	}
}

func errKeyVersionOrEmpty(key []byte) error {
	_, _, _, err := decodeKey(key)
	return err
}

// Load returns the latest change of each identity in namespace, tombstones
// included, sorted by kind then id bytewise. It reads the namespace's
// partition from its start to the high watermark taken when Load begins,
// keeping the latest record of each identity in memory, then decodes the
// winners: it costs a read of the whole partition, which other namespaces
// may share, and memory for one record per identity of the namespace. To
// read without holding the namespace in memory, use [Store.Scan].
// Timestamps are returned in UTC.
//
// A record that cannot be read does not stop Load: Load returns every
// change it could read together with a non-nil error that wraps
// [unionstore.ErrDecode] and joins, up to ten, a [*unionstore.DecodeError]
// naming namespace, kind and id when the record's key could be read, or an
// error naming its partition and offset when not. A record is bad if its
// key or value does not follow the layout, if the codec fails on the
// latest payload of an identity, or if that payload decodes to an entity of
// another kind or id. Other errors come with no changes:
// [unionstore.ErrClosed] after Close, an error wrapping ctx.Err() if ctx
// is done, and the cluster's errors.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, fmt.Errorf("kafkastore: load %q from %q: %w", namespace, s.topic, err)
	}
	part := partitionFor(namespace, s.info.partitions)
	end, err := s.listOffset(ctx, part, -1)
	if err != nil {
		return nil, fmt.Errorf("kafkastore: load %q from %q: partition %d: high watermark: %w", namespace, s.topic, part, s.life.Wrap(ctx, err))
	}
	return s.loadTo(ctx, namespace, end)
}

// loadTo is Load of the records below offset end of the namespace's
// partition.
func (s *Store[E]) loadTo(ctx context.Context, namespace string, end int64) (unionstore.Changes[E], error) {
	var bad unionstore.DecodeErrors
	latest := map[string]*entry{}
	part := partitionFor(namespace, s.info.partitions)
	_, err := s.readRange(ctx, part, 0, end, namespaceVisitor(namespace, part, &bad, func(key []byte, e entry) error {
		cur, ok := latest[string(key)]
		if ok && !cur.newer(e.ts) {
			return nil
		}
		e.payload = bytes.Clone(e.payload)
		if ok {
			*cur = e
			return nil
		}
		latest[string(key)] = &e
		return nil
	}, func(p purge) error {
		applyPurge(latest, p, func(e *entry) (unionstore.ChangeType, int64) { return e.t, e.ts })
		return nil
	}))
	if err != nil {
		return nil, fmt.Errorf("kafkastore: load %q from %q: %w", namespace, s.topic, s.life.Wrap(ctx, err))
	}
	entries := make([]*entry, 0, len(latest))
	for _, e := range latest {
		entries = append(entries, e)
	}
	clear(latest)
	slices.SortFunc(entries, compareEntries)
	out := make(unionstore.Changes[E], 0, len(entries))
	for _, e := range entries {
		c, err := s.change(namespace, e)
		if err != nil {
			bad.Add(err)
			continue
		}
		out = append(out, c)
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("kafkastore: load %q from %q: %w", namespace, s.topic, err)
	}
	return out, nil
}

// change decodes an entry into a change, or returns a
// [*unionstore.DecodeError].
func (s *Store[E]) change(namespace string, e *entry) (unionstore.Change[E], error) {
	v, err := unionstore.DecodeEntity(s.codec, namespace, e.kind, e.id, e.payload)
	if err != nil {
		return unionstore.Change[E]{}, err
	}
	return unionstore.Change[E]{Namespace: namespace, ChangeType: e.t, Entity: v, Timestamp: time.Unix(0, e.ts).UTC()}, nil
}

// Get returns the latest change of (namespace, kind, id), a tombstone
// included, and true; or false when the topic holds no record of it. A
// partition is a log, not an index, so Get reads the namespace's partition
// to its high watermark as [Store.Load] does, but keeps only the records of
// that one key and decodes only the latest: its memory is constant. A
// record of the identity that cannot be read is reported as by Load, with
// the latest readable change if any. It returns [unionstore.ErrClosed]
// after Close and an error wrapping ctx.Err() if ctx is done.
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	fail := func(err error) (unionstore.Change[E], bool, error) {
		return unionstore.Change[E]{}, false, fmt.Errorf("kafkastore: get %q %q %q from %q: %w", namespace, kind, id, s.topic, err)
	}
	if err := s.life.Check(ctx); err != nil {
		return fail(err)
	}
	var (
		bad   unionstore.DecodeErrors
		found *entry
		want  = appendKey(nil, namespace, kind, id)
		part  = partitionFor(namespace, s.info.partitions)
	)
	purgeKey := appendPurgeKey(nil, namespace)
	_, err := s.readPartition(ctx, part, 0, func(offset int64, key, value []byte) error {
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
			bad.Add(&unionstore.DecodeError{Namespace: namespace, Kind: kind, ID: id, Err: fmt.Errorf("partition %d offset %d: %w", part, offset, err)})
			return nil
		}
		if found == nil || found.newer(ts) {
			found = &entry{kind: kind, id: id, t: t, ts: ts, payload: bytes.Clone(payload)}
		}
		return nil
	})
	if err != nil {
		return fail(s.life.Wrap(ctx, err))
	}
	var c unionstore.Change[E]
	if found != nil {
		if c, err = s.change(namespace, found); err != nil {
			bad.Add(err)
			found = nil
		}
	}
	if err := bad.Err(); err != nil {
		_, _, ferr := fail(err)
		return c, found != nil, ferr
	}
	return c, found != nil, nil
}
