// Package pgstore is a [unionstore.Store] that keeps changes in a
// PostgreSQL table, through pgx and its connection pool.
//
// # Opening a store
//
// [OpenURL] connects to a postgres:// URL and returns a store that owns its
// pool. [New] builds a store on a pool the caller already has and leaves
// that pool to the caller. Both take [Option] values: the table and schema
// names ([WithTable], [WithSchema]), the codec ([WithCodec], JSON by
// default), and whether to create the table.
//
// OpenURL creates the table when it is missing, so that a store opened on
// an empty database takes its first Save; when the table exists it only
// looks it up, which needs no privilege to create anything. A store that
// only reads, or whose role may not create tables, is opened with
// [WithoutCreateSchema] or the URL parameter create=false, and then creates
// nothing. New creates the table only with [WithCreateSchema]: it is given
// a pool the caller manages, and does not touch the database otherwise.
// A missing table is reported by the first Save or Load, with an error that
// says how to create it.
//
// # Schema
//
// The table is created by [Store.CreateSchema], by [OpenURL] unless told
// not to, or by [New] with [WithCreateSchema]; nothing else changes the
// database's schema. For the default table name the statement is:
//
//	CREATE TABLE IF NOT EXISTS "unionstore_changes" (
//		namespace   text COLLATE "C" NOT NULL,
//		kind        text COLLATE "C" NOT NULL,
//		id          text COLLATE "C" NOT NULL,
//		change_type text NOT NULL CHECK (change_type IN ('set', 'unset')),
//		-- Unix nanoseconds: orders the versions of an entity exactly.
//		ts          bigint NOT NULL,
//		-- The codec's encoding of the entity, for sets and unsets alike.
//		payload     bytea NOT NULL,
//		PRIMARY KEY (namespace, kind, id)
//	) WITH (fillfactor = 80)
//
// [SchemaSQL] returns it for other names. There is one row per identity.
// The timestamp is an integer of nanoseconds because PostgreSQL's timestamp
// types keep only microseconds; to read it as a time, select
// to_timestamp(ts / 1e9). The "C" collation makes the database order keys
// by their bytes, as Go does, whatever its locale. The payload is bytea,
// so any codec's output can be stored.
//
// # Limits
//
// Namespaces, kinds and ids are text, which must be valid UTF-8 without NUL
// bytes; [unionstore.Changes.Validate] refuses other values. PostgreSQL
// adds two limits of its own, which [Store.Check] checks without writing
// and [Store.Save] checks before sending anything to the server:
//
//   - The primary key's index entry for (namespace, kind, id) must fit in a
//     btree page: at most [MaxKeySize], 2704 bytes, on the default 8 kB
//     page. [KeySize] computes an entry's size: an 8-byte header, then
//     each value with a 1-byte length header if it has at most 126 bytes,
//     or else a 4-byte header aligned on 4 bytes, the whole padded to a
//     multiple of 8. With a short namespace and kind, an id may have up to
//     2,684 bytes; a random id of 3,000 bytes is refused. PostgreSQL
//     compresses long values in the index when it can, so it would accept
//     some longer, repetitive ids; Save does not, so that what it accepts
//     does not depend on how well an id compresses.
//   - A payload, the codec's encoding of an entity, may take at most
//     [MaxPayload] bytes, 1 GiB less 1 MiB: PostgreSQL holds at most 1 GB
//     in one value. Payloads that large need several times their size in
//     the server's memory.
//
// A change beyond a limit is refused with an error that wraps
// [unionstore.ErrInvalidChange] and names the change, its namespace, kind
// and id (shortened when long), and the limit. A [unionstore.Union] asks
// Check before writing any member, so a batch PostgreSQL cannot hold is
// written to none. An entity the codec cannot encode is refused the same
// way. A batch has no limit of its own.
//
// # Damage
//
// PostgreSQL keeps the data; what detects damage to it is the server's: a
// cluster initialized with data checksums (initdb --data-checksums, or
// pg_checksums) refuses a damaged page, and the read that meets it
// returns the server's error. The store itself checks each row it reads:
// a change type other than set or unset, or a payload the codec cannot
// decode into an entity of the row's kind and id, is an error naming the
// namespace, kind and id (a [unionstore.DecodeError]), never a skipped
// row. Not detected: a row changed to other values that still decode, and
// any damage on a cluster without data checksums. What to do: run a
// replica (a [unionstore.Union] with another store, and Union.Repair after
// a failure), and enable data checksums.
//
// # Writing
//
// [Store.Save] compacts the batch (PostgreSQL cannot update one row twice
// in a statement) and writes it in one transaction, whatever its size. It
// first inserts the batch as it is, by one plain INSERT, or one COPY
// straight into the table for a batch of 5,000 identities or more. That
// statement never replaces a row: it fails, writing nothing, on the first
// identity the table holds or that a concurrent save commits meanwhile.
// Save then writes the batch with one INSERT ... ON CONFLICT statement,
// which replaces a row only with a change whose timestamp is not older, so
// the database itself keeps the latest change, however many processes
// write to the table: on equal timestamps the transaction that commits
// later wins. A batch of fewer than 5,000 identities is sent as one array
// per column, parameters of the statements, which unnest them; a larger
// one, or one whose payloads take 64 MB or more, is streamed with COPY, for
// the upsert into a temporary table dropped at commit, which the statement
// then reads.
//
// The insert costs the server about half the upsert, which inserts each
// row speculatively under a lock of its own. A failed insert costs a round
// trip, the rows inserted before the conflict, and a duplicate key error
// in the server's log; so after a failure Save upserts the next batch
// directly, after failures in a row the next 2, 4, up to 64, and tries
// the insert again after that. A store whose saves overwrite stored
// identities thus tries, and fails, once in 65 saves; one whose saves add
// identities inserts every time.
//
// # Reading
//
// [Store.Load] reads a namespace with one query; [Store.Scan] streams it in
// pages. [Store.Get] reads one entity by primary key and [Store.GetMany]
// several with one query, each at the cost of one round trip whatever the
// size of the namespace.
//
// # Performance
//
// Figures live in the repository's benchmark report
// (docs/benchmarks/BENCHMARKS.md, written by its benchreport command),
// measured in one run with their spread: the pgstore rows pg-save-copy and
// those after it (Save, and each design it was chosen from, against COPY of
// the same rows into an unlogged table, BenchmarkSaveVersusCopy),
// pg-save-changelog-100 to -10000 (Save against the old design's
// changelog writer, BenchmarkSaveVersusChangelog), pg-server-upsert and
// pg-server-insert (the server's time for each statement,
// BenchmarkSaveDesignsOnServer), and pg-save-row-loop-new and
// pg-save-row-loop-existing (Save against one upsert per change in one
// transaction). The module's README says what the designs showed and
// gives the commands of BenchmarkSave and BenchmarkRead.
//
// BenchmarkSaveVersusRowByRow measures Save against two row-by-row
// baselines in one run, each on a table of its own: the usual per-row
// INSERT loop, one upsert statement and one commit per change (measured on
// 1,000 changes per iteration, since each costs a commit; throughputs are
// compared), and a stricter loop that sends the same statements inside one
// transaction (10,000 changes). Save writes batches of 10,000 changes.
//
// The loop in one transaction pays a network round trip and a statement
// execution per change but commits once. Save pays no round trip per
// change: most of its time is the server's own work on its statement, for
// existing identities the upsert, which must find, lock and update each
// row. A plain UPDATE would be cheaper, but would not keep the latest
// change when saves race. The rest moves the rows: compaction, the codec and
// encoding on the client, decoding on the server. A faster server or a
// slower network widens the ratio; a server sharing a small machine with
// its client narrows it.
//
// Large batches are copied, into the table or into a temporary table,
// because, against arrays of the rows measured in the same runs, the copy
// was faster at 10,000 changes, while below a few thousand its extra round trips and
// table creation cost more than it saved; arrays sent as text were slower
// than binary ones.
package pgstore
