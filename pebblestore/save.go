package pebblestore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
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

// recordBatchSize returns what r adds to a batch: its merge operand and
// its identity in the namespace's feed entry.
func recordBatchSize(r *backend.Record) int64 {
	return batchEntrySize(keySize(r.Namespace, r.Kind, r.ID), headerSize+len(r.Payload)) + int64(len(r.Kind)+len(r.ID)+2)
}

// namespaceBatchSize returns what a namespace adds to a batch beside its
// records: its stale-counts marker and its feed entry.
func namespaceBatchSize(ns string) int64 {
	return batchEntrySize(1+len(ns), stampSize) + feedEntryOverhead(ns)
}

// Limits is empty: the key limit is on the namespace, kind and id
// together, which CheckRecord checks.
func (d *driver) Limits() backend.Limits { return backend.Limits{} }

// CheckRecord refuses, with an error wrapping [ErrTooLarge], a record
// whose key exceeds [MaxKeySize], or that alone makes a batch of pebble's
// limit or more; CheckBatch refuses a batch whose records reach the limit
// together.
func (d *driver) CheckRecord(r backend.Record) error {
	if n := keySize(r.Namespace, r.Kind, r.ID); n > MaxKeySize {
		return fmt.Errorf("%w: namespace %.20q, kind %.20q and id %.20q make a key of %d bytes, limit %d", ErrTooLarge, r.Namespace, r.Kind, r.ID, n, MaxKeySize)
	}
	if size := batchHeaderSize + recordBatchSize(&r) + namespaceBatchSize(r.Namespace); size >= maxBatchBytes {
		return fmt.Errorf("%w: the batch encodes to %d bytes or more by this change, pebble's limit is %d", ErrTooLarge, size, maxBatchBytes-1)
	}
	return nil
}

// CheckBatch refuses, with an error wrapping [ErrTooLarge], a batch whose
// pebble batch reaches pebble's limit, naming the record by which it
// does. The records may come in any order, as Check passes them.
func (d *driver) CheckBatch(recs []backend.Record) error {
	_, err := batchSize(recs)
	return err
}

// batchSize returns the size of the pebble batch of recs, or an error
// wrapping [ErrTooLarge] that names the record that makes it reach
// pebble's limit. Each namespace counts once, whatever the order.
func batchSize(recs []backend.Record) (int64, error) {
	size := int64(batchHeaderSize)
	var seen map[string]bool // the namespaces before the last, if any
	for i := range recs {
		r := &recs[i]
		size += recordBatchSize(r)
		if i == 0 || r.Namespace != recs[i-1].Namespace && !seen[r.Namespace] {
			size += namespaceBatchSize(r.Namespace)
		}
		if i > 0 && r.Namespace != recs[i-1].Namespace {
			if seen == nil {
				seen = make(map[string]bool)
			}
			seen[recs[i-1].Namespace] = true
		}
		if size >= maxBatchBytes {
			return 0, fmt.Errorf("%w: the batch encodes to %d bytes or more by change (%.20q %.20q %.20q), pebble's limit is %d",
				ErrTooLarge, size, r.Namespace, r.Kind, r.ID, maxBatchBytes-1)
		}
	}
	return size, nil
}

// Put writes the records in one pebble batch: all of them or none. It
// reads nothing: it writes each record as a merge operand, and pebble
// keeps the latest of a key's records when it reads or compacts them (see
// merge.go), so its cost does not grow with the store. Concurrent puts
// apply to pebble one at a time, a short step in which their records take
// their revisions of the change feed (see feed.go); Put returns once the
// write-ahead log holding the batch is synced to disk (unless
// [WithNoSync]), a sync that pebble shares among the puts waiting for it.
// A record is visible to readers from the moment it is applied, a moment
// before Put returns, and to watchers once it is synced.
//
// A batch that encodes to pebble's limit or more is refused before
// anything is written, with an error wrapping [unionstore.ErrInvalidChange]
// and [ErrTooLarge]; so are puts to a store opened with [WithReadOnly],
// with [unionstore.ErrReadOnly].
func (d *driver) Put(ctx context.Context, recs []backend.Record) error {
	unlock, err := d.use(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.writable(); err != nil {
		return err
	}
	size, err := batchSize(recs)
	if err != nil {
		// Store's CheckBatch refused it already; kept for a direct call.
		return fmt.Errorf("%w: %w", unionstore.ErrInvalidChange, err)
	}
	return d.guard("save", func() error { return d.write(ctx, recs, size) })
}

// ctxCheckEvery is how many records write and the reads handle between
// looks at ctx.
const ctxCheckEvery = 1024

// write merges the records into the store, in their order, and marks the
// counts of their namespaces stale (see counts.go). size is the size of
// their batch.
func (d *driver) write(ctx context.Context, recs []backend.Record, size int64) error {
	b := d.db.NewBatchWithSize(int(size))
	defer b.Close()
	for i := range recs {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		r := &recs[i]
		op := b.MergeDeferred(keySize(r.Namespace, r.Kind, r.ID), headerSize+len(r.Payload))
		recordKey(op.Key[:0], r.Namespace, r.Kind, r.ID)
		putValue(op.Value, r)
		if err := op.Finish(); err != nil {
			return err
		}
	}
	stamp := d.stamps.next()
	for i := range recs {
		if i == 0 || recs[i].Namespace != recs[i-1].Namespace {
			if err := b.Set(markerKey(recs[i].Namespace), stamp, nil); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	revs, err := d.apply(b, recs)
	if err != nil {
		return err
	}
	if !d.noSync {
		if err := b.SyncWait(); err != nil {
			return err
		}
	}
	d.feed.synced(revs)
	return nil
}

// apply adds the feed entries of recs to b and applies b, under the gate,
// read-locked, so that no save applies between a recount's or a purge's
// check and its write, and under the feed's lock, so that revisions reach
// the log in order (see feed.go). It returns the revisions it assigned.
func (d *driver) apply(b *pebble.Batch, recs []backend.Record) ([]assigned, error) {
	d.gate.RLock()
	defer d.gate.RUnlock()
	d.feed.mu.Lock()
	defer d.feed.mu.Unlock()
	revs, err := d.feed.addEntries(d.db, b, recs)
	if err != nil {
		return nil, err
	}
	d.wrote.Store(true)
	defer d.marks.Add(1)
	if d.noSync {
		return revs, d.db.Apply(b, pebble.NoSync)
	}
	return revs, d.db.ApplyNoSyncWait(b, pebble.Sync)
}
