// Package pgstore is a [unionstore.Store] that keeps changes in a
// PostgreSQL table, through pgx and its connection pool.
//
// # Opening a store
//
// [OpenURL] connects to a postgres:// URL and returns a store that owns its
// pool. [New] builds a store on a pool the caller already has and leaves
// that pool to the caller. Both take [Option] values: the table and schema
// names ([WithTable], [WithSchema]), the codec ([WithCodec], JSON by
// default), and whether to create the table ([WithCreateSchema]).
//
// # Schema
//
// The table is created by [Store.CreateSchema], or by the constructor with
// [WithCreateSchema]; nothing else changes the database's schema. For the
// default table name the statement is:
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
// by their bytes, as Go does, whatever its locale. Namespaces, kinds and ids
// must therefore be valid UTF-8 without NUL bytes, which PostgreSQL text
// cannot hold; Save refuses other values before writing anything. The
// payload is bytea, so any codec's output can be stored.
//
// # Writing
//
// [Store.Save] compacts the batch (PostgreSQL cannot update one row twice
// in a statement) and writes it in one transaction with one INSERT ... ON
// CONFLICT statement, whatever its size. A batch of fewer than 5,000
// identities is sent as one array per column, parameters of that statement,
// which unnests them; a larger one is streamed with COPY into a temporary
// table dropped at commit, which the statement then reads. The statement
// replaces a row only with a change whose timestamp is not older, so the
// database itself keeps the latest change, however many processes write to
// the table: on equal timestamps the transaction that commits later wins.
//
// # Performance
//
// BenchmarkSaveVersusRowByRow measures Save against two row-by-row
// baselines in one run, each on a table of its own: the usual per-row
// INSERT loop, one upsert statement and one commit per change (measured on
// 1,000 changes per iteration, since each costs a commit; throughputs are
// compared), and a stricter loop that sends the same statements inside one
// transaction (10,000 changes). Save writes batches of 10,000 changes. On a
// 2-core virtual machine running both the benchmark and PostgreSQL 15 over
// loopback, the medians of five runs of
//
//	go test -run '^$' -bench BenchmarkSaveVersusRowByRow -benchtime 4x -count 5 ./pgstore/
//
// were, in changes per second:
//
//	                     Save      loop in one tx   autocommit loop
//	new identities       220,000   16,400 (13.3x)   5,180 (42.9x)
//	existing identities  178,000   16,100 (11.1x)   5,120 (34.9x)
//
// The ratio to the loop in one transaction is the narrow one, and it varies
// between runs (10.8x to 11.4x for existing identities above). That loop
// pays a network round trip and a statement execution per change, about
// 60 microseconds here, but commits once. Save pays no round trip per
// change: of its 4.5 to 5.6 microseconds per change, most is the server's
// own work on the upsert. Run by hand on 10,000 rows already in the
// server, the statement takes about 3.3 microseconds per row for new
// identities and 5 for existing ones, where it must find, lock and update
// each row; a plain INSERT takes 2 and a plain UPDATE 3, but neither keeps
// the latest change when saves race. The rest, about a microsecond per
// change, moves the rows: compaction, the codec and encoding on the client,
// decoding on the server. A faster server or a slower network widens the
// ratio; a server sharing a small machine with its client narrows it.
//
// Large batches are copied because, against the arrays in the same runs,
// the copy saved 10 to 15% at 10,000 changes, while below a few thousand
// its extra round trips and table creation, about a millisecond, cost more
// than it saved. Sending the arrays as text instead of binary was 25 to 35%
// slower.
package pgstore
