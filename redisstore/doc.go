// Package redisstore is a [unionstore.Store] that keeps changes in Redis,
// through go-redis (github.com/redis/go-redis/v9). It is written on
// [backend]: the package holds the engine code, a driver of records, and
// [backend.Store] does the rest (validation, compaction of a batch, the
// codec, decoding and the errors' form).
//
// # Opening a store
//
// [OpenURL] connects to a redis:// URL and returns a store that owns its
// client; [New] builds a store on a client the caller has, and leaves it
// open at Close. Both take [Option] values: the prefix of the keys
// ([WithPrefix], [DefaultPrefix] by default, or the URL's prefix
// parameter), the codec ([WithCodec], JSON by default), the page size
// of reads ([WithPageSize]) and the history kept for watchers
// ([WithHistory]). Neither creates a key: a namespace's keys
// appear with its first change. Both load the store's Lua scripts into the
// server, which needs Redis 6.2 or later (ZRANGE ... BYLEX LIMIT).
//
// # Layout
//
// Layout version 1. The keys of namespace NS under prefix P share the hash
// tag {P:NS'}, where NS' is NS with '{', '}', ':' and '%' percent-encoded
// (%7B, %7D, %3A, %25), so that the whole namespace is inside the tag and
// two namespaces never share a key:
//
//	{P:NS'}:rec   hash: one field per identity, the member below, whose
//	              value is the record
//	{P:NS'}:ids   sorted set: the members of the identities, all of score 0
//	{P:NS'}:n     hash: fields "sets" and "unsets", the namespace's counts
//	{P:NS'}:log   stream: the change feed's history, one entry per change
//	              applied (fields m, the member, and v, the value) or per
//	              purge (field purge)
//	{P:NS'}:feed  hash: fields "epoch" and "seq", the feed's last position
//	{P}:namespaces sorted set: the index, the namespaces' names, score 0
//
// An identity's member is its kind, a NUL byte, then its id. Identities
// hold no NUL byte ([unionstore.Changes.Validate] refuses it) and NUL sorts
// below every other byte, so ZRANGE BYLEX yields members in (kind, id)
// byte order, even when a kind is a prefix of another. A record's value is
// a version byte (1), a type byte (1 set, 2 unset), the timestamp in
// nanoseconds as a big-endian int64, then the codec's payload.
//
// A namespace's keys are in one cluster slot, so that one script may write
// them all. The index is a key of its own, in another slot; how it stays
// right is said below.
//
// # Writing
//
// Save, through the driver's Put, writes each namespace of a batch by
// calls of a Lua script, one per chunk of up to 500 records (and, unless
// one record is larger, 8 MiB of values), all the calls of a batch
// pipelined: one round trip for most batches. The script runs atomically on
// the server: for each record it reads the stored value and writes the new
// one only when its timestamp is at least as late as the stored one, so
// the server itself keeps the latest change, however many clients and
// processes write to the prefix; on equal timestamps the later call wins.
// The script keeps the counts right: a set replacing a tombstone moves one
// from "unsets" to "sets", and appends each record it writes to the
// namespace's log (see the change feed below). Timestamps are compared as two 32-bit halves,
// since Lua's numbers are doubles that would round a whole int64.
//
// Each chunk is applied whole or not at all, but a batch of several chunks
// or namespaces is not: an error (a lost connection, ctx ending) may leave
// some chunks written, each record whole. Saving the batch again is safe:
// what was written is written again or kept, with the same counts; so is
// go-redis's own retry of a call after a network error. A server that lost its
// scripts (a restart, SCRIPT FLUSH) is given them again, and the calls
// that found none are run again.
//
// # Reading
//
// [Store.Scan] reads a namespace in pages, by default of [DefaultPageSize]
// records: each page is one script call that reads the next members of the
// ids sorted set after the last one read (ZRANGE BYLEX LIMIT) and their
// values (HMGET), atomically. Each page is consistent; a walk is not a
// snapshot: a change saved meanwhile is seen when its identity sorts after
// the page read last. [Store.Load] walks the same pages. [Store.Get] is one
// HGET. No read uses KEYS or SCAN.
//
// # Change feed
//
// A Store is a [unionstore.Watcher]: [Store.Snapshot] and [Store.Watch]
// give a namespace's state and then every change applied to it. The put
// script appends each record it applies, and only those, to the
// namespace's log stream, in the same atomic call as the write, so the
// log's order is the order in which the server applied the changes,
// whichever client wrote them.
//
// Positions: a change's position is its log entry's stream ID,
// EPOCH-SEQ. SEQ counts the namespace's changes and purges, 1, 2, 3...
// with no gap; EPOCH is the server's time, in microseconds, when the
// namespace's feed began, so that a feed whose keys were lost (a server
// restarted without persistence) and made again is told from the old
// one. A cursor is a position followed by a hash of the prefix and the
// namespace, "EPOCH-SEQ.TAG"; a cursor of another prefix or namespace
// expires. Snapshot reads the namespace's last position before its
// records, so the records may hold changes after the position, which
// Watch then yields again: harmless under last-write-wins.
//
// History: each save trims the log to the last [DefaultHistory] changes,
// or [WithHistory]'s n, and up to about 100 more, since the server trims
// whole nodes of the stream. Since positions have no gap, Watch knows
// when the entry after its position is gone: a cursor older than the
// history, or a log read that skips a position, gives an error wrapping
// [unionstore.ErrCursorExpired], never a silent gap. [unionstore.Follow]
// then takes a new snapshot.
//
// The log and feed keys came without a new layout version: a namespace
// written before them gets its feed with its next change or purge, and
// until then its cursor is the zero position, 0-0, which the first entry
// of any epoch follows.
//
// Latency: Watch reads the log with XREAD BLOCK, which the server
// answers as soon as a change is appended: a change is delivered about
// one round trip after it is applied, often before the Save that made it
// returns. Each XREAD blocks at most 500 ms, so a watch notices within
// that time that its ctx ended or that the store was closed, and ends
// with ctx's error or one wrapping [unionstore.ErrClosed]. Each running
// watch holds one of the client's pooled connections.
//
// Purge: [Store.Purge] replaces the namespace's log with one entry, the
// purge's marker, at a position of its own. Every cursor before it
// expires, that of a watcher that was up to date included: a watch
// blocked on the log wakes on the marker and ends with an error wrapping
// [unionstore.ErrCursorExpired]; a new snapshot's cursor, at the purge's
// position or later, goes on. A purged namespace keeps its feed hash and
// its one-entry log (some hundred bytes), so that its positions go on.
//
// PurgeTombstones: [Store.PurgeTombstones] deletes the namespace's log
// when it removes a tombstone (in the same script call as the removal),
// so that every cursor older than the namespace's last position expires:
// a watcher behind it could otherwise miss a removed tombstone. This
// expires more cursors than those older than the removed tombstones'
// positions, since the log does not say where each tombstone is. A
// watcher that is up to date goes on; it has seen the removed tombstones
// and keeps them, where Load no longer returns them. A PurgeTombstones
// that removes nothing expires nothing.
//
// # Namespaces and the index
//
// [Store.Namespaces] reads the index, whose members sort by byte order,
// then each listed namespace's counts, pipelined; a namespace whose counts
// are zero or missing is left out. In a cluster the index and a namespace
// are in different slots, so no script updates both: the index is kept
// right by the order of the commands instead. Save adds its namespaces to
// the index before its scripts (in the same pipeline) and again after
// them, whatever became of them. Purge, and PurgeTombstones when it leaves
// a namespace empty, remove the namespace's records first, then its index
// entry, then look at the namespace again and put the entry back if a save
// wrote to it meanwhile. Whatever the interleaving, a namespace that holds
// records is listed once the saves that wrote them have returned without
// error: the last removal of an entry is followed either by that look,
// which finds the records, or by the indexing of the save that wrote them. Only a process
// that dies between a save's scripts and its indexing, with a purge of the
// same namespace between the two indexings, leaves a namespace unlisted,
// until the next save to it; an entry left without records is harmless,
// and not listed.
//
// # Purging
//
// [Store.Purge] unlinks the namespace's records, ids, counts and log with
// one UNLINK (the server frees them in the background) in a script that
// also gives the purge its position in the feed (see the change feed
// above), then takes it out of the index.
// [Store.PurgeTombstones] walks the namespace in pages with a script that
// removes the page's tombstones whose timestamp is before the cut, checking
// each timestamp on the server, so that an identity saved again meanwhile
// (a set, or a later tombstone) is kept; it keeps the counts right, and a
// namespace left empty loses its keys and its index entry. It returns the
// number removed. A namespace's feed hash, and its log after a purge,
// stay.
//
// # Durability
//
// The store keeps what the server keeps, and Save returns when the server
// has applied the change in memory. What survives a crash or restart of the
// server is what its persistence keeps: with appendonly yes and appendfsync
// always, every acknowledged Save; with appendfsync everysec (Redis's
// default for the AOF), all but about the last second; with RDB snapshots
// alone, what the last snapshot held; with neither, nothing. Replication is
// asynchronous: a replica promoted after a failure may lack the last
// acknowledged saves. A server with a maxmemory policy that evicts keys
// may drop a namespace's keys, or one of them, silently: run the store on
// a server with maxmemory-policy noeviction. Such a server refuses writes
// when full, and Save returns its error.
//
// The tests' server keeps nothing on disk, so a restart loses everything;
// their reopen is a new client on the same server and prefix, which checks
// that a store keeps nothing in the client.
//
// # Limits
//
// Redis holds a string of at most 512 MiB. A namespace, kind or id may have
// up to [MaxKey] bytes (128 MiB), and an encoded entity up to [MaxPayload]
// bytes, 512 MiB less the value's 10-byte header; the server's
// proto-max-bulk-len (512 MB by default) must allow it. [Store.Check] and
// Save refuse a change beyond them with an error wrapping
// [unionstore.ErrInvalidChange] before anything is written. A batch has no
// limit of its own. The whole data set lives in the server's memory, and
// the feed's history as much again for the last [DefaultHistory] changes
// of each namespace: a stored value and its member per change.
//
// # Concurrency
//
// A Store is safe for concurrent use, as the go-redis client is. Several
// stores, in one process or many, on one server and prefix share their
// data and keep the latest change of each identity, since the comparison
// is the server's. [New] takes a [redis.UniversalClient], so a
// *redis.ClusterClient works too: every script touches the keys of one
// hash tag. The tests run the suite, the concurrent writers and the races
// of the index on a Redis Cluster when UNIONSTORE_REDIS_CLUSTER_ADDRS lists
// its addresses; CI runs a single server, where they skip.
//
// # Damage
//
// A value that is not of this layout (too short, another version, an
// unknown type byte) is reported by Load, Scan and Get as a
// [unionstore.DecodeError] naming the namespace, kind and id, and the other
// records are returned; a payload the codec cannot decode is reported the
// same way. A save of the identity replaces a damaged value whatever its
// timestamp, since it cannot be compared. A damaged count is an error of
// Namespaces. Not detected: a value changed to other bytes that still
// decode. The server checks nothing of its own in memory; its RDB files
// carry a checksum, verified on load.
package redisstore
