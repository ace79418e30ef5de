// Package pebblestore is a durable [unionstore.Store] in a directory of
// Pebble, CockroachDB's log-structured key-value engine: no server, atomic
// batches, keys kept in order. It suits applications that persist every
// change as it happens: writes append to a log and concurrent saves share
// its syncs, where [github.com/unionstore/unionstore/boltstore] rewrites
// pages and syncs twice per save.
//
//	s, err := pebblestore.Open[Customer]("shop.pebble")
//
// # Semantics
//
// The store follows the rules of [unionstore.Store]: per identity
// (namespace, kind, id) the change with the latest timestamp is kept, on
// equal timestamps the later save wins, and tombstones are kept. Each Save
// is one pebble batch, applied whole or not at all, and synced to the
// write-ahead log before Save returns. Re-running a copy into the store is
// idempotent.
//
// Save compares each change with the stored version under a short lock of
// the store, applies the batch, and waits for the log's sync after
// releasing the lock: pebble then syncs the log once for all the saves that
// are waiting, so that many goroutines saving one change each reach many
// times the rate of one.
//
// Load reads a namespace with one iterator, from one consistent state;
// [Store.Scan] streams it in (kind, id) order, page by page, so that a
// [unionstore.Union] of stores merges in bounded memory. [Store.Get] is one
// point lookup. [Store.Namespaces] reads counters that Save keeps, so
// listing is cheap.
//
// # Limits
//
// A change's encoded key (1 + namespace + 1 + kind + 1 + id bytes) may not
// exceed [MaxKeySize], 32 KiB, bbolt's key limit, so that whatever one
// embedded store holds the other can hold too. A batch may not encode to
// 4 GiB or more, pebble's limit on one batch. [Store.Check] and Save refuse
// either with an error wrapping [unionstore.ErrInvalidChange] and
// [ErrTooLarge], before writing anything.
//
// # Errors
//
// A directory held by another process, or by another open Store of this
// process, gives [ErrLocked] after the lock timeout; a path that is not a
// unionstore pebble directory, or a damaged one, gives [ErrNotStore]; a
// layout version of a newer release gives [ErrFormat]. A stored record that
// does not decode is reported as a [unionstore.DecodeError] naming its
// namespace, kind and id, while the other records still load (see
// [Store.Load]).
//
// # Layout (version 1)
//
// The layout is fixed so that any program, such as the unionstore command,
// can read what a typed application wrote. Pebble keys and values, by the
// first byte of the key:
//
//	0x01 "format"                      the layout version in ASCII decimal, "1"
//	0x02 ns 0x00 kind 0x00 id          a record (below)
//	0x03 ns                            16 bytes: big-endian uint64 count of
//	                                   identities whose latest change is a
//	                                   set, then of those that are unset
//
// Identities hold no zero byte ([unionstore.Changes.Validate] refuses
// them), so the zero byte after the namespace and after the kind sorts
// below any byte they hold: record keys sort bytewise by namespace, then
// kind, then id, a namespace's records are one key range that no other
// namespace shares ("ws" and "ws:x" are apart), and no two identities share
// a key (kind "k" with id "1:z" and kind "k:1" with id "z" are apart). A
// record is:
//
//	byte 0       record version, 1
//	byte 1       change type: 1 set, 2 unset (tombstone)
//	bytes 2-9    timestamp: big-endian int64 Unix nanoseconds
//	bytes 10-    the payload, as the codec encoded the entity (JSON by
//	             default); tombstones keep their entity's payload too
//
// Timestamps are read back in UTC. Open refuses a database whose layout
// version it does not know ([ErrFormat]), and a pebble database that has
// keys but no version ([ErrNotStore]).
//
// # Concurrency
//
// A [Store] is safe for concurrent use by many goroutines. One Store at a
// time, in one process, may hold a directory, whether it writes or only
// reads ([WithReadOnly]): pebble locks the directory for readers too.
package pebblestore
