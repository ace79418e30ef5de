// Package s3store is a [unionstore.Store] that keeps changes in Amazon S3
// or an S3-compatible object store, through the AWS SDK for Go v2. It is
// the durable second copy of a union: cheap on requests, fast to load.
//
// # Opening a store
//
// [OpenURL] opens s3://BUCKET/PREFIX with the SDK's default configuration
// (credentials, region, AWS_CA_BUNDLE); the query parameters endpoint= and
// region= point it at an S3-compatible server. [New] works on the caller's
// *s3.Client. Both check that the bucket exists and create nothing.
// Options: the codec ([WithCodec], JSON by default), automatic compaction
// ([WithMaxSegments], [WithCompactErrors]), request concurrency
// ([WithConcurrency]) and the change feed's polling ([WithPollInterval],
// [WithWatchWindow]).
//
// # Layout, version 2
//
// Every change lives in an immutable segment object:
//
//	PREFIX/NAMESPACE/TTTTTTTTTTTTTTTT-RRRRRRRRRRRRRRRR.seg
//
// NAMESPACE is the namespace with every byte other than ASCII letters,
// digits, '-', '_' and '~' written as %XX (so "a/b" is a%2Fb); T is the
// writer's clock in Unix nanoseconds and R eight random bytes, both in hex,
// so names never collide. A segment holds one namespace's records sorted by
// kind then id, one per identity, then an index of them:
//
//	segment = "uss3seg" version(1 byte: 2) block... end index trailer
//	block   = length(uint32 BE) crc32c(uint32 BE, of the payload) payload
//	header  = 'h' uvarint(len) namespace          (the first block)
//	records = 'r' uvarint(n) origin×n record...   (blocks of about 64 KiB)
//	record  = uvarint(len) kind uvarint(len) id type(1 set, 2 unset)
//	          timestamp(int64 BE, Unix ns) uvarint(origin index)
//	          uvarint(len) payload
//	end     = 'e' uvarint(records)                (a block)
//	index   = 'i' uvarint(len) namespace uvarint(n) entry×n
//	          uvarint(offset delta of the end block)
//	          uvarint(k) uvarint(len) filter      (a block)
//	entry   = uvarint(offset delta) uvarint(len) kind uvarint(len) id
//	trailer = offset of the index(uint64 BE) crc32c(uint32 BE, of the offset) "usix"
//
// The index repeats the header's namespace, then has an entry per records
// block, in order: the block's offset in the object, written as its
// distance from the entry before's (the first's from 0), and the block's
// first kind and id. The filter is a Bloom filter of the segment's
// identities, 10 bits each up to 2 MiB: for the 64-bit FNV-1a hash of
// kind, a NUL byte and id, mixed by MurmurHash3's 64-bit finalizer, call
// its low 32 bits a and its high 32 bits, with the lowest bit set, b; the
// filter holds the identity if the bits (a + i·b) mod (8·len) are set for
// i from 0 to k-1, bit j being bit j%8 of byte j/8. A segment whose
// blocks' first keys take more than 8 MiB has an index of no entries and
// no filter.
//
// Version 1, which earlier releases wrote, is version 2 without the index
// and the trailer. This package reads both and writes version 2. Earlier
// releases refuse a segment of version 2 with an error wrapping
// [ErrCorrupt] ("format version 2"): upgrade every process that reads a
// prefix before any process writes to it, compactions included, or let
// the upgraded processes write version 1 ([WithSegmentVersion]) until the
// last reader of an earlier release is gone.
//
// A purge leaves an empty purge marker beside the segments, named like
// one but ending in .purge instead of .seg (see Change feed); reads other
// than a watch's leave markers out.
//
// An origin is the 16 bytes of the Save that first wrote a record, its
// clock then its randomness, as in its segment's name. A segment that fails
// any check (magic, version, checksum, order, count, stray bytes) is an
// error wrapping [ErrCorrupt] that names the object, never skipped; so is
// an index or trailer that does not agree with its segment, but for a
// trailer without its magic, which a Get takes for the end of a version-1
// segment, reading the segment from its start. What no check can see is a
// segment object deleted outright, since a read lists only the segments
// that exist: its changes are gone without an error. Bucket versioning
// keeps deleted objects recoverable; a second store in a [unionstore.Union]
// can repair this one.
//
// # Writing
//
// [Store.Save] compacts the batch and writes one segment per namespace with
// one PUT each, conditional on If-None-Match: *. Nothing is ever
// overwritten, so any number of writers may share a prefix.
//
// # Reading
//
// [Store.Load] and [Store.Scan] list the namespace (one LIST per 1,000
// segments), GET every segment at once and merge them as they stream in,
// one block per segment in memory. For each identity the record with the
// latest timestamp wins; on equal timestamps, the one from the later
// origin: the Save that began later, by its writer's clock. Because the
// winner depends only on the records themselves, not on which segment
// holds them, copies made by compaction never change a read.
// Load sizes its result from the number of changes the store's last Load
// of the namespace returned, a hint that saves since may prove short.
// [Store.Get] lists the namespace, then reads from each segment at once the
// one block that can hold the identity, by a ranged GET, or nothing when
// the segment's filter rules it out (about 1% of the segments that do not
// hold it pass). It keeps the indexes of the segments it has read, up to
// 32 MiB (about 25 million records' worth), the least recently used
// dropped first. The first Get of a segment also reads the segment's last
// 64 KiB, which hold the index of a segment of up to about 50,000 records,
// with one more GET for a larger index; a segment of up to 64 KiB is thus
// read whole, by one GET. A segment of version 1, or whose index has no
// entries, is read from its start up to the identity. [Store.Namespaces]
// lists the prefix and merges every namespace, without decoding entities.
//
// # Compaction
//
// [Store.Compact] merges a namespace's segments into one, writes it, then
// deletes its inputs; Save does it on its own past [WithMaxSegments]
// segments. Tombstones are kept. A reader that finds a listed segment gone
// lists again. Two compactions racing, or one stopped after its write, leave
// duplicate copies that reads merge away and the next compaction removes.
//
// # Change feed
//
// [Store] implements [unionstore.Watcher] by polling. A segment's name
// begins with its writer's clock when its Save began, so a namespace's
// listing is in the order Saves began, not the order they landed. A watch
// keeps a floor, a time in writers' clocks at or before which it has read
// every segment: every poll interval ([WithPollInterval], 1 s by default)
// it lists the namespace after the floor (one LIST, with StartAfter), GETs
// the segments it has not read yet and yields their records, segment by
// segment in name order; then it moves the floor to the time its listing
// began less the watch window ([WithWatchWindow], 10 s by default). A
// change therefore reaches a watcher about half a poll interval after its
// Save on average, a whole one at most, plus a LIST and a GET.
//
// The window is the feed's one assumption: a segment must be listable
// within the window after the time in its name, which covers the clock
// skew between writers and watchers and a Save's duration. A segment that
// lands later than that may be missed by a watcher that has moved on.
//
// A cursor holds the floor (and the latest purge accounted for, below), so
// a watch resumed from an event's cursor may yield again the events of the
// last window: repeats, which last-write-wins makes harmless. History has
// no age limit: a cursor's floor finds the segments that are there. A
// compaction's merged segment is named after every segment it merged,
// whatever clocks named those, so a watcher that had not read an input
// reads the merged copy, which lacks only superseded changes; a segment
// deleted between a watch's LIST and its GET is skipped, and that poll does
// not move the floor. [Store.Snapshot] takes its cursor before it loads.
//
// [Store.Purge] and [Store.PurgeTombstones] (when it removes something)
// leave a purge marker, written after their deletions, named after every
// object of the namespace, and delete the markers of earlier purges. A
// watch that lists a marker later than its cursor's ends with an error
// wrapping [unionstore.ErrCursorExpired] before it yields anything of that
// listing: every cursor taken before a purge expires, that of a watcher
// that is up to date included (within the window's assumption), and
// [unionstore.Follow] takes a new snapshot. A snapshot records the latest
// marker it lists, so that its cursor does not expire at an earlier purge.
// A cursor of another bucket, prefix or namespace expires too.
//
// # Limits
//
//   - A segment key is at most [MaxKeyBytes] (1,024) bytes: the prefix, the
//     escaped namespace (up to three bytes per byte), a slash and a 37-byte
//     name. With a 15-byte prefix a namespace of plain letters may have 971
//     bytes.
//   - A record's kind, id and encoded entity take at most [MaxRecordBytes]
//     (16 MiB) together.
//   - A segment is written with one PUT, so a namespace's latest changes,
//     encoded, must fit in 5 GiB (S3's limit for one PUT); Save and Compact
//     hold one segment in memory.
//
// [Store.Check] refuses what exceeds the first two, as Save does before
// writing anything, with an error wrapping [unionstore.ErrInvalidChange]
// and [backend.ErrKeyTooLong] or [backend.ErrPayloadTooLarge].
//
// # Errors
//
// Errors name the package, the operation and the store, such as
// `s3store: load "ns" from s3://BUCKET/PREFIX/: cause`, and wrap
// [unionstore.ErrClosed] after Close and ctx.Err() when ctx is done.
//
// # S3-compatible servers
//
// Since version 1.73 the SDK sends request bodies over TLS aws-chunked with
// a trailing checksum. Some S3-compatible servers store such a body as it
// came, framing included: tried against gofakes3 over TLS, 5,000 bytes
// written read back as 5,044. [OpenURL] with an endpoint therefore sets
// RequestChecksumCalculation and ResponseChecksumValidation to
// when-required; a client given to [New] for such a server should too.
// Segments carry their own checksums, so a body stored wrongly is reported
// as [ErrCorrupt] at the first read rather than returned.
//
// # Concurrency
//
// A [Store] is safe for concurrent use. Each call sends up to
// [WithConcurrency] requests at once.
package s3store
