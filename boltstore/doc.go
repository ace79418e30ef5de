// Package boltstore is a durable [unionstore.Store] in a single bbolt file:
// no server, ACID transactions, keys kept in order. It is the embedded
// default of unionstore, and what the unionstore command opens for a plain
// file path.
//
//	s, err := boltstore.Open[Customer]("shop.db")
//
// # Semantics
//
// The store follows the rules of [unionstore.Store]: per identity
// (namespace, kind, id) the change with the latest timestamp is kept, on
// equal timestamps the later save wins, and tombstones are kept. Each Save is
// applied in one bbolt transaction, synced to disk before Save returns.
// Re-running a copy into the store is idempotent. [Store.Get] reads one
// identity with one key lookup.
//
// # Group commit
//
// Saves that run at the same time share a transaction and its sync: one
// goroutine of the store commits every batch waiting, while new ones queue
// for the next. Each batch is still all or nothing: a batch that fails in
// a group is retried alone and the others are committed without it; a
// batch whose ctx ends while it waits is withdrawn, never applied.
//
// Load reads a namespace from one snapshot; [Store.Scan] streams it in
// (kind, id) order, page by page, so that a [unionstore.Union] of bolt
// stores merges in bounded memory. [Store.Namespaces] reads counters that
// Save keeps, so listing is cheap.
//
// # Change feed
//
// A Store is a [unionstore.Watcher]: [Store.Snapshot] reads a namespace
// and its position in one read transaction, and [Store.Watch] yields the
// changes applied after a position, so that [unionstore.Follow] keeps a
// copy of a namespace up to date.
//
// Positions are revisions, one counter per namespace: each change that a
// Save applies (one that does not lose to the stored version) takes the
// namespace's next revision, and the transaction that writes its record
// writes its key beside it in the namespace's feed, in chunks of up to 64
// revisions, and empties the slot of the record it replaces. A cursor is the file's id, drawn when the file
// was created or upgraded, and a revision, so that the cursor of another
// file expires. The feed thus holds the latest change of each identity,
// never more keys than records: a change replaced before a watcher read
// it is not delivered, the one that replaced it is, and a cursor does not
// expire with age, and lives across Close and Open.
//
// Watchers are woken by each commit of the store, in the process: there is
// no polling, and an event arrives a moment after its transaction is
// synced (BenchmarkWatch reports the latency beside bbolt's own). A watch
// does not see saves of another process, which cannot hold the file while
// this one does; a store opened with [WithReadOnly] never changes, and
// its watches wait for ctx or Close.
//
// [Store.Purge] takes a revision of its own and makes it the namespace's
// floor: every cursor taken before it expires, that of a watcher up to
// date included, and a running watch ends, with an error wrapping
// [unionstore.ErrCursorExpired] ([unionstore.Follow] then takes a new
// snapshot). [Store.PurgeTombstones] raises the floor to the newest
// revision of a tombstone it removed: a watcher that had not yet read that
// tombstone expires, one that had goes on, and keeps the tombstones it was
// given.
//
// # Errors
//
// A file held by another process gives [ErrLocked] after the lock timeout;
// a file that is not a unionstore bolt file gives [ErrNotStore]. A stored
// payload that does not decode is reported as a [unionstore.DecodeError]
// naming its namespace, kind and id, while the other records still load
// (see [Store.Load]).
//
// # Limits
//
// [Store.Check] refuses, and Save refuses before writing anything, with an
// error wrapping [unionstore.ErrInvalidChange]:
//
//   - a namespace over 32768 bytes, or a kind and id whose key (see below)
//     is over 32768 bytes: bbolt's key limit ([ErrKeyTooLong]);
//   - a record (22-byte header and encoded payload) over [MaxRecordSize],
//     bbolt's value limit of 2 GiB minus 2 bytes ([ErrValueTooLarge]);
//   - an entity that the codec cannot encode.
//
// # Damaged files
//
// bbolt trusts its pages; a damaged disk or a file cut short would make it
// panic or fault and take the process down. Open compares the file with
// its bbolt metadata first (a file shorter than its pages, or a damaged
// root or freelist page, gives [ErrCorrupt]), and every read and write
// turns a panic or fault met on a damaged page into an error wrapping
// [ErrCorrupt] that names the file, so a [unionstore.Union] with
// [unionstore.DegradedReads] goes on serving from its other members. A
// record whose header or payload does not decode is an error naming its
// identity. Not detected: bbolt checksums only its meta pages, so a byte
// changed inside a record that still decodes (a letter of a name, a digit
// of a timestamp) reads back changed, and a branch page that still parses
// may hide the records below it. What to do next: restore the file from a replica (Union.Repair, or the
// command's repair, into a fresh file), or run `bbolt check` on it and copy
// what is readable with `bbolt compact`.
//
// # File layout (format versions 1 to 4)
//
// The layout is fixed so that any program, such as the unionstore command,
// can read what a typed application wrote. Top-level buckets:
//
//	meta      "format" -> the format version in ASCII decimal, "1" to "4";
//	          "id" -> the file's id, 16 hex digits (version 4)
//	records   one nested bucket per namespace, named by the namespace bytes;
//	          in it, key(kind, id) -> record; and (version 4) the feed of
//	          each namespace, a nested bucket named by a zero byte and the
//	          namespace (no namespace holds a zero byte); in it, chunks:
//	          the highest revision of the chunk (big-endian uint64) -> its
//	          lowest revision (big-endian uint64), then for each revision in
//	          order the uvarint length and the key(kind, id) of the record
//	          that holds it, or the length 0 once that record was replaced
//	          or removed; a chunk holds up to 64 revisions of one
//	          transaction, and is deleted once it holds no key
//	counts    namespace -> 16 bytes: big-endian uint64 count of identities
//	          whose latest change is a set, then of those that are unset
//	revisions namespace -> 16 bytes (version 4): big-endian uint64 revision
//	          of the namespace's latest change or purge, then its floor
//
// key(kind, id) is the kind with each 0x00 byte written as 0x00 0xFF, then
// the two bytes 0x00 0x01, then the id bytes as they are. Keys therefore
// sort bytewise by kind and then by id, and no two (kind, id) pairs share a
// key. A record is:
//
//	byte 0       record version: 1 payload as encoded, 2 payload as one
//	             zstd frame, 3 payload as one S2 block; plus 0x80 when the
//	             record holds its revision (bytes 14-21)
//	byte 1       change type: 1 set, 2 unset (tombstone)
//	bytes 2-9    timestamp: big-endian int64 Unix seconds
//	bytes 10-13  timestamp: big-endian uint32 nanoseconds
//	bytes 14-21  with 0x80: the revision, big-endian uint64
//	then         the payload, as the codec encoded the entity (JSON by
//	             default); tombstones keep their entity's payload too
//
// A file of format version 1 holds records of version 1 only, version 2
// also zstd records, version 3 also S2 records, version 4 also records
// with a revision, and the feed. Every writable open raises a file to
// version 4 (new files are created so), since its saves keep the feed,
// which an older release would not; a read-only open leaves a file's
// version as it is. Records of earlier versions are read as they are and
// have no revision: they are in every snapshot, and the feed holds the
// changes saved since.
// Timestamps are read back in UTC. Open refuses a file whose format version
// it does not know ([ErrFormat]).
//
// # Space and speed
//
// bbolt keeps each namespace as a B+tree of pages and copies on write every
// page a transaction changes; the previous copy stays in use until the new
// meta page is synced, then goes to the freelist for later transactions to
// reuse. For records saved in large batches of random ids this means
// (BenchmarkFillPages, BenchmarkWriteAmplification; the figures are in the
// repository's benchmark report, docs/benchmarks/BENCHMARKS.md, rows
// bolt-fill-inserts, bolt-fill-updates and bolt-fill-size, and the
// README):
//
//   - Leaf pages are about two thirds used: random inserts split pages in
//     halves that fill up again slowly. Splitting fuller (bbolt's
//     FillPercent of 0.9 or 1.0) leaves a nearly empty sibling at each
//     split and made the file larger, so random inserts keep bbolt's 0.5;
//     keys past the end of a namespace fill pages whole.
//   - A batch of random keys rewrites a large part of the leaf pages, and
//     about as many pages are then free, kept for the next batch: the file
//     reaches its size at the first update and keeps it through the next
//     ones.
//   - Each such batch writes whole pages for records of a fraction of
//     their size, and committing it is half of the CPU time.
//   - A commit syncs twice (pages, then the meta page that points to
//     them): a lone one-change Save costs more than one write and sync of
//     the same disk (BenchmarkSaveOneSyncs).
//   - The change feed writes each change's key a second time, in a chunk
//     of its namespace's feed, and rewrites the chunk of the record it
//     replaces: in BenchmarkFill it cost a few percent of the insert and
//     update rates, and the file grew by about 3%.
//
// The options trade for this: [WithFastCompression] (S2) makes the file
// smaller at little cost to the insert rate, [WithCompression] (zstd)
// smaller still at a larger cost, [WithPageSize] smaller by smaller pages
// (with small pages a page holds two or three records whatever their
// size, so compression then saves nothing). bbolt's map freelist without a
// synced freelist, and a larger initial memory map, made no measurable
// difference here and are not used.
//
// # Concurrency
//
// A [Store] is safe for concurrent use by many goroutines. One process at a
// time may open a file for writing; [WithReadOnly] opens it under a shared
// lock that other readers may share.
package boltstore
