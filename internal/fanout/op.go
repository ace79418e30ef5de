package fanout

// Op names the operation of a member call, as events and errors show it.
type Op string

// The operations of the union and the shards.
const (
	OpSave            Op = "save"
	OpLoad            Op = "load"
	OpScan            Op = "scan"
	OpGet             Op = "get"
	OpDiff            Op = "diff"
	OpRepair          Op = "repair"
	OpPurge           Op = "purge"
	OpPurgeTombstones Op = "purge tombstones"
	OpNamespaces      Op = "namespaces"
	OpClose           Op = "close"
)
