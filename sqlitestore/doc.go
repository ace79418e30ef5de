// Package sqlitestore is a durable [unionstore.Store] in one SQLite file:
// no server, no cgo (the modernc.org/sqlite translation of SQLite to Go),
// one table, and SQLite's own locking, so that several processes may use
// the file at once.
//
//	s, err := sqlitestore.Open[Customer]("shop.db")
//
// [Store] is written on the layer of package backend, which does the
// validation, stamping, batch compaction, encoding and decoding of every
// backend; this package holds SQLite's code only. A store implements
// [unionstore.Checker], [unionstore.Getter], [unionstore.Scanner],
// [unionstore.NamespaceLister], [unionstore.Purger],
// [unionstore.TombstonePurger] and [unionstore.Watcher] (see Change feed).
//
// # File layout (format version 2)
//
// The file is an ordinary SQLite database in WAL mode, which any SQLite
// tool can read. Its header's application id is 0x554E5354 ("UNST") and
// its user version the layout version, 2. It holds two tables and an
// index:
//
//	CREATE TABLE records (
//		namespace TEXT NOT NULL,
//		kind TEXT NOT NULL,
//		id TEXT NOT NULL,
//		type INTEGER NOT NULL,     -- 1 set, 2 unset (a tombstone)
//		ts INTEGER NOT NULL,       -- the change's Unix nanoseconds
//		payload BLOB NOT NULL,     -- the codec's encoding of the entity,
//		                           -- for sets and tombstones alike
//		rev INTEGER NOT NULL DEFAULT 0, -- the namespace's revision of
//		                           -- the row's last change
//		PRIMARY KEY (namespace, kind, id)
//	) WITHOUT ROWID
//	CREATE INDEX records_rev ON records (namespace, rev)
//	CREATE TABLE feed (
//		namespace TEXT NOT NULL PRIMARY KEY,
//		rev INTEGER NOT NULL,      -- the namespace's last revision
//		floor INTEGER NOT NULL     -- positions below it have expired
//	) WITHOUT ROWID
//
// The feed row of the empty namespace, which no change can have, holds
// the file's identity instead, a random number, in its rev.
//
// One row per identity, the latest change; the table is clustered on its
// key, whose TEXT columns compare with SQLite's BINARY collation, which
// is byte order: a namespace's rows are read in the order of
// [unionstore.Store]'s Load without a sort.
//
// Open creates the tables, and marks the file, in a file that is new or
// an empty database. A file of version 1, written before the change feed
// (the records table without rev, no index, no feed table), is read as it
// is by a store opened with [WithReadOnly], whose Snapshot and Watch then
// return an error wrapping [errors.ErrUnsupported]; a store opened for
// writing upgrades it to version 2 in one transaction (ALTER TABLE
// records ADD COLUMN rev ..., whose rows take revision 0, older than any
// position), after which releases before the change feed refuse it with
// their ErrFormat. It refuses with [ErrNotStore], writing nothing, a
// database of another program (another application id, or tables without
// one) and a file that is no SQLite database; with [ErrFormat] a file of
// a later layout version; and with [ErrCorrupt] a marked file whose tables
// are missing or not defined as above.
//
// # Writing and durability
//
// Save writes its batch in one transaction, all of it or nothing, as
// multi-row upserts:
//
//	INSERT INTO records (...) VALUES (...), ...
//	ON CONFLICT (namespace, kind, id) DO UPDATE
//	SET type = excluded.type, ts = excluded.ts, payload = excluded.payload
//	WHERE excluded.ts >= records.ts
//
// The WHERE keeps last-write-wins in SQLite itself: a stored row is
// replaced only by a change at least as late, and on equal timestamps by
// the later save. A row replaced takes its namespace's next revision,
// taken in the same transaction (see Change feed). The transaction begins with BEGIN IMMEDIATE, which takes
// the file's write lock, so the condition holds against every writer of
// every process.
//
// Save returns once SQLite has committed. By default (synchronous=FULL,
// [SyncFull]) the commit syncs the write-ahead log first, so a saved
// batch survives a crash of the process or of the machine, as far as the
// disk keeps what it acknowledged to fsync. [WithSync]([SyncNormal]) syncs
// only at checkpoints: still safe from a crash of the process, but a
// power cut can undo the batches committed since the last checkpoint.
// [WithNoSync] syncs nothing, for tests and loads that can be redone. A
// checkpoint copies the log into the file every thousand pages or so, and
// the last connection to close, such as [Store.Close] of the only store,
// checkpoints and removes the log; a killed process leaves the log, which
// the next open replays.
//
// # Reading
//
// Load reads a namespace with one statement, from one snapshot. Scan
// reads it 512 rows at a time, each page by its own statement starting
// after the last key yielded, and holds no transaction while the caller's
// loop runs: the caller may save from it, memory holds one page, and a
// walk that runs beside writers yields each identity once, as it was when
// its page was read. Get reads one row by its key. Namespaces counts the
// rows of every namespace by their type, one pass over the table: its
// cost grows with the whole store. Timestamps are read back in UTC.
//
// # Purging
//
// Purge deletes a namespace's rows with one statement, in one
// transaction. PurgeTombstones deletes the tombstones of a namespace at or
// before the cut with one statement; SQLite evaluates its condition under
// the write lock, so a change saved meanwhile, newer than the cut, is
// kept. Both also set the namespace's floor in their transaction: see
// Change feed. Deleted pages go to SQLite's free list and are reused by
// later saves; the file does not shrink (SQLite's VACUUM shrinks it).
//
// # Change feed
//
// [Store.Snapshot] returns what Load returns and its cursor, and
// [Store.Watch] yields every change committed after a cursor, from any
// store or process writing the file. A cursor is the file's identity and a
// revision of the namespace, such as "5f3a9c0e21d4b7-42".
//
// Every row a save writes takes a revision of its namespace, one greater
// than the last, from the namespace's feed row, in the save's transaction.
// SQLite lets one transaction write the file at a time, and a save's
// transaction holds the write lock from its start (BEGIN IMMEDIATE), so
// revisions are taken in the order of the commits: a watcher that has
// read revision r never meets a revision below r committed later.
//
// Watch polls with one statement that reads, from one snapshot, the
// namespace's floor and last revision and the next rows of revision above
// its cursor's, in order, on the records_rev index, 512 at a time. It looks again every [DefaultPollInterval], 50ms (see
// [WithPollInterval]), and at once when a save or purge of the same
// [Store] commits: changes of other stores and processes arrive within a
// poll interval. BenchmarkWatch measures the delay from Save to the event.
//
// History: the file holds the latest change of each identity with its
// revision, so a watch from any cursor of the file gets the changes since
// then, the superseded ones left out (a compacted log). A cursor does not
// expire with age, nor with a reopen; it expires, with an error wrapping
// [unionstore.ErrCursorExpired], when it is of another file, when it is
// beyond the namespace's last revision (a file restored from an older
// copy), and when it is below the namespace's floor:
//
//   - Purge takes a revision of its own and makes it the floor, in its
//     transaction: every cursor taken before the purge expires, a watcher
//     that was up to date included, since a deletion is no event. A
//     watcher then takes a new snapshot ([unionstore.Follow] does), which
//     shows the namespace empty.
//   - PurgeTombstones raises the floor to the newest revision among the
//     tombstones it deletes: a watcher whose cursor is before that
//     revision could miss a tombstone, and expires; a watcher at or after
//     it has seen every tombstone deleted, and goes on.
//
// # Limits
//
// SQLite bounds a row, and each string or blob in it, to 1,000,000,000
// bytes (SQLITE_MAX_LENGTH). The store refuses, through [Store.Check] and
// before Save writes anything, with an error wrapping
// [unionstore.ErrInvalidChange], a namespace, kind or id of more than 1
// MiB ([ErrKeyTooLong]) and a payload of more than that limit less 3 MiB
// and 64 bytes ([ErrPayloadTooLarge]), so that a row always fits. A batch
// is written in one transaction: SQLite holds its pages in memory and in
// the log until the commit.
//
// # Concurrency
//
// A [Store] is safe for concurrent use. Its reads run on a pool of
// connections beside each other and beside a write; its writes (Save,
// Purge, PurgeTombstones) take turns in the store, one at a time, as
// SQLite lets one transaction write a file at a time. Other stores and
// other processes may open the same file for reading and writing at once:
// their writers wait for the file's lock up to the busy timeout
// ([WithBusyTimeout], [DefaultBusyTimeout]) and then fail with SQLite's
// "database is locked". Readers never wait for writers in WAL mode.
// [WithReadOnly] opens the file with mode=ro: Save, Purge and
// PurgeTombstones then return an error wrapping [unionstore.ErrReadOnly].
// WAL mode needs shared memory: the file must be on a local file system,
// not a network share.
//
// # Damaged files
//
// SQLite checks the structure of every page it reads (with
// cell_size_check on, the size of every cell too), so a damaged file gives
// errors, never a crash: every operation that meets damage returns an
// error wrapping [ErrCorrupt] that names the file, from SQLite's
// SQLITE_CORRUPT ("database disk image is malformed") or SQLITE_NOTADB,
// or from a row whose columns are not of the layout's types. A row whose
// payload does not decode is left out of reads and reported as a
// [unionstore.DecodeError] naming its identity, while the others load.
// A damaged write-ahead log is not an error: SQLite checks the checksums
// of its frames and replays the log up to the first bad one, so the file
// stays consistent and the batches after it are lost.
// Not detected: SQLite keeps no checksums of its pages, so a byte changed
// inside a key, a timestamp or a payload that still decodes reads back
// changed.
//
// [WithQuickCheck] runs PRAGMA quick_check at Open, which reads every page
// of the file, so its cost grows with the file (BenchmarkOpenQuickCheck
// measures it); it is off by default. To repair a damaged file, restore it
// from a replica (Union.Repair, or the command's repair, into a fresh
// file), or recover what SQLite can still read with the sqlite3 shell's
// .recover into a new database.
package sqlitestore
