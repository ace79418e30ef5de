package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

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
	namespace string
	key       []byte
	header    header
	value     []byte
}

// Check reports whether Save would accept the batch, without writing: nil,
// or an error wrapping [unionstore.ErrInvalidChange] and [ErrTooLarge] that
// names the first change over [MaxKeySize], or says that the batch encodes
// to more than pebble's limit on one batch (4 GiB). Check encodes every
// payload to measure it, so it costs about what the encoding part of Save
// costs; an entity the codec cannot encode is reported too. It is safe for
// concurrent use and works on a closed store.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	if _, err := s.encode(changes); err != nil {
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
// Save returns once the write-ahead log holding the batch is synced to disk
// (unless [WithNoSync]). The comparison with stored versions runs under a
// lock of the store, which is released before the wait for the sync, so
// that the syncs of concurrent saves are shared. A change is visible to
// readers from the moment it is applied, a moment before Save returns.
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
	batch, err := s.encode(changes.Stamped())
	if err != nil {
		return fmt.Errorf("pebblestore: save: %w", err)
	}
	if err := s.guard("save", func() error { return s.write(ctx, latestPerKey(batch)) }); err != nil {
		return fmt.Errorf("pebblestore: save to %q: %w", s.dir, err)
	}
	return nil
}

// encode checks sizes and encodes every change before anything is locked,
// so that a bad change rejects the batch without touching the database.
func (s *Store[E]) encode(changes unionstore.Changes[E]) ([]encoded, error) {
	out := make([]encoded, len(changes))
	size := int64(batchHeaderSize)
	namespaces := make(map[string]bool)
	for i, c := range changes {
		ns, kind, id := c.Key()
		if n := keySize(ns, kind, id); n > MaxKeySize {
			return nil, fmt.Errorf("%w: change %d: %w: namespace %.20q, kind %.20q and id %.20q make a key of %d bytes, limit %d", unionstore.ErrInvalidChange, i, ErrTooLarge, ns, kind, id, n, MaxKeySize)
		}
		payload, err := s.codec.Encode(c.Entity)
		if err != nil {
			return nil, fmt.Errorf("change %d: encode kind %q id %q: %w", i, kind, id, err)
		}
		h := headerOf(c.ChangeType, c.Timestamp)
		e := encoded{namespace: ns, key: recordKey(nil, ns, kind, id), header: h, value: encodeValue(h, payload)}
		size += batchEntrySize(len(e.key), len(e.value))
		if !namespaces[ns] {
			namespaces[ns] = true
			size += batchEntrySize(1+len(ns), countsSize)
		}
		if size >= maxBatchBytes {
			return nil, fmt.Errorf("%w: change %d: %w: the batch encodes to %d bytes or more by this change, pebble's limit is %d", unionstore.ErrInvalidChange, i, ErrTooLarge, size, maxBatchBytes-1)
		}
		out[i] = e
	}
	return out, nil
}

// latestPerKey sorts the batch by key and keeps, per key, the change with
// the latest timestamp, and on equal timestamps the later one in the batch.
// Sorted keys let write look them up with one forward-moving iterator.
func latestPerKey(batch []encoded) []encoded {
	// A stable sort keeps batch order among equal keys, so that the last
	// of equal timestamps is the later change.
	slices.SortStableFunc(batch, func(a, b encoded) int { return bytes.Compare(a.key, b.key) })
	out := batch[:0]
	for _, e := range batch {
		if n := len(out); n > 0 && bytes.Equal(out[n-1].key, e.key) {
			if e.header.nanos >= out[n-1].header.nanos {
				out[n-1] = e
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

// ctxCheckEvery is how many changes write and the reads handle between
// looks at ctx.
const ctxCheckEvery = 1024

// write applies the changes, sorted by key and one per key, that are newer
// than what the store holds, and the namespaces' new counts.
func (s *Store[E]) write(ctx context.Context, batch []encoded) error {
	b, err := s.apply(ctx, batch)
	if err != nil {
		return err
	}
	defer b.Close()
	if s.noSync {
		return nil
	}
	if b.Empty() {
		// Nothing was newer. The changes this save lost to may have been
		// applied by a save still waiting for its sync; a sync of the log
		// now covers them, so that this save is not acknowledged ahead of
		// the data that made it redundant.
		return s.db.LogData(nil, pebble.Sync)
	}
	return b.SyncWait()
}

// apply decides, under writeMu, which changes win and applies them; it
// returns the applied batch, whose sync the caller waits for (and which the
// caller closes).
func (s *Store[E]) apply(ctx context.Context, batch []encoded) (*pebble.Batch, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	stored, done, err := s.lookup(len(batch))
	if err != nil {
		return nil, err
	}
	defer done()
	b := s.db.NewBatch()
	fail := func(err error) (*pebble.Batch, error) {
		_ = b.Close()
		return nil, err
	}
	spaces := make(map[string]*counts)
	for i, e := range batch {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
		}
		c := spaces[e.namespace]
		if c == nil {
			old, err := s.readCounts(e.namespace)
			if err != nil {
				return fail(err)
			}
			c = &old
			spaces[e.namespace] = c
		}
		old, found, err := stored(e.key)
		if err != nil {
			return fail(fmt.Errorf("read the stored version of %q: %w", e.key, err))
		}
		// A damaged old record (found, header nil) is replaced; its count
		// cannot be known.
		if found && old != nil {
			if old.nanos > e.header.nanos {
				continue
			}
			c.add(old.changeType, -1)
		}
		if err := b.Set(e.key, e.value, nil); err != nil {
			return fail(err)
		}
		c.add(e.header.changeType, 1)
	}
	if b.Empty() {
		return b, nil
	}
	for ns, c := range spaces {
		if err := b.Set(countKey(ns), c.encode(), nil); err != nil {
			return fail(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	s.wrote.Store(true)
	if s.noSync {
		err = s.db.Apply(b, pebble.NoSync)
	} else {
		err = s.db.ApplyNoSyncWait(b, pebble.Sync)
	}
	if err != nil {
		return fail(err)
	}
	return b, nil
}

// iterateAbove is the batch size from which lookup reads the stored
// versions with one iterator instead of point reads: an iterator costs more
// to set up, and holds writeMu longer for a batch of one, but moving it
// forward over sorted keys is cheaper than a point read per key.
const iterateAbove = 16

// lookup returns a function that reads the stored header of a record key,
// for n keys asked in ascending order, and a function that releases what it
// holds. A stored value that does not decode is found with a nil header.
func (s *Store[E]) lookup(n int) (stored func(key []byte) (*header, bool, error), done func(), err error) {
	decode := func(v []byte) *header {
		h, _, err := decodeValue(v)
		if err != nil {
			return nil
		}
		return &h
	}
	if n <= iterateAbove {
		return func(key []byte) (*header, bool, error) {
			v, closer, err := s.db.Get(key)
			if errors.Is(err, pebble.ErrNotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			defer closer.Close()
			return decode(v), true, nil
		}, func() {}, nil
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixRecord}, UpperBound: []byte{prefixRecord + 1}})
	if err != nil {
		return nil, nil, err
	}
	return func(key []byte) (*header, bool, error) {
		if !it.SeekGE(key) || !bytes.Equal(it.Key(), key) {
			return nil, false, it.Error()
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, false, err
		}
		return decode(v), true, nil
	}, func() { _ = it.Close() }, nil
}

// readCounts returns the stored counts of namespace ns.
func (s *Store[E]) readCounts(ns string) (counts, error) {
	v, closer, err := s.db.Get(countKey(ns))
	if errors.Is(err, pebble.ErrNotFound) {
		return counts{}, nil
	}
	if err != nil {
		return counts{}, fmt.Errorf("read the counts of namespace %q: %w", ns, err)
	}
	defer closer.Close()
	return decodeCounts(v), nil
}
