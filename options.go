package unionstore

import "time"

// Option configures a [Union]; pass options to [Union.With].
type Option func(*options)

type options struct {
	writeQuorum     int // 0: every writable member
	readQuorum      int // 0: every member
	grace           time.Duration
	graceSet        bool
	readRepair      bool
	repairBatch     int
	observer        func(Event)
	hook            Hook
	breakerFailures int // 0: no breaker
	breakerCoolDown time.Duration
	hints           any // a HintStore[E], or nil
	hintLimit       int
	// refused holds why options had invalid values, for NewUnion; With
	// clears it and takes the values as their docs say.
	refused []error
}

// DefaultQuorumGrace is how long a union waits for the other members once
// its quorum has answered, unless [QuorumGrace] says otherwise.
const DefaultQuorumGrace = 100 * time.Millisecond

// QuorumGrace sets how long Save under [WriteQuorum], and Load, Scan and
// Get under [DegradedReads], wait for the other members once the quorum
// has answered, so that a member that is merely slow still counts. When
// the grace has passed, the members still running are cancelled and
// reported as failed with an error wrapping [ErrStalled] (and, for Save,
// kept as hints by [HintedHandoff]); the call returns with what the
// quorum answered. The default is [DefaultQuorumGrace]; d of 0 returns as
// soon as the quorum has answered. A strict union, which needs every
// member, has no grace: it waits for all of them or for its context.
//
// A member of a Scan under DegradedReads that answered and then keeps the
// merge waiting in the middle of its stream for ten times the grace, and
// at least a second, is dropped the same way while enough members remain
// (the changes it gave before are kept, as for a member that fails
// midway); otherwise the walk waits for it.
func QuorumGrace(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.refuse("QuorumGrace(%v): must not be negative", d)
		}
		o.grace, o.graceSet = max(d, 0), true
	}
}

// streamStall is how long a member of a Scan under [DegradedReads] may keep
// the merge waiting in the middle of its stream before it is dropped as
// stalled: ten times the quorum's grace, and at least a second, since a
// member that answered may be slow per page without being stalled.
func (o *options) streamStall() time.Duration {
	return max(10*o.quorumGrace(), time.Second)
}

func (o *options) quorumGrace() time.Duration {
	if !o.graceSet {
		return DefaultQuorumGrace
	}
	return o.grace
}

// WriteQuorum makes Save succeed when at least w writable members succeed,
// instead of all of them. Save still writes to every writable member and
// waits for each to answer or for the context to end; the members that
// failed are in the [Report] of [Union.SaveWithReport] and in observer
// events. A w below 1, or above the number of writable members, means all.
func WriteQuorum(w int) Option {
	return func(o *options) {
		if w < 1 {
			o.refuse("WriteQuorum(%d): must be at least 1", w)
		}
		o.writeQuorum = w
	}
}

// DegradedReads makes Load and Scan serve the merged changes of the members
// that answered when at least r of them did, instead of failing when any
// member fails. The members that failed are in the [Report] of
// [Union.LoadWithReport] and in observer events. A r below 1, or above the
// number of members, means all: the default, which never serves a result
// that might be stale without saying so.
//
// A degraded read trades completeness for availability: a member that is
// healthy but slower than the [QuorumGrace] once r members have answered
// is left out too, and its changes with it. If the members that answered
// missed a write that only the slow one took (a Save under [WriteQuorum]
// that failed on them), the read serves their older version; the Report
// names the member left out, with an error wrapping [ErrStalled]. Where
// that matters, raise the grace, or read strictly.
func DegradedReads(r int) Option {
	return func(o *options) {
		if r < 1 {
			o.refuse("DegradedReads(%d): must be at least 1", r)
		}
		o.readQuorum = r
	}
}

// ReadRepair makes Load write the merged changes back to every writable
// member that answered and lacked them or held an older version. Repair
// writes happen before Load returns; their failures do not fail the Load
// but are reported like the failures of [WriteQuorum]. Scan does not repair.
func ReadRepair() Option { return func(o *options) { o.readRepair = true } }

// RepairBatch sets how many changes [Union.Repair] writes to one member in
// one Save. The default is 1000; n below 1 means the default.
func RepairBatch(n int) Option {
	return func(o *options) {
		if n < 1 {
			o.refuse("RepairBatch(%d): must be at least 1", n)
		}
		o.repairBatch = n
	}
}

// WithObserver makes the union call fn after every operation on a member:
// each member's check refusal, save, load, scan, get, repair write, hint,
// replay and close. It is the simplest [Hook]: one that wants only the end
// of each member call, without contexts. A union with both an observer
// and a [WithHook] hook tells the observer of each call first, with the
// same event. [SlogObserver] logs the events. fn is called from the goroutine that ran the operation, possibly
// from several at once, so it must be safe for concurrent use, and it
// should be quick.
//
// Events of members that answer in time are delivered before the union's
// method returns. When the method returns early because its context ended
// (or, with a quorum, a grace period passed) while a member was still
// running, that member's event arrives later, from its own goroutine, once
// the member returns: possibly after the method has returned.
func WithObserver(fn func(Event)) Option { return func(o *options) { o.observer = fn } }

// Event describes one operation on one member of a [Union], for metrics and
// logs, or, for a [Hook], one operation of the union itself.
type Event struct {
	// Op is the operation: for a member, that of the store method called
	// ([OpSave], [OpLoad], [OpScan], [OpGet], [OpRepair] for a repair or
	// read-repair write, [OpClose]), or [OpCheck] (a refusal by the
	// member's [Checker]), [OpHint] (changes the member missed, kept by
	// [HintedHandoff]) or [OpReplay] (hints written to the member by
	// [Union.Replay]). See [Op] for the union's own operations.
	Op Op
	// Index and Name identify the member: its position in New and the
	// name given with Named, or "". For an operation of the union itself
	// (given to [Hook]'s Operation), Index is -1 and Name is "".
	Index int
	Name  string
	// Namespace is the namespace of the operation; "" for Close and for a
	// batch that spans namespaces.
	Namespace string
	// Count is the number of changes written or read; for a save, the
	// size of the batch, whether or not the member took it.
	Count int
	// Reason says why the union wrote to the member where Op alone does
	// not: [ReasonReadRepair] or [ReasonRepair] for a repair write,
	// [ReasonMissed] for a hint; "" otherwise. Why a member was not called
	// is in Err.
	Reason string
	// Start is when the operation on the member began, and Duration how
	// long it took.
	Start    time.Time
	Duration time.Duration
	// Err is the member's error, or nil. A member skipped by its breaker
	// has an Err wrapping [ErrCircuitOpen]; one cut off after the quorum's
	// grace, wrapping [ErrStalled].
	Err error
}
