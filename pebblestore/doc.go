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
// keeps the latest change of each identity of its batch (the later one on
// a tie) and writes them in one pebble batch, applied whole or not at
// all, and synced to the write-ahead log before Save returns. Re-running
// a copy into the store is idempotent.
//
// Save reads nothing: it writes each change as a pebble merge operand,
// and a merge operator of the store keeps, of a key's operands and of the
// value beneath them, the change with the latest timestamp, the later
// operand on equal timestamps. Pebble applies it on every read (Get,
// Load, Scan) and in its flushes and compactions, whichever of them have
// run, so a read returns the same change before and after a compaction;
// keeping the latest is associative, so a compaction that sees only some
// of a key's operands leaves a result that merges with the rest as they
// would have. Concurrent saves take no lock on what they write (only a
// short one that orders their application, for the change feed), a save
// reads no stored version, a cost that would grow with the store (pebble's
// compactions still do, as for any write), and pebble syncs the log once
// for all the saves that are waiting, so that many goroutines saving one
// change each reach many times the rate of one.
//
// Load reads a namespace from one snapshot, decoding each record where
// pebble holds it, with no copy; [Store.Scan] streams it in
// (kind, id) order, page by page, so that a [unionstore.Union] of stores
// merges in bounded memory. [Store.Get] is one point lookup; since a merge
// operand does not end it, it looks in every level of pebble's tree that
// may hold the key, and the bloom filter of each table skips most of
// those that do not.
//
// # Counts
//
// [Store.Namespaces] lists each namespace with its counts of entities and
// tombstones. A blind save cannot adjust counts, not knowing what it
// replaces, so it marks its namespaces' counts stale instead, in its own
// batch, with a stamp no other save uses. Namespaces returns the stored
// counts of the namespaces that are not marked, and counts the records
// of those that are, from one snapshot; on a store open for writing it
// then stores what it counted and clears the mark, unless a save or purge
// changed the mark after the snapshot, checked and written under a lock
// that saves wait for. So listing costs a read of one record per
// namespace, plus, once after each round of saves to a namespace, a read
// of that namespace's records. Load, which reads them all, settles the
// counts of its namespace the same way.
//
// # Change feed
//
// A Store is a [unionstore.Watcher]: [Store.Snapshot] loads a namespace
// with its position, and [Store.Watch] yields the changes saved after a
// position, so that [unionstore.Follow] keeps a copy of a namespace up to
// date.
//
// Positions are revisions, one counter per namespace. Save does not read,
// so the counter is kept in the process, recovered from the directory the
// first time a namespace is used: each change of a batch takes the next
// revision of its namespace, and one feed entry per namespace of the
// batch, which names its changes' identities in revision order, goes into
// the same pebble batch as the changes. The revisions are
// assigned as the batch is applied to pebble, one batch at a time, so that
// the write-ahead log holds them in order; a watch reads entries up to the
// highest revision whose batch is synced, and a watcher never sees a
// change that a crash could take back ([WithNoSync]: whose batch is
// applied; a crash of the machine may then take back changes a watcher
// saw, and give their revisions to other changes). A cursor is the
// store's id, drawn when the directory was created or upgraded, and a
// revision, so that the cursor of another store expires.
//
// The merge operator, not Save, decides which change of an identity wins,
// so a change that loses to a later timestamp has a feed entry too. A watch
// therefore delivers for each entry what [Store.Get] returns for its
// identity at that moment: the change, or the one that won over it. An
// identity saved several times may be delivered several times, the winner
// each time (repeats, which last-write-wins makes harmless), never a
// change that lost. A goroutine of the store trims the feed in the
// background: it empties the slots of changes that a later change of the
// same identity supersedes, and deletes the entries left empty, once a
// namespace has had more changes saved since its last trim than that trim
// kept (and at least 4096), so that the identities the feed names stay
// within about twice the namespace's. A cursor does not expire with age.
//
// Watchers are woken in the process when a batch is synced: there is no
// polling, and an event arrives a moment after its Save's sync
// (BenchmarkWatch reports the latency beside pebble's own). A store opened
// with [WithReadOnly] never changes, and its watches wait for ctx or
// Close.
//
// [Store.Purge] takes a revision of its own and makes it the namespace's
// floor: every cursor taken before it expires, that of a watcher up to
// date included, and a running watch ends, with an error wrapping
// [unionstore.ErrCursorExpired] ([unionstore.Follow] then takes a new
// snapshot). [Store.PurgeTombstones] does the same when it removes at
// least one tombstone, since records do not hold their revision: every
// watcher of the namespace expires and takes a new snapshot, which lacks
// the removed tombstones. Both delete the feed entries at or below the
// floor, which no cursor reads any more.
//
// # Limits
//
// A change's encoded key (1 + namespace + 1 + kind + 1 + id bytes) may not
// exceed [MaxKeySize], 32 KiB, bbolt's key limit, so that whatever one
// embedded store holds the other can hold too. A batch may not encode to
// 4 GiB or more, pebble's limit on one batch. [Store.Check] and Save refuse
// a change over the key limit, and a batch whose changes reach 4 GiB,
// alone or together, with an error wrapping [unionstore.ErrInvalidChange]
// and [ErrTooLarge], before writing anything.
//
// # Errors
//
// A directory held by another process, or by another open Store of this
// process, gives [ErrLocked] after the lock timeout; a path that is not a
// unionstore pebble directory, or a damaged one, gives [ErrNotStore]; a
// layout version of a newer release gives [ErrFormat]. A stored record that
// does not decode is reported as a [unionstore.DecodeError] naming its
// namespace, kind and id, while the other records still load (see
// [Store.Load]); a record whose key or value does not follow the layout
// is reported, by every read, with one that wraps [ErrCorrupt]. Save, Purge and PurgeTombstones on a store opened
// with [WithReadOnly] return an error wrapping [unionstore.ErrReadOnly].
// Errors name the operation and the directory, as in
// `pebblestore: save 3 changes to pebble directory "shop.pebble": cause`.
//
// # Damaged directories
//
// What the store notices, and what it cannot:
//
//   - Open: pebble reads the manifest, which lists the tables and the
//     write-ahead logs still to replay, and refuses tables that are missing
//     or of another size than it recorded, an OPTIONS file that does not
//     parse, and a log other than the newest that does not end cleanly.
//     Open then reads the layout version and the seal (below). A directory
//     that holds tables, logs, a manifest or a seal but no manifest marker
//     is refused too, rather than handed to pebble, which would start a
//     new database in it and delete the old files. Each gives
//     [ErrNotStore], with [ErrCorrupt] where the damage is certain.
//   - Reads and compactions: every block of a table carries a checksum
//     that pebble checks when a read or a background compaction reads the
//     block. On a mismatch, pebble's default would end the process; the
//     store records the damage instead, and from then on every operation
//     returns an error wrapping [ErrCorrupt] that names the directory and
//     the file, until Close, which releases the directory. A fatal error of
//     pebble, and a panic of pebble inside an operation, are handled the
//     same way. A damaged block is found only when something reads it: a
//     store can serve for a while from a directory with a damaged table.
//   - The seal, against a manifest that lost its newest edits: Close, on
//     a store that was written to, bumps a counter key in the database,
//     flushes everything to tables and writes the counter to the file
//     UNIONSTORE-SEAL, with a checksum. Open refuses ([ErrNotStore] and
//     [ErrCorrupt]) a directory in which pebble recovered a lower counter
//     than the file holds: pebble reads a damaged manifest up to its first
//     bad record and opens the older state that the good part describes,
//     without an error, and the seal is what notices that data flushed
//     before the last Close is gone. The comparison needs the state that
//     pebble recovers, so it runs after pebble has opened the directory,
//     which, unless [WithReadOnly], may already have deleted the tables
//     that the lost edits named: restore from a replica rather than from
//     the refused directory.
//   - The seal, against a lost log: while a store is open for writing,
//     the seal file names the newest write-ahead log that pebble created
//     for it (pebble reports each new log before it writes to it), and
//     Close clears it. If the seal file still names a log at the next
//     Open, the session ended without Close and its last saves are in that
//     log; Open refuses the directory ([ErrNotStore] and [ErrCorrupt])
//     when no log of that number or above is left, though older ones may
//     be. Should the seal file fail to be written when a log is created
//     (an I/O error, printed to standard error), it names an older log,
//     and a newer one may be lost unnoticed.
//   - A damaged seal file is refused; a deleted one leaves Open nothing to
//     compare with, and neither check above runs.
//
// Pebble's torn-write rule, the one silent loss: pebble replays the newest
// write-ahead log up to its first record that is cut off or fails its
// checksum, and unless a later intact record shows that this one was
// damaged (then Open refuses the directory), it takes the rest for a write
// torn by a crash and drops it without an error. So if a process ends
// without Close (a crash, a kill, os.Exit), the saves it acknowledged that
// pebble had not yet flushed to tables (up to 8 MiB, the memory tables
// not yet written, 64 MiB under WithLargeMemTables) live only in its newest logs until the next
// Open, which flushes them; if the newest log is damaged or cut short
// before then, the saves in it are lost from the damaged record on, whole
// batches from the newest, never part of a batch, and Open returns no
// error. The same goes
// for a log deleted together with the seal file. Pebble (v2.1)
// offers no stricter recovery of the newest log and keeps no record of
// which logs must exist, so the store cannot tell these losses from a torn
// write. What to do: Close stores (Close leaves nothing in the log); keep
// the default sync ([WithNoSync] lets a crash of the machine lose
// acknowledged saves the same way, with no damage at all); and keep
// replicas: a [unionstore.Union] with [unionstore.DegradedReads] reads on
// from its other members while this one fails, and Union.Repair, or the
// command's repair into a fresh directory, restores it.
//
// # Layout (version 3)
//
// The layout is fixed so that any program, such as the unionstore command,
// can read what a typed application wrote. Pebble keys and values, by the
// first byte of the key:
//
//	0x01 "format"                      the layout version in ASCII decimal, "3"
//	0x01 "id"                          the store's id, 16 hex digits
//	0x01 "seal"                        8 bytes: big-endian uint64, how many
//	                                   times Close sealed the store (see
//	                                   Damaged directories)
//	0x02 ns 0x00 kind 0x00 id          a record (below)
//	0x03 ns                            16 bytes: big-endian uint64 count of
//	                                   identities whose latest change is a
//	                                   set, then of those that are unset;
//	                                   stale while 0x04 ns exists
//	0x04 ns                            16 bytes: the stamp of the last save
//	                                   or tombstone purge since the counts
//	                                   were last counted (see Counts)
//	0x05 ns 0x00 revision              the feed entry of the changes of one
//	                                   batch in ns, keyed by the highest of
//	                                   their revisions: the first revision,
//	                                   then for each change in revision
//	                                   order, kind 0x00 id 0x00 (0x00 0x00
//	                                   for a change that a trim removed);
//	                                   revisions are big-endian uint64s
//	                                   (see Change feed)
//	0x06 ns                            8 bytes: big-endian uint64, the
//	                                   floor of the namespace's cursors
//
// Identities hold no zero byte ([unionstore.Changes.Validate] refuses
// them), so the zero byte after the namespace and after the kind sorts
// below any byte they hold: record keys sort bytewise by namespace, then
// kind, then id, a namespace's records are one key range that no other
// namespace shares ("ws" and "ws:x" are apart), and no two identities share
// a key (kind "k" with id "1:z" and kind "k:1" with id "z" are apart).
// Records are written as pebble merge operands (pebble may hold several
// per key until it compacts them) and read through the store's merge
// operator, which keeps the latest; a record that does not decode loses to
// any that does. A record is:
//
//	byte 0       record version, 1
//	byte 1       change type: 1 set, 2 unset (tombstone)
//	bytes 2-9    timestamp: big-endian int64 Unix nanoseconds
//	bytes 10-    the payload, as the codec encoded the entity (JSON by
//	             default); tombstones keep their entity's payload too
//
// Pebble records the merge operator's name, which is pebble's default,
// "pebble.concatenate", so that directories of version 1 (whose tables
// name it) still open; read with any other operator than the store's,
// versions 2 and 3 are misread. So beside pebble's files, before pebble
// opens a directory for writing, the store writes UNIONSTORE-FORMAT, which
// releases of version 1 refuse before they hand the directory to pebble
// (as a file they do not know, with [ErrNotStore]); its content, the line
// "unionstore pebble layout N" with the version of the release that wrote
// it first, is for people. Tools that open the directory with pebble
// itself must use the store's merge operator. Version 1 wrote whole
// records and exact counts, which versions 2 and 3 read as they are;
// version 3 added the change feed (the keys 0x05 and 0x06 and the id)
// to the records of version 2, which a release of version 2 would write
// without their feed entries: it refuses version 3 by the number
// ([ErrFormat]), and the records it would meet before (pebble's own
// replay and compactions) are records it reads. Open reads a directory of
// version 1 or 2, with an empty feed, and upgrades it to version 3 when it
// opens it for writing.
//
// The directory also holds UNIONSTORE-SEAL, 45 bytes:
// the 25 bytes "unionstore pebble seal 1\n", the seal counter that the
// last sealing Close wrote, the number of the write-ahead log of a
// session still open for writing (0 after Close), both as big-endian
// uint64s, and the CRC-32C (Castagnoli) of the bytes before it. It is
// replaced by renaming UNIONSTORE-SEAL.tmp over it.
//
// Timestamps are read back in UTC. Open refuses a database whose layout
// version is above 3 ([ErrFormat]), and a pebble database that has keys
// but no version ([ErrNotStore]).
//
// # Concurrency
//
// A [Store] is safe for concurrent use by many goroutines. One Store at a
// time, in one process, may hold a directory, whether it writes or only
// reads ([WithReadOnly]): pebble locks the directory for readers too.
package pebblestore
