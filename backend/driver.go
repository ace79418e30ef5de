package backend

import (
	"context"
	"iter"

	"github.com/unionstore/unionstore"
)

// Driver is the engine code of a store: what a backend writes for its
// database, and all it writes. [NewStore] wraps it in a [Store] that
// does the rest: the closed check, validation, stamping, the codec, the
// order and decoding of what is read, and errors that name the store.
//
// A driver sees records, never entities. Its methods are called
// concurrently. [Store] calls none after Close has returned, but Close may
// come while others still run: they should then fail soon, as a closed
// connection pool's calls do.
type Driver interface {
	// String names what the store opened, for its errors: a file's path,
	// a table and its database, a stream.
	String() string

	// Limits says what the engine cannot hold. [Store] refuses a batch
	// with a record beyond them before calling Put.
	Limits() Limits

	// Put writes records, each identity at most once, sorted by namespace,
	// kind and id. For each identity it keeps the record with the latest
	// timestamp; on equal timestamps the record put later wins
	// ([Record.Newer]). The engine must keep that rule under concurrent
	// writers, its own processes and others: a conditional write, a
	// compare in the engine, or a lock that every writer takes. Put
	// applies each record whole or not at all; its doc says whether a
	// batch is applied whole, and what an error leaves written.
	Put(ctx context.Context, records []Record) error

	// Scan yields the records of namespace, one per identity (the latest),
	// tombstones included, sorted by kind then id (byte order). It yields
	// an error at most once, as its last pair, and releases what it holds
	// when the caller stops early. An unknown namespace yields nothing.
	// The store is done with a yielded record's Payload before it asks
	// for the next pair: the driver may reuse its bytes (an iterator's
	// value, a page buffer).
	Scan(ctx context.Context, namespace string) iter.Seq2[Record, error]

	// Get returns the record of one identity and true, or false when the
	// engine holds none.
	Get(ctx context.Context, namespace, kind, id string) (Record, bool, error)

	// Namespaces returns every namespace that holds a record, sorted by
	// name, with the number of sets and of tombstones. Records it cannot
	// read are reported in an error wrapping [unionstore.ErrDecode],
	// returned with the counts of the rest.
	Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error)

	// Purge removes every record of namespace; an unknown namespace is not
	// an error.
	Purge(ctx context.Context, namespace string) error

	// PurgeTombstones removes the tombstones of namespace whose timestamp
	// is at most through, and returns how many it removed. A record saved
	// again meanwhile with a newer change must be kept.
	PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error)

	// Close releases what the driver holds. [Store] calls it once.
	Close() error
}

// LoadVisitor is implemented by drivers that read a whole namespace at
// once, as [Loader] does, but hand each record to visit, in Scan's order,
// instead of returning them: a record's Payload may then point into the
// engine's memory (a snapshot's values) until visit returns, since the
// store decodes it there. [Store.Load] prefers it to Loader.
type LoadVisitor interface {
	LoadVisit(ctx context.Context, namespace string, visit func(Record)) error
}

// LoadSizer is implemented by LoadVisitors that know cheaply (from a
// count they keep, without reading the records) about how many records a
// load of namespace will visit, so that [Store.Load] sizes its result
// once instead of growing it. The size is a hint: 0 when unknown.
type LoadSizer interface {
	LoadSize(namespace string) int
}

// Loader is implemented by drivers that read a whole namespace faster
// than by walking Scan, such as with one query. Load returns what Scan
// would yield, in the same order; [Store.Load] uses it when present.
type Loader interface {
	Load(ctx context.Context, namespace string) ([]Record, error)
}

// RecordChecker is implemented by drivers whose engine refuses records
// that [Limits] cannot describe, such as an index entry built from the
// namespace, kind and id together. [Store] calls CheckRecord for every
// record of a batch, after the limits, in Save and Check, and refuses the
// batch whole, before Put, when it returns an error.
type RecordChecker interface {
	CheckRecord(r Record) error
}

// BatchChecker is implemented by drivers whose engine bounds a batch as a
// whole, such as the size of one atomic write. [Store] calls CheckBatch
// with the encoded records of a batch, after each record passed the
// limits and [RecordChecker], in Save and Check, and refuses the batch
// whole, before Put, when it returns an error.
type BatchChecker interface {
	CheckBatch(records []Record) error
}

// Limits are the sizes an engine cannot store. Zero means no limit.
type Limits struct {
	// MaxKey is the most bytes of a namespace, a kind or an id, each.
	MaxKey int
	// MaxPayload is the most bytes of an encoded entity.
	MaxPayload int
}
