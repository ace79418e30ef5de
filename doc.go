// Package unionstore persists typed entity changes and keeps several stores
// in step behind one [Store]: the [Union].
//
// # Stores
//
// A [Store] saves batches of [Change] values, grouped by namespace, and
// loads the latest change of each entity of a namespace. An entity is any
// type with a CompactionKey method ([Entity]); its identity is the
// namespace, the kind and the id. [Memory] is the in-memory store of this
// package; durable stores live in their own modules (boltstore, pgstore)
// and all pass the conformance suite in the storetest package.
//
// Stores may also implement [Scanner], an ordered stream of a namespace in
// bounded memory, [Getter], a point read of one entity, [NamespaceLister],
// [Purger], and [Checker], by which a store says which batches it cannot
// hold before anything is written; [ScanOf] reads any store as a Scanner
// would. Identities are portable: valid UTF-8
// without NUL bytes, so that what one backend accepts every other can hold
// ([Changes.Validate]).
//
// # Changes and compaction
//
// A change sets an entity or unsets it. An unset is kept as a tombstone so
// that it can win over an older set held elsewhere. Of all the changes of an
// entity, the one with the latest timestamp wins; on equal timestamps, the
// one saved later (or later in a batch) wins. [Compact] applies that rule to
// a slice and [CompactFunc] to any slice with any key. A [ChangesBuilder]
// gives the changes it builds strictly increasing timestamps, and a change
// saved with a zero timestamp is stamped by [Now], so changes made one after
// the other in a process keep their order whatever the clock's resolution.
//
// # Union semantics
//
// [New] returns a union of stores. Save validates the batch, stamps it once,
// and writes it to every writable member concurrently, trying every member
// even when some fail. Load reads every member concurrently and merges the
// results in (kind, id) order; on equal timestamps the member listed first
// in New wins, so the result never depends on timing or map order. By
// default both are strict: any failed member fails the call, and the error
// names each failed member ([StoreError]) and wraps its cause.
//
// Before writing, Save asks every writable member that implements
// [Checker] whether it can hold the batch, so that a batch one member
// refuses is written to none: an error wrapping [ErrInvalidChange] always
// means that nothing was written. [Union.Check] asks the same without
// saving, so that a union nested in another union, or serving as a shard,
// is asked before anything is written too. [Union.Get] reads one entity
// with the merge's rules.
//
// Options relax or extend this ([Union.With]): [WriteQuorum], [DegradedReads]
// (served with a [Report] of what failed), [ReadRepair], and [WithObserver]
// for metrics and logs. [ReadOnly] members are read but never written: the
// old store of a migration. [Union.Diff] lists the entities on which the
// members disagree, and [Union.Repair] writes to each writable member what it
// lacks. [Union.Scan] merges members that implement [Scanner] as a stream
// whose memory grows with the number of members, not of entities.
//
// # Failing members
//
// A quorum reached is a success: once [WriteQuorum] or [DegradedReads] is
// met, the union waits at most [QuorumGrace] for the other members, then
// cancels them and reports them as stalled ([ErrStalled]). [CircuitBreaker]
// skips a member after consecutive failures until a cool-down has passed
// ([ErrCircuitOpen]), then probes it. [HintedHandoff] keeps what a member
// missed in a [HintStore], and [Union.Replay] writes exactly that back once
// the member returns (also on its own when the member's breaker closes),
// with last-write-wins, so a late or repeated replay never overwrites
// newer data. A member that panics in a goroutine the union started fails
// with a [*PanicError] instead of ending the process. The storetest package
// offers Faulty to inject such faults in tests.
//
// # Shards
//
// [Shards] spreads namespaces over named stores, each possibly a union of
// replicas, by rendezvous hashing of the namespace over the shard names
// ([Placement], with weights and pins). Adding a shard moves only the
// namespaces it now owns: while a new placement is rolled out with the
// previous one, a moving namespace is written to its new owner and read
// from both, and [Shards.Rebalance] copies, verifies and only then removes
// each one from its old owner, resumable at any point. [Purger] removes a
// namespace and [TombstonePurger] old tombstones, on every backend, the
// union and shards; a union refuses to purge tombstones while a member
// could bring a deleted entity back ([ErrPurgeUnsafe]).
//
// # Change feed
//
// A store that implements [Watcher] has a live feed of each namespace:
// [Watcher.Snapshot] returns what Load returns with the [Cursor] of that
// state, and [Watcher.Watch] yields every change committed after a
// cursor, each with the cursor to resume from, as Kubernetes' informers
// list then watch. Applying the snapshot and then the events with
// last-write-wins gives what Load gives; a cursor the store no longer
// holds history back to gives [ErrCursorExpired], never a gap. [Memory]
// keeps a bounded history ([MemoryHistory]); a [Union] merges its members'
// snapshots and feeds into one cursor, reading around a failed member's
// feed under [DegradedReads]; [Shards] follow a namespace's owner.
// [Follow] keeps a store, such as an in-memory cache, equal to a watched
// namespace, taking a new snapshot whenever its cursor expires.
//
// # Observability
//
// [WithObserver] receives an [Event] for every member operation, and
// [SlogObserver] logs them through log/slog; an observer is the simplest
// [Hook], one that wants only the end of each member call. [WithHook] is told when each
// union operation and each member call starts and ends, with their
// contexts, so that tracing adapters (the unionotel module, for
// OpenTelemetry) nest a span per member call under a span per operation
// under the caller's.
//
// # Goroutines
//
// A union runs each member's operation on a goroutine of its own (a single
// member under a context that cannot end runs on the caller's). When a call
// returns before a member has answered (its context ended, or a quorum's
// grace passed), the member's context is cancelled and its goroutine ends
// when the member returns: at once for a member that honours its context,
// and otherwise when it returns on its own. A walk of [Union.Scan] reads
// each streamed member on a goroutine that ends at the member's next yield
// after the walk ends. A background replay, started when a breaker closes,
// ends when it is done or at [Union.Close], which waits for it.
//
// # Codecs
//
// Durable backends store an entity as bytes through a [Codec]: [JSONCodec]
// for a concrete entity type, [KindCodec] for an interface type that holds
// several kinds in one store. A payload that fails to decode gives a
// [DecodeError] naming its namespace, kind and id. Backends read records
// through [DecodeEntity], which also checks that an entity decodes with the
// identity it was stored under, and may report skipped records with
// [DecodeErrors]. The codec a backend gets from [CodecFor] makes the same
// check when it first encodes an entity of a kind, so that a store refuses
// at Save an entity it could not load, such as one whose fields
// encoding/json cannot see.
//
// # Applications
//
// A [Manager] connects a store to an application's repositories, one per
// kind: Persist saves changes and Restore applies a namespace's latest
// state.
//
// # Concurrency
//
// [Memory], [Union] and [Manager] are safe for concurrent use when their
// stores and repositories are. Every method that does I/O takes a context
// first; a union returns as soon as its context ends, even while a member is
// still blocked. [ChangesBuilder] is not safe for concurrent use.
package unionstore
