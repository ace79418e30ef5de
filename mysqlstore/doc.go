// Package mysqlstore is a [unionstore.Store] that keeps changes in a MySQL
// or MariaDB table, through database/sql and github.com/go-sql-driver/mysql.
// It is written on the [backend] layer: the store's checks, codec, errors
// and compaction are the layer's, and this package holds the SQL.
//
// # Opening a store
//
// [OpenURL] connects to a mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE URL
// and returns a store that owns its pool; the URL's parameters are table
// (as [WithTable]) and create=false (as [WithoutCreate]), and any other is
// refused. [New] builds a store on a *sql.DB the caller has, which Close
// leaves open. Both create the table if it is missing, unless told not to,
// and refuse a table whose columns are not the store's; both read the
// server's max_allowed_packet once.
//
// Errors name the store as `table "NAME" of mysql HOST:PORT/DATABASE`, from
// the URL for OpenURL and from the server (its @@hostname and @@port) for
// New; never a password.
//
// # Layout
//
// One row per identity, in a table created by this statement (version 2
// of the layout; the default table name is [DefaultTable]):
//
//	CREATE TABLE IF NOT EXISTS `unionstore_changes` (
//		namespace   VARBINARY(1024) NOT NULL,
//		kind        VARBINARY(1024) NOT NULL,
//		id          VARBINARY(1024) NOT NULL,
//		change_type ENUM('set', 'unset') CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
//		ts          BIGINT NOT NULL,
//		payload     LONGBLOB NOT NULL,
//		rev         BIGINT NOT NULL DEFAULT 0,
//		PRIMARY KEY (namespace, kind, id),
//		INDEX by_rev (namespace, rev)
//	) ENGINE = InnoDB ROW_FORMAT = DYNAMIC
//
// and, beside it, the change feed's table NAME_feed, one row per namespace
// written (its last revision, and the floor below which positions have
// expired) and one row, of the empty namespace, that holds the table's
// identity, a random number:
//
//	CREATE TABLE IF NOT EXISTS `unionstore_changes_feed` (
//		namespace VARBINARY(1024) NOT NULL PRIMARY KEY,
//		rev       BIGINT NOT NULL,
//		floor     BIGINT NOT NULL
//	) ENGINE = InnoDB
//
// A table of version 1, made before the change feed (without rev), is
// upgraded at open with ALTER TABLE ... ADD COLUMN rev BIGINT NOT NULL
// DEFAULT 0, ADD INDEX by_rev (namespace, rev): its rows take revision 0,
// older than any position. Under [WithoutCreate] it is refused instead,
// with an error that gives the statement. Every store writing a table must
// be of this release once it is upgraded: an older one would change rows
// without a revision, and watchers would miss its changes.
//
// The keys are binary strings, so the server compares and orders them by
// their bytes, as Go does: ids "A" and "a", or "a" and "a ", are distinct
// entities whatever the server's collation, and Scan's order is Go's. A
// table whose keys are text (VARCHAR, with a collation that would merge
// such ids) is refused at open. ts is the change's time in Unix
// nanoseconds; payload is the codec's encoding of the entity, for sets and
// unsets alike. rev is the namespace's revision of the row's last change
// (see Change feed).
//
// # Limits
//
//   - A namespace, a kind and an id may each take at most [MaxKey], 1,024
//     bytes: the three columns of the primary key share InnoDB's limit of
//     3,072 bytes on an index key, and the layer's limit is per part, so
//     each has a third (a long id cannot borrow from a short namespace).
//   - A payload may take at most the server's max_allowed_packet, as read
//     at open, less 16 KiB for the rest of the row: a row must fit in one
//     packet when it is read back. MariaDB's default is 16 MiB, MySQL 8's
//     64 MiB. A server whose max_allowed_packet is lowered later refuses
//     payloads the store accepts; reopen the store.
//   - A table name may take at most 59 bytes, MySQL's 64 less the "_feed"
//     of its feed table.
//
// [Store.Check] and Save refuse a change beyond a limit before writing
// anything, with an error wrapping [unionstore.ErrInvalidChange] and
// [backend.ErrKeyTooLong] or [backend.ErrPayloadTooLarge]. A batch has no
// limit of its own.
//
// # Writing
//
// Save sends a batch, compacted and sorted by the layer, in one
// transaction: first one statement per namespace of the batch that takes
// its revisions (see Change feed), then multi-row INSERT ... ON DUPLICATE
// KEY UPDATE statements whose assignments replace a row only with a change
// whose timestamp is not older:
//
//	change_type = IF(VALUES(ts) >= ts, VALUES(change_type), change_type),
//	payload = IF(VALUES(ts) >= ts, VALUES(payload), payload),
//	rev = IF(VALUES(ts) >= ts, VALUES(rev), rev),
//	ts = IF(VALUES(ts) >= ts, VALUES(ts), ts)
//
// so the server keeps the latest change however many processes write to
// the table, and on equal timestamps the statement that runs later wins.
// MySQL assigns left to right, the later assignments seeing the earlier
// ones' values, so ts is assigned last and every condition reads the row
// as stored. VALUES() works on MySQL 5.7 and 8 (where it is deprecated but
// kept) and on MariaDB, which lacks MySQL 8.0.19's row alias. The tests
// run against MariaDB 10.11.
//
// A batch whose statement, escaped, would exceed max_allowed_packet, or
// that has more than 9,362 rows (a prepared statement's 65,535
// parameters), is split into several statements, in the batch's
// transaction: a batch is applied whole or not at all, and an error leaves
// nothing of it written. A row too large to send escaped into its statement is sent
// in a prepared statement of its own, its payload apart. Concurrent writes
// of the same rows can deadlock in InnoDB; the server then rolls the batch
// back and Save tries it again, with a growing pause, eight tries at most, which
// is safe because each row keeps the latest change. A lock wait timeout
// (innodb_lock_wait_timeout) is returned as the error it is.
//
// # Reading
//
// [Store.Load] reads a namespace with one query. [Store.Scan] reads it in
// pages of [DefaultPageSize] rows (see [WithPageSize]) by primary key, each
// page one query that begins after the last key read, so that memory does
// not grow with the namespace and each page costs the same; a page is read
// whole before it is yielded, so no connection stays busy while the caller
// works. A Scan walked twice reads the table twice. [Store.Get] reads one
// row by primary key. [Store.Namespaces] groups the table by namespace,
// counting sets and unsets, which reads every row.
//
// # Purging
//
// [Store.Purge] deletes a namespace's rows, and [Store.PurgeTombstones]
// its unsets at most as new as the cut-off, each in DELETEs of at most
// 5,000 rows that commit one by one, so that no transaction holds the
// locks of a whole namespace: a purge that fails midway has deleted part
// of what it would have. The tombstones' DELETE checks the change type and
// the timestamp on each row as it deletes it, so a tombstone replaced
// meanwhile by a newer save is kept. Each DELETE's transaction also
// raises the namespace's floor (see Change feed).
//
// # Change feed
//
// A [Store] is a [unionstore.Watcher]: [Store.Snapshot] returns what Load
// returns and its cursor, and [Store.Watch] yields every change committed
// after a cursor. A cursor is the table's identity and a revision of the
// namespace, such as "5f3a9c0e21d4b7-42".
//
// Every row a save writes takes a revision of its namespace, one greater
// than the last, from the namespace's row of the feed table, in the
// save's transaction: INSERT ... ON DUPLICATE KEY UPDATE rev =
// LAST_INSERT_ID(rev + n) locks that row until the commit, so the writers
// of a namespace, in every process, take their revisions one after the
// other and commit them in that order. A watcher that has read revision r
// can therefore never meet a revision below r committed later (an
// AUTO_INCREMENT column would allow it: its values commit out of order).
// The cost is that the saves of one namespace commit one at a time, and
// that a save runs in a transaction of at least four round trips (begin,
// revisions, upsert, commit).
//
// Watch polls with one statement that reads, from one snapshot, the
// namespace's last revision and floor and the next rows of revision above
// the cursor's, in order, on the by_rev index, [DefaultPageSize] at a time
// (see [WithPageSize]). It polls every [DefaultPollInterval], 100ms (see
// [WithPollInterval]), and at once when a save or purge of the same
// [Store] commits; changes of other stores and processes arrive within a
// poll interval. BenchmarkWatch measures the delay from Save to the event.
//
// History: the table holds the latest change of each identity with its
// revision, so a watch from any cursor of the table gets the changes
// since then, the superseded ones left out (a compacted log). A cursor
// does not expire with age, nor with a reopen; it expires, with an error
// wrapping [unionstore.ErrCursorExpired], when it is of another table (or
// a table dropped and made again), when it is beyond the namespace's last
// revision (a table restored from an older copy), and when it is below
// the namespace's floor:
//
//   - Purge takes a revision of its own and makes it the floor, in the
//     transaction of each of its DELETEs: every cursor taken before the
//     purge expires, a watcher that was up to date included, since a
//     deletion is no event. A watcher then takes a new snapshot
//     ([unionstore.Follow] does), which shows the namespace empty.
//   - PurgeTombstones raises the floor to the newest revision among the
//     tombstones it deletes: a watcher whose cursor is before that
//     revision could miss a tombstone, and expires; a watcher at or after
//     it has seen every tombstone deleted, and goes on.
//
// # Durability and concurrency
//
// Save returns once the server has committed the batch; what survives a
// crash of the server is what InnoDB's settings promise: every commit with
// innodb_flush_log_at_trx_commit=1 (the default), up to a second of them
// otherwise. A Store is safe for concurrent use, and any number of stores,
// in one process or many, may share a table.
//
// # Damage
//
// The server keeps the data and detects damage to its pages (InnoDB's page
// checksums), failing the read that meets it. The store checks each row it
// reads: a change type other than set or unset (an invalid ENUM value
// reads as ""), or a payload the codec cannot decode into an entity of the
// row's kind and id, is left out and reported in an error wrapping
// [unionstore.ErrDecode] that names the namespace, kind and id, with the
// changes that did decode. Not detected: a row changed to other values
// that still decode. What to do: run a replica (a [unionstore.Union] with
// another store, and Union.Repair after a failure).
//
// # Performance
//
// BenchmarkWatch reports the median and 99th percentile of the delay from
// Save returning to the event arriving, and events per second, for Watch
// and for the raw polling query alone, without decoding.
//
// BenchmarkSaveVersusRaw measures, in one run, Save of batches of 100,
// 1,000 and 10,000 new changes against plain multi-row INSERTs of the same
// rows, split and run the same way, into a table of their own, and reports
// Save's rate over the raw path's ("x-of-raw"). A pool whose DSN sets
// interpolateParams=true, as OpenURL's does, sends each statement in one
// round trip; otherwise the driver prepares and closes each statement,
// three round trips.
package mysqlstore
