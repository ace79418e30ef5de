package unionstore

import (
	"context"
	"iter"
)

// Entity is a value that a [Store] persists. CompactionKey returns the
// entity's kind (its type, such as "deployment") and its id within that
// kind. Together with a change's namespace they form the entity's identity:
// two changes with the same namespace, kind and id are versions of one entity.
//
// CompactionKey must not depend on mutable state and must be cheap: stores
// call it for every change they handle. A durable store keeps an entity
// through a [Codec], so its kind and id must survive the codec: with
// [JSONCodec], the fields CompactionKey reads must be exported. Such a store
// refuses, at the first Save of each kind, an entity that does not come
// back with its own kind and id.
type Entity interface {
	CompactionKey() (kind, id string)
}

// Store persists changes to entities, grouped by namespace.
//
// Save writes a batch of changes. A store keeps, per identity, only the
// change with the latest timestamp; on equal timestamps the change saved
// later wins, and within one batch the later change in the batch wins.
// Deletions are changes of type [ChangeTypeUnset] (tombstones) and follow the
// same rule. A change with a zero timestamp is stamped with the current time.
// A batch that fails validation is rejected whole with an error wrapping
// [ErrInvalidChange] and nothing is written. Save must not modify the batch
// or keep it after it returns: a [Union] hands the same batch to all its
// members at once.
//
// Load returns the latest change of each identity in a namespace, tombstones
// included, each identity once, sorted by kind then id. The slice belongs to
// the caller. An unknown namespace gives an empty result, not an error. A
// store may return the changes it could read together with an error (for
// example a record that does not decode); a [Union] counts such a member as
// failed and uses none of its changes.
//
// Close releases the store. It is safe to call more than once; afterwards
// Save and Load return [ErrClosed].
//
// The same holds for the methods of the optional interfaces that take a
// context ([Scanner], [NamespaceLister], [Getter], [Purger],
// [TombstonePurger], [Watcher]): after Close each returns, or yields, an
// error wrapping ErrClosed, and on a context that is done, an error
// wrapping the context's. The conformance suite, storetest, checks both.
type Store[E Entity] interface {
	Save(ctx context.Context, changes Changes[E]) error
	Load(ctx context.Context, namespace string) (Changes[E], error)
	Close() error
}

// Scanner is implemented by stores that can stream a namespace in order.
//
// Scan yields the same changes that Load returns, in the same (kind, id)
// order, without holding them all in memory at once. It yields a non-nil
// error at most once, as its last pair. The sequence reads the store afresh
// each time it is walked, so it may be walked more than once; breaking out of
// the loop early releases what the scan holds.
//
// When every member of a [Union] implements Scanner, the union merges them
// as a stream whose memory grows with the number of stores, not with the
// number of entities.
type Scanner[E Entity] interface {
	Scan(ctx context.Context, namespace string) iter.Seq2[Change[E], error]
}

// NamespaceLister is implemented by stores that can list their namespaces
// cheaply.
//
// Namespaces returns every namespace that holds at least one change, sorted
// by name, with its counts.
type NamespaceLister interface {
	Namespaces(ctx context.Context) ([]NamespaceStat, error)
}

// NamespaceStat describes one namespace of a store.
type NamespaceStat struct {
	Namespace string
	// Entities counts the identities whose latest change is a set.
	Entities int
	// Tombstones counts the identities whose latest change is an unset.
	Tombstones int
}

// Getter is implemented by stores that can read one entity without loading
// its namespace: a key lookup in an embedded store, one row by primary key
// in a database.
//
// Get returns the latest change of the identity (namespace, kind, id), a
// tombstone included, and true; or a zero change and false when the store
// holds nothing for it. An unset is returned as a change, not as "absent",
// so that a [Union] can tell a deletion from a member that lacks the
// entity. Get returns what Load would return for that identity, and
// [ErrClosed] after Close.
type Getter[E Entity] interface {
	Get(ctx context.Context, namespace, kind, id string) (Change[E], bool, error)
}

// Checker is implemented by stores that cannot hold every batch that
// [Changes.Validate] accepts, such as a key longer than their index allows.
//
// Check reports, without writing anything, whether Save would accept the
// batch: nil, or an error wrapping [ErrInvalidChange] that names the first
// change the store cannot hold and the limit it exceeds. The batch has
// passed Validate; Check must not modify or keep it. A [Union] calls Check
// on every writable member before writing to any, so that a batch one
// member refuses is written to none. Save must refuse what Check refuses,
// in the same way, before writing anything.
type Checker[E Entity] interface {
	Check(changes Changes[E]) error
}
