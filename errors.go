package unionstore

import (
	"errors"
	"fmt"
)

// Errors returned by the stores of this package and its backends. Compare
// with [errors.Is]: returned errors wrap them with the place that failed.
var (
	// ErrClosed is wrapped by the error of Save, Load and every method of
	// a store's optional interfaces that takes a context, called after
	// Close (see [Store]).
	ErrClosed = errors.New("store is closed")

	// ErrInvalidChange is wrapped by the error for a batch that holds an
	// invalid change: a nil entity, an empty namespace or id, an unknown
	// change type, an identity that is not portable (see
	// [Changes.Validate]), or a change that a store cannot hold (see
	// [Checker]). Such a batch is rejected whole: from a [Union], no member
	// was written.
	ErrInvalidChange = errors.New("invalid change")

	// ErrInvalidOption is wrapped by the error of [NewUnion] when an
	// option's value is out of its range.
	ErrInvalidOption = errors.New("invalid option")

	// ErrReadOnly is returned by Save on a store wrapped with [ReadOnly].
	ErrReadOnly = errors.New("store is read-only")

	// ErrNoStores is returned by a [Union] asked to save with no writable
	// member, or to load with no member at all.
	ErrNoStores = errors.New("no stores")

	// ErrQuorum is wrapped by the error of a [Union] operation that fewer
	// members completed than its quorum requires.
	ErrQuorum = errors.New("quorum not reached")

	// ErrCircuitOpen is wrapped by the error of a member that a [Union]
	// skipped because its breaker is open ([CircuitBreaker]).
	ErrCircuitOpen = errors.New("circuit breaker open")

	// ErrStalled is wrapped by the error of a member still running when a
	// quorum's grace had passed ([QuorumGrace]); the union cancelled it.
	ErrStalled = errors.New("store did not answer within the quorum's grace")

	// ErrPurgeUnsafe is wrapped by the error of [Union.PurgeTombstones]
	// when purging could bring deleted entities back: a member is failing
	// or has hints pending, or holds an older version of an entity whose
	// tombstone would be purged.
	ErrPurgeUnsafe = errors.New("purging tombstones is not safe now")

	// ErrDecode is wrapped by [DecodeError].
	ErrDecode = errors.New("cannot decode entity")

	// ErrPanicked is wrapped by the [*PanicError] of a member whose
	// operation panicked.
	ErrPanicked = errors.New("store panicked")

	// ErrUnknownKind is returned by a [KindCodec] or a [Manager] for a kind
	// that nothing was registered for.
	ErrUnknownKind = errors.New("unknown kind")
)

// StoreError is the error of one member of a [Union]. It names the member by
// its position in [New] and by the name given with [Named], if any.
type StoreError struct {
	Index int    // position of the store in New
	Name  string // name given with Named, or ""
	Op    Op     // the operation that failed, such as OpSave
	Err   error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("%s: %s: %v", storeLabel(e.Index, e.Name), e.Op, e.Err)
}

func (e *StoreError) Unwrap() error { return e.Err }

func storeLabel(index int, name string) string {
	if name == "" {
		return fmt.Sprintf("store %d", index)
	}
	return fmt.Sprintf("store %d (%q)", index, name)
}

// DecodeError reports a stored payload that the codec could not decode. It
// wraps [ErrDecode] and the codec's own error.
type DecodeError struct {
	Namespace, Kind, ID string
	Err                 error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("unionstore: decode namespace %q kind %q id %q: %v", e.Namespace, e.Kind, e.ID, e.Err)
}

func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }
