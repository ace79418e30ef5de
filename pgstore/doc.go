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
// in a statement) and sends it as arrays to one INSERT ... ON CONFLICT
// statement in one transaction, whatever its size. The statement replaces a
// row only with a change whose timestamp is not older, so the database
// itself keeps the latest change, however many processes write to the
// table: on equal timestamps the transaction that commits later wins.
//
// # Reading
//
// [Store.Load] reads a namespace with one query. [Store.Scan] streams it in
// pages ordered by kind and id, each page resuming after the last row
// yielded, so memory stays bounded and no connection is held between pages.
// [Store.Namespaces] counts sets and tombstones per namespace in one query.
//
// # Concurrency
//
// A [Store] is safe for concurrent use. Saves from many stores on one table
// do not deadlock one another: each batch locks its rows in key order.
package pgstore
