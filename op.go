package unionstore

// Op names an operation of a union, or of a union's call on a member, in
// [Event.Op] and [StoreError.Op].
type Op string

// The operations. A union's own operations ([Hook]'s Operation) are
// OpSave, OpLoad, OpScan, OpGet, OpDiff, OpRepair, OpReplay and OpClose;
// its calls on members ([Hook]'s Member and [WithObserver]) are those of
// the member's store methods, and OpCheck, OpHint and OpReplay.
const (
	OpSave            Op = "save"
	OpLoad            Op = "load"
	OpScan            Op = "scan"
	OpGet             Op = "get"
	OpDiff            Op = "diff"   // a walk of [Union.Diff]
	OpRepair          Op = "repair" // a repair or read-repair write, or [Union.Repair]
	OpPurge           Op = "purge"
	OpPurgeTombstones Op = "purge tombstones"
	OpNamespaces      Op = "namespaces"
	OpClose           Op = "close"
	// OpCheck is a refusal by the member's [Checker].
	OpCheck Op = "check"
	// OpHint is the keeping of changes a member missed, by [HintedHandoff].
	OpHint Op = "hint"
	// OpReplay is [Union.Replay], and its writing of hints to a member.
	OpReplay Op = "replay"
)
