// Package natsstore is a [unionstore.Store] that keeps changes in a NATS
// JetStream stream, which a cluster of servers can replicate so that the
// store survives the loss of a machine.
//
// # Opening a store
//
// [OpenURL] connects to a nats:// URL and returns a store that owns its
// connection. [New] builds a store on a [jetstream.JetStream] the caller
// already has and leaves its connection to the caller. Both look the
// stream up and create it when it is missing ([WithCreateStream] turns
// that off), and take [Option] values: the stream's name ([WithStream],
// default [DefaultStream]), the subjects' prefix ([WithSubjectPrefix],
// default the stream's name), the replicas and storage of a new stream
// ([WithReplicas], [WithStorage]) and the codec ([WithCodec], JSON by
// default).
//
// # Layout, version 1
//
// A store's stream is a plain stream, not a key-value bucket: a KV delete
// carries no body nor headers of ours, so it could not keep a tombstone's
// timestamp. The store creates it with these settings, and refuses an
// existing stream whose settings differ where it matters:
//
//	description           "unionstore changes, layout 1"
//	subjects              <prefix>.>
//	max msgs per subject  1        (one message per identity)
//	retention             limits, no limit on messages, bytes or age
//	allow direct          true     (point reads from any replica)
//
// An existing stream must also not discard new messages per subject,
// which would refuse every save of a stored identity, nor go without
// acknowledgements, nor be sealed; its max message size, if any, must be
// at least 1,280 bytes (256 for headers, 1 KiB for an entity). Deny delete
// and deny purge are accepted: [Store.Purge] and [Store.PurgeTombstones]
// then return the server's refusal.
//
// Each identity is one message on the subject
//
//	<prefix>.<namespace>.<kind>.<id>
//
// where each key is a token of the characters
// -0-9A-Z_a-z, in that byte order, six bits of the key's bytes per
// character, most significant first, the last character padded with zero
// bits; the empty string (an empty kind) is the token "-". Any string thus
// makes a legal token, reversibly, and tokens compare as the keys they
// encode, so sorting subjects' tokens sorts keys. The message's headers
// carry the change:
//
//	Unionstore-Time    Unix nanoseconds, decimal
//	Unionstore-Change  set or unset
//
// and its body is the codec's encoding of the entity, for sets and unsets
// alike: an unset is an ordinary message that keeps its timestamp.
//
// Beside the changes, the stream holds floor markers for the change feed,
// messages without a body whose header Unionstore-Floor says what
// published them: one per purged namespace, on
//
//	<prefix>.<namespace>.floor
//
// and one for the stream, on <prefix>.floor, published by the first
// [Store.Snapshot] or [Store.Watch]. Their subjects have fewer tokens than
// a change's, and the store's readers skip them; versions of this package
// from before the change feed report them as messages that do not decode.
//
// # Writing
//
// [Store.Save] keeps the latest change by timestamp, not by arrival. It
// learns what the stream holds for the batch's identities, their sequences
// and timestamps, and publishes each change that is not older,
// asynchronously, with the header Nats-Expected-Last-Subject-Sequence: the
// server refuses the publish when the subject's last message is not the
// one expected, and Save reads that subject and retries or drops the
// change.
//
// To learn what the stream holds, Save first guesses that the batch's
// identities are new: it publishes the first 64 changes expecting their
// subjects to be empty, which costs the server what any publish does,
// while a read of a subject it does not hold costs a server 2.9 time that
// grows with the stream (from 0.2 µs a subject at 10k messages to 37 µs
// at 300k). If most of those were refused, the guess failed: Save reads
// the state of the rest of the batch, and of the next batches, 1, then 2,
// 4 up to 64 after failures in a row, before it guesses again. Otherwise
// the rest is published on the same guess. A wrong guess thus costs the
// refusal of the batch's first 64 changes (a batch whose first 64 are
// new and whose rest is stored pays a refusal per stored identity), and
// the refusals are what keeps the latest change: a guess never replaces a
// stored change. The guess and its backoff are the store's, across its
// namespaces. The read is
// one direct get per subject, 32 in flight, for a few identities of a
// namespace; from 64 it is one headers-only pass over the namespace,
// unless the namespace holds more than four times as many messages as the
// batch. The store uses only what servers 2.9 offer: no multi-filter
// consumers, batched direct gets or atomic batch publishes. So a batch is
// not atomic: each change is written or not on its own.
//
// # Reading
//
// [Store.Load] reads a namespace through one ephemeral consumer and
// sorts. [Store.Scan] reads it in the same way and sorts what it read in
// memory up to its spill threshold ([WithSpillThreshold], 16 MiB by
// default); beyond, it writes sorted runs to a temporary file
// ([WithTempDir]) and merges them, so that its memory does not grow with
// the namespace. It yields nothing before it has read the namespace: a
// stream is in publish order, not key order. [Store.Get] is one direct
// get of the subject's last message, whose time on servers 2.9 grows
// with the stream, the server's to find that message (0.18 ms at 10k
// messages, 1.3 ms at 1M in the report's growth chart).
// [Store.Namespaces] reads the headers of the whole stream; a message
// whose subject or headers do not decode makes it return an error
// wrapping [unionstore.ErrDecode] that names the message, with the counts
// of the others.
// Reads through a consumer detect a lost message and fail rather than
// return an incomplete result. Their time is linear in the messages they
// read: they pull without waiting, 1,024 messages a pull, or 65,536 for
// a read of headers only, which so waits for a busy server a few times
// rather than once per thousand messages, take the count of pending
// messages from each message, and ask the consumer's info, whose cost on servers
// 2.9 grows with the stream after the consumer's position, only at the
// start and near the end. With replicas, a direct get may be answered
// by a replica that has not yet applied the latest write.
//
// # Change feed
//
// A Store is a [unionstore.Watcher]. A cursor is a position in the
// stream: the stream's name, the time at which the server stored the
// stream's floor marker, and a stream sequence, as
// <stream>:<nanoseconds>:<sequence>. [Store.Snapshot] reads the stream's
// last sequence, then loads the namespace: the load sees at least every
// message up to that sequence, and what it sees beyond is delivered
// again by a watch from the cursor, which last-write-wins makes harmless.
// [Store.Watch] reads through one ordered consumer of the stream filtered
// to the namespace's subjects, from the sequence after the cursor; the
// server pushes each message as it is stored, with no poll interval, so
// an event usually arrives before the Save that wrote it returns
// (BenchmarkWatch measures it).
//
// History goes back as far as the stream does: the stream keeps one
// message per identity, so a watch from an old cursor skips the changes
// that newer ones of their identities replaced, never the latest, and
// reads the rest. So the stream's first sequence does not bound the
// cursors: it passes them whenever old messages are replaced. A cursor
// expires ([unionstore.ErrCursorExpired]) when it is of another stream
// or is not a cursor; when the stream's floor marker is gone or was
// stored again (an operator purged the stream, or deleted and made it
// again); when it is after the stream's last sequence; and when a
// namespace's floor marker comes after it.
//
// [Store.Purge] publishes the namespace's floor marker, purges the
// namespace's messages before it, and publishes the marker again; a
// watch that reaches a marker, an up-to-date one included, ends with an
// error wrapping ErrCursorExpired, and so does a watch from any cursor
// before the second marker: a watcher must take a new snapshot.
// [Store.PurgeTombstones], when it finds tombstones to remove, publishes
// the marker before it deletes them: every cursor before it expires,
// since a watch that passed a tombstone's position after its deletion
// did not see it, and its cursor cannot say so. A watcher whose
// snapshot or events come after the marker may keep a tombstone that the
// store no longer holds.
//
// The store cannot see all that others remove from the stream: a message
// deleted, or a namespace purged, by an operator, or limits set on the
// stream after the store checked it, may leave the watchers of the
// namespace behind without an error (a limit that drops the stream's
// floor marker, its oldest message, does expire their cursors). Snapshot and Watch publish the
// stream's floor marker when it is missing, so they need the right to
// publish on the stream's subjects.
//
// # Limits
//
// A subject may be at most 2,048 bytes, half of a server's protocol line:
// with the default prefix, namespace, kind and id together may take about
// 1,500 bytes (4/3 of a byte per byte, plus the prefix and three
// separators). A message may be at most the server's max_payload (1 MiB
// by default), or the stream's max message size when it is smaller, less
// 256 bytes for headers. [Store.Check] and [Store.Save] refuse a change
// beyond either with an error wrapping [unionstore.ErrInvalidChange]
// before anything is written.
//
// # Damage
//
// The servers keep the data. JetStream's file store checksums each message
// it writes and checks its message blocks when it recovers them; what it
// cannot recover it drops, and a store on that server then reads without
// those messages and without an error: that loss is not detected here.
// The store checks each message it reads: headers that do not name a
// change type or a timestamp, or a body the codec cannot decode into an
// entity of the subject's kind and id, give an error wrapping
// [unionstore.ErrDecode] that names the identity, returned with the
// changes that could be read ([backend.Store.Load] says how), never a
// message skipped in silence. What to do: a stream replicated on three servers
// ([WithReplicas]), so that one server's damaged copy is not the only one, and a
// second store in a [unionstore.Union] to repair from.
//
// # Performance
//
// See README.md for the benchmarks and the command that produced them.
package natsstore
