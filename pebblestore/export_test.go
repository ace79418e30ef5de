package pebblestore

import (
	"context"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// SetMaxBatchBytes lowers pebble's batch limit for a test and returns a
// function that restores it.
func SetMaxBatchBytes(n int64) (restore func()) {
	old := maxBatchBytes
	maxBatchBytes = n
	return func() { maxBatchBytes = old }
}

// BatchSize returns the size that Save counts against the batch limit for
// one change of one namespace, with the given key and value sizes.
func BatchSize(ns string, key, value int) int64 {
	return batchHeaderSize + batchEntrySize(key, value) + int64(key-len(ns)-1) + feedEntryOverhead(ns) + batchEntrySize(1+len(ns), stampSize)
}

// RecordKey is recordKey for tests.
func RecordKey(ns, kind, id string) []byte { return recordKey(nil, ns, kind, id) }

// HeaderSize is the size of a record value's header.
const HeaderSize = headerSize

// Merger is the store's merge operator, for tests that open a store's
// directory with pebble itself.
var Merger = latestMerger

// Flush writes the store's memory table to a table of its own, so that
// the merge operands saved after it sit apart from those before.
func Flush[E unionstore.Entity](s *Store[E]) error { return s.d.db.Flush() }

// CompactAll compacts every key of the store into the bottom level, which
// merges all the operands of each key.
func CompactAll[E unionstore.Entity](s *Store[E]) error {
	return s.d.db.Compact(context.Background(), []byte{0}, []byte{0xff}, false)
}

// RecordValue is the stored value of a change with this payload.
func RecordValue(t unionstore.ChangeType, ts time.Time, payload []byte) []byte {
	return encodeValue(headerOf(t, ts), payload)
}

// CountsValue is the stored value of a namespace's counts.
func CountsValue(sets, unsets uint64) []byte {
	return backend.Counts{Sets: sets, Unsets: unsets}.Encode()
}

// FormatFile is the file that keeps releases of layout version 1 out.
const FormatFile = formatFile
