// Package fanout is the engine under unionstore's [Union] and [Shards]:
// it calls a set of members concurrently and applies, once for every
// operation, the rules that decide how long to wait for them.
//
// # Rules
//
//   - Admission: a member whose circuit breaker is open is not called;
//     its call fails at once ([Breaker]).
//   - Quorum and grace: once Need members have answered successfully,
//     the members still running get a grace ([Call].Grace), after which
//     they are cut off as stalled.
//   - Cancellation: when the caller's context ends, the engine returns at
//     once with an error that names the members still running; their
//     goroutines finish on their own, their contexts cancelled.
//   - Observation: every call is started and ended once, through the
//     [Members] functions, from the goroutine that ran it.
//   - Containment: a member call that panics fails with the error that
//     [Members] makes of the panic; the other calls and the caller go on.
//
// The engine knows nothing of entities or changes: [Run] is generic over
// the value a member call returns, and [Await] over the answer a caller
// waits for, so that the root package, which owns the types, can use it
// without an import cycle. Errors that must wrap the root's sentinels are
// built from the sentinels given in [Members].
//
// [Union]: https://pkg.go.dev/github.com/unionstore/unionstore#Union
// [Shards]: https://pkg.go.dev/github.com/unionstore/unionstore#Shards
package fanout
