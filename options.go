package unionstore

import "time"

// Option configures a [Union]; pass options to [Union.With].
type Option func(*options)

type options struct {
	writeQuorum int // 0: every writable member
	readQuorum  int // 0: every member
	readRepair  bool
	repairBatch int
	observer    func(Event)
}

// WriteQuorum makes Save succeed when at least w writable members succeed,
// instead of all of them. Save still writes to every writable member and
// waits for each to answer or for the context to end; the members that
// failed are in the [Report] of [Union.SaveWithReport] and in observer
// events. A w below 1, or above the number of writable members, means all.
func WriteQuorum(w int) Option { return func(o *options) { o.writeQuorum = w } }

// DegradedReads makes Load and Scan serve the merged changes of the members
// that answered when at least r of them did, instead of failing when any
// member fails. The members that failed are in the [Report] of
// [Union.LoadWithReport] and in observer events. A r below 1, or above the
// number of members, means all: the default, which never serves a result
// that might be stale without saying so.
func DegradedReads(r int) Option { return func(o *options) { o.readQuorum = r } }

// ReadRepair makes Load write the merged changes back to every writable
// member that answered and lacked them or held an older version. Repair
// writes happen before Load returns; their failures do not fail the Load
// but are reported like the failures of [WriteQuorum]. Scan does not repair.
func ReadRepair() Option { return func(o *options) { o.readRepair = true } }

// RepairBatch sets how many changes [Union.Repair] writes to one member in
// one Save. The default is 1000; n below 1 means the default.
func RepairBatch(n int) Option { return func(o *options) { o.repairBatch = n } }

// WithObserver makes the union call fn after every operation on a member:
// each member's check refusal, save, load, scan, get, repair write and
// close. fn is called from the goroutine that ran the operation, possibly
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
// logs.
type Event struct {
	Op       string // "save", "load", "scan", "repair" or "close"
	Index    int    // position of the member in New
	Name     string // name given with Named, or ""
	Count    int    // changes written or read
	Duration time.Duration
	Err      error
}
