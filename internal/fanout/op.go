package fanout

// Op names the operation of a member call, as events and errors show it.
// The root package names its operations, and converts them to Op.
type Op string
