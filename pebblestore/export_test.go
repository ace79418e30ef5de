package pebblestore

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
	return batchHeaderSize + batchEntrySize(key, value) + batchEntrySize(1+len(ns), countsSize)
}

// RecordKey is recordKey for tests.
func RecordKey(ns, kind, id string) []byte { return recordKey(nil, ns, kind, id) }

// HeaderSize is the size of a record value's header.
const HeaderSize = headerSize
