// Package backend is what a store implementation needs from unionstore,
// in one place: a [Driver] interface for the engine code, a generic
// [Store] that turns a driver into a [unionstore.Store] with every
// optional interface, and the helpers of a backend's options ([Apply],
// [Codec]). Users of unionstore do not import it; authors of backends do.
//
// A backend is a module of its own (boltstore, mysqlstore) holding
// engine code only: a driver, its options, an exported store type and
// its tests.
//
// # The driver
//
// A driver is a type with the methods of [Driver]. It reads and writes
// [Record]s (identity, type, timestamp in nanoseconds, encoded payload)
// and never sees entities. Put must keep last-write-wins in the engine,
// under concurrent writers of every process: a write conditioned on the
// stored timestamp (an upsert's WHERE, a script that compares), not a
// read followed by a write. [Record.Newer] is the rule. Scan yields one
// record per identity, sorted by kind then id in byte order, and pages so
// that its memory does not grow with the namespace: [ScanPages] is the
// loop of a Scan whose each page starts after the last key of the one
// before; an engine that keeps a namespace in write order (a stream, a
// log) reads it once into a [Sorter], which sorts in memory up to a
// threshold and through sorted runs on disk ([Runs]) beyond it. A driver whose
// layout stores a change's type as a byte uses
// [TypeCode] and [TypeOfCode], and one that keeps each namespace's counts
// beside its records, [Counts]. A driver that can read a namespace at once
// faster implements [Loader] as well (or [LoadVisitor], to hand over
// records whose payloads point into the engine's memory), one whose
// engine bounds what a batch or a record may hold beyond [Limits]
// implements [BatchChecker] or [RecordChecker], and one with a change
// feed implements [Feeder], which makes the store a [unionstore.Watcher].
// A driver whose engine can number each namespace's changes in commit
// order (a counter row taken in the write transaction, a single writer)
// writes the reading of a namespace's last revision and of a page only,
// and leaves the rest of its feed to [Revisions] ([Revisions.Snapshot],
// [Revisions.WatchNamespace]).
//
// Purge and PurgeTombstones may work in steps that each commit, if their
// docs say what a failure midway leaves. Put may retry what the engine
// reports as retryable (a deadlock, a lost race), since a record applied
// twice is applied once. A Put that can guess, cheaply and safely, that
// its identities are new (an insert that fails on a stored one, a
// publish that expects an empty subject) takes that path while the guess
// holds, and backs off when it fails, through a [FastPath]. A record whose stored form the driver cannot
// read (a damaged value, an unknown type) is returned as [Damaged], for
// [Store] to report as undecodable beside the records that read well,
// rather than as an error that ends the read. Close
// may come while other calls run: it must leave the driver's handles in
// a state where those calls fail, not crash.
//
// # Options
//
// Options have one shape and are applied with [Configure], which refuses
// an invalid value, or a codec of another entity type, before anything
// connects. The codec, whose type the options cannot know, is kept in a
// [Codec] and taken back, checked, by [NewStore]:
//
//	type Option func(*config) error
//
//	type config struct {
//		codec backend.Codec
//		table string
//	}
//
//	func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
//		return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
//	}
//
// A count or a duration that must be above zero, or not below it, is set
// with [SetPositive] or [SetNotNegative], which refuse it in the words
// every backend uses. OpenURL reads a true/false query parameter with
// [ParseURLBool] and refuses one it does not take with [UnknownURLParam],
// so that every backend's URL errors read alike. An error that names an
// identity quotes it with [Quote], which keeps a huge key readable.
//
// # The store type
//
// The exported store type embeds *[Store] and adds only what is its own,
// with the constructors of the other backends: Open (a path), OpenURL (a
// URL; the store owns its connection) and New (the caller's client):
//
//	type Store[E unionstore.Entity] struct {
//		*backend.Store[E]
//		table string
//	}
//
//	var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
//
//	func New[E unionstore.Entity](ctx context.Context, db *sql.DB, opts ...Option) (*Store[E], error) {
//		c := config{table: DefaultTable}
//		if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
//			return nil, fmt.Errorf("mysqlstore: %w", err)
//		}
//		s, err := backend.NewStore[E]("mysqlstore", &driver{db: db, table: c.table}, c.codec)
//		if err != nil {
//			return nil, err
//		}
//		return &Store[E]{Store: s, table: c.table}, nil
//	}
//
// [Store] does the rest, so that no driver repeats it: the ctx and closed
// checks of every method, [unionstore.Changes.Validate], stamping zero
// timestamps, keeping one change per identity of a batch (the latest; the
// later one on a tie), the codec and its read-back check, the driver's
// [Limits], decoding each record and checking that it holds the entity it
// was stored under ([unionstore.DecodeEntity]), leaving out undecodable
// records with an error wrapping [unionstore.ErrDecode], the cut of
// [unionstore.TombstonePurger], and errors of the form
// `mysqlstore: load "ns" from table "t": cause` that wrap ctx.Err() or
// [unionstore.ErrClosed] when either explains them. A method of the
// backend's own (a compaction, a read of many keys) runs through
// [Store.Do] to get the same checks and names.
//
// # Tests
//
// A backend's tests run storetest.Run (with storetest.WithReopen for a
// durable engine), storetest.ConcurrentWriters with several clients on
// one database, and a test that fails when the engine's timestamp
// condition is removed. An embedded engine also runs storetest.Crash and
// damage rounds: a damaged file gives an error, never a panic. A driver
// with a change feed runs storetest.WatchUnderWriters with several clients
// and storetest.BenchmarkWatch beside its engine's own feed; storetest.Server
// and storetest.Shared hold a test server's address, skip rules and shared
// connection, and the scratch names of its tests and examples.
package backend
