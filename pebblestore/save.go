package pebblestore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// maxBatchBytes is pebble's limit on the encoding of one batch (it panics
// at or above it): 4 GiB less one byte, or math.MaxInt on 32-bit
// platforms. A variable so that tests can reach the edge.
var maxBatchBytes int64 = min(math.MaxUint32, math.MaxInt)

// Sizes of pebble's batch encoding: a header, then per key a kind byte and
// the key and value, each after its uvarint length.
const (
	batchHeaderSize = 12
	batchEntryBytes = 1
)

// batchEntrySize returns what a key and value of these sizes add to a
// batch.
func batchEntrySize(key, value int) int64 {
	return batchEntryBytes + int64(uvarintLen(key)+key+uvarintLen(value)+value)
}

func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}

// encoded is a change ready to be written.
type encoded struct {
	ns         string
	key, value []byte
}

// Check reports whether Save would accept the batch, without writing: nil,
// or an error wrapping [unionstore.ErrInvalidChange] and [ErrTooLarge] that
// names the first change over [MaxKeySize], or says that the batch encodes
// to more than pebble's limit on one batch (4 GiB). Check encodes every
// payload to measure it, so it costs about what the encoding part of Save
// costs; an entity the codec cannot encode is reported too. It is safe for
// concurrent use and works on a closed store.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	if _, _, err := s.encode(changes); err != nil {
		return fmt.Errorf("pebblestore: check: %w", err)
	}
	return nil
}

// Save writes the batch in one pebble batch: all of it or none. A change
// replaces the stored version of its identity unless that one has a later
// timestamp; on equal timestamps the change saved later wins, within a
// batch too. Changes with a zero timestamp are stamped first.
//
// Nothing is written, and the error says which change failed, when the
// batch is invalid ([unionstore.ErrInvalidChange], also with [ErrTooLarge]
// for what [Store.Check] refuses), when the codec cannot encode an entity,
// when ctx is done before the batch is applied (the error wraps ctx.Err()),
// after Close ([unionstore.ErrClosed]), on a store opened with
// [WithReadOnly] ([unionstore.ErrReadOnly]), or on a store in which pebble
// met damage ([ErrCorrupt]; see the package doc).
//
// Save reads nothing: it writes each change as a merge operand, and pebble
// keeps the latest of a key's changes when it reads or compacts them (see
// the package doc), so its cost does not grow with the store. Concurrent
// saves apply to pebble one at a time, a short step in which their
// changes take their revisions of the change feed (see the package doc);
// Save returns once the write-ahead log holding the batch is synced to
// disk (unless [WithNoSync]), a sync that pebble shares among the saves
// waiting for it. A change is visible to readers from the moment it is
// applied, a moment before Save returns, and to watchers once it is synced.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	unlock, err := s.use(ctx)
	if err != nil {
		return fmt.Errorf("pebblestore: save: %w", err)
	}
	defer unlock()
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("pebblestore: save: %w", err)
	}
	if len(changes) == 0 {
		return nil
	}
	if s.readOnly {
		return fmt.Errorf("pebblestore: save to %q: %w: opened read-only", s.dir, unionstore.ErrReadOnly)
	}
	batch, namespaces, err := s.encode(changes.Stamped())
	if err != nil {
		return fmt.Errorf("pebblestore: save: %w", err)
	}
	if err := s.guard("save", func() error { return s.write(ctx, batch, namespaces) }); err != nil {
		return fmt.Errorf("pebblestore: save to %q: %w", s.dir, err)
	}
	return nil
}

// encode checks sizes and encodes every change before anything is written,
// so that a bad change rejects the batch without touching the database. It
// returns the changes and their namespaces.
func (s *Store[E]) encode(changes unionstore.Changes[E]) ([]encoded, map[string]bool, error) {
	out := make([]encoded, len(changes))
	size := int64(batchHeaderSize)
	namespaces := make(map[string]bool)
	for i, c := range changes {
		ns, kind, id := c.Key()
		if n := keySize(ns, kind, id); n > MaxKeySize {
			return nil, nil, fmt.Errorf("%w: change %d: %w: namespace %.20q, kind %.20q and id %.20q make a key of %d bytes, limit %d", unionstore.ErrInvalidChange, i, ErrTooLarge, ns, kind, id, n, MaxKeySize)
		}
		payload, err := s.codec.Encode(c.Entity)
		if err != nil {
			return nil, nil, fmt.Errorf("change %d: encode kind %q id %q: %w", i, kind, id, err)
		}
		e := encoded{ns: ns, key: recordKey(nil, ns, kind, id), value: encodeValue(headerOf(c.ChangeType, c.Timestamp), payload)}
		size += batchEntrySize(len(e.key), len(e.value)) + int64(len(kind)+len(id)+2)
		if !namespaces[ns] {
			namespaces[ns] = true
			size += batchEntrySize(1+len(ns), stampSize) + feedEntryOverhead(ns)
		}
		if size >= maxBatchBytes {
			return nil, nil, fmt.Errorf("%w: change %d: %w: the batch encodes to %d bytes or more by this change, pebble's limit is %d", unionstore.ErrInvalidChange, i, ErrTooLarge, size, maxBatchBytes-1)
		}
		out[i] = e
	}
	return out, namespaces, nil
}

// ctxCheckEvery is how many changes write and the reads handle between
// looks at ctx.
const ctxCheckEvery = 1024

// write merges the changes into the store, in batch order, so that of two
// changes to one key with one timestamp the later wins, and marks the
// counts of their namespaces stale (see counts.go).
func (s *Store[E]) write(ctx context.Context, batch []encoded, namespaces map[string]bool) error {
	b := s.db.NewBatch()
	defer b.Close()
	for i, e := range batch {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := b.Merge(e.key, e.value, nil); err != nil {
			return err
		}
	}
	stamp := s.stamps.next()
	for ns := range namespaces {
		if err := b.Set(markerKey(ns), stamp, nil); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	revs, err := s.apply(b, batch)
	if err != nil {
		return err
	}
	if !s.noSync {
		if err := b.SyncWait(); err != nil {
			return err
		}
	}
	s.feed.synced(revs)
	return nil
}

// apply adds the feed entries of batch to b and applies b, under the gate,
// read-locked, so that no save applies between a recount's or a purge's
// check and its write, and under the feed's lock, so that revisions reach
// the log in order (see feed.go). It returns the revisions it assigned.
func (s *Store[E]) apply(b *pebble.Batch, batch []encoded) ([]assigned, error) {
	s.gate.RLock()
	defer s.gate.RUnlock()
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	revs, err := s.feed.addEntries(s.db, b, batch)
	if err != nil {
		return nil, err
	}
	s.wrote.Store(true)
	defer s.marks.Add(1)
	if s.noSync {
		return revs, s.db.Apply(b, pebble.NoSync)
	}
	return revs, s.db.ApplyNoSyncWait(b, pebble.Sync)
}
