// Package kafkastore is a [unionstore.Store] that keeps changes as records
// of a Kafka topic, through franz-go. Users of the old design keep their
// topics: a union of an old, read-only topic and a new one reads both while
// writing only the new.
//
//	old, err := kafkastore.OpenURL[Order](ctx, "kafka://broker:9092/old-topic", kafkastore.WithoutCreate())
//	cur, err := kafkastore.OpenURL[Order](ctx, "kafka://broker:9092/new-topic")
//	u := unionstore.New(unionstore.ReadOnly[Order](old), cur)
//
// # Opening a store
//
// [OpenURL] connects to kafka://host:port[,host:port]/TOPIC and owns its
// client. [New] works on a [kgo.Client] the caller made, which must use
// [Partitioner], and leaves it open at Close. Both create a missing topic
// unless given [WithoutCreate]: with [DefaultPartitions] partitions
// ([WithPartitions]), the broker's replication factor
// ([WithReplicationFactor]), and every record kept for ever
// (cleanup.policy=delete, retention.ms=-1, retention.bytes=-1), or
// compacted with [WithCompactedTopic]. A topic that exists is used as it is:
// a finite retention on it drops changes when it expires, which the store
// cannot prevent.
//
// # Record layout (format version 1)
//
// Each change is one record. The key names the identity; the value holds
// the change:
//
//	key    byte 0       key format version, 1
//	       uvarint      length of the namespace, then its bytes
//	       uvarint      length of the kind, then its bytes
//	       rest         the id's bytes
//	value  byte 0       value format version, 1
//	       byte 1       change type: 1 set, 2 unset
//	       bytes 2-9    timestamp: big-endian int64 Unix nanoseconds
//	       bytes 10-    the payload, as the codec encoded the entity (JSON
//	                    by default); unsets keep their entity's payload
//
// An unset is a record with a value, never a Kafka tombstone (a null
// value), so that it keeps its timestamp and takes part in every merge.
// The store writes Kafka tombstones only to purge, on compacted topics
// (see Purging). The
// records of a namespace all go to partition FNV-1a-32(namespace) modulo
// the number of partitions, which the store reads when it opens: adding
// partitions to a topic moves namespaces, so a topic's partition count must
// never change. Every key of a namespace starts with the same bytes, so a
// read tells its records apart without decoding the others. Timestamps are
// read back in UTC.
//
// # Reading
//
// A partition is a log, not an index. [Store.Load] reads the namespace's
// partition from its start to the high watermark taken when Load begins
// and keeps the latest change of each identity on the client: the later
// timestamp wins, and on equal timestamps the record with the higher
// offset, which was saved later. Several writers are therefore safe for
// Load, [Store.Scan] and [Store.Get], whatever order their records arrive
// in. Scan sorts in bounded memory, spilling sorted runs to a temporary
// file past a threshold ([WithSpillThreshold]) and merging them: its
// memory is about the threshold plus 32 KiB per run and one fetch (at
// most 4 MiB, and the decoded records of one record batch of it), and the
// file (in [WithTempDir]) is removed when the walk ends, broken off or
// not; each walk reads the topic afresh. [Store.Namespaces] reads every
// partition.
//
// [Store.Get] reads the same partition in constant memory, so its time
// grows with the partition, like Load's. With [WithGetIndex] it reads one
// record instead: the store keeps an index of every partition Get has been
// asked about, the offset, type and timestamp of the record a read of the
// partition would return for each identity (about the bytes of its kind and
// id plus 70 bytes: BenchmarkGetIndexMemory). Each Get first reads into the
// index what the partition gained since the last, up to the high watermark
// taken when it begins, so it sees every write acknowledged before it
// began, from any store; then it fetches the record batch that holds the
// indexed offset (one producer batch, up to the client's batch limit) and
// decodes it. The first Get of a partition reads it whole. Where the
// indexed record is gone (compacted away, or below the log start after
// retention or DeleteRecords), that Get reads the partition as without the
// index, so it returns the same change either way.
//
// # Writing
//
// [Store.Save] compacts the batch and produces one record per identity,
// then waits until every record is acknowledged by all in-sync replicas
// through the idempotent producer. Records of one namespace keep their
// order within the partition. When the cluster refuses a record, Save
// waits for the others and returns an error that counts the refused
// records and wraps the first cause, such as
// [github.com/twmb/franz-go/pkg/kerr.MessageTooLarge]. Kafka has no atomic
// write across batches and partitions without transactions, so the other
// records of a failed Save may have been written: saving the same batch
// again is harmless, since readers keep the latest change.
//
// The store is a [backend.Store] over the package's engine: the checks,
// validation, encoding and decoding, and the form of errors, such as
// `kafkastore: save 3 changes to topic "orders": cause`, are those of
// every backend built on it.
//
// # Limits
//
// The key and the value of a record together may hold at most the topic's
// max.message.bytes (1,048,588 bytes by default in Kafka), or the client's
// batch limit ([kgo.ProducerBatchMaxBytes], 1,000,012 by default) if that
// is smaller, less 128 bytes for what Kafka and the client add around a
// record: [Store.MaxRecordBytes] returns the figure. Namespace, kind and id
// count once each in the key, and the value holds 10 bytes beside the
// payload. [Store.Check] refuses a larger change with an error wrapping
// [unionstore.ErrInvalidChange], and Save refuses the batch before sending
// anything. The limit is measured on the uncompressed record, so a record
// Kafka would have accepted compressed may be refused.
//
// # Compacted topics
//
// Kafka's compaction keeps, per key, the record with the highest offset,
// not the one with the latest timestamp: a stale change appended after a
// newer one would survive compaction while the newer one is removed. On a
// compacted topic (one whose cleanup.policy includes compact, or any topic
// with [WithCompactedTopic]) Save therefore reads, under a lock of the
// store, what the partitions it writes to gained since it last looked, and
// leaves out any change older than the latest it knows for its identity; a
// change with an equal timestamp is appended, and wins, as it should. The
// store keeps the latest timestamp of every identity of those partitions in
// memory.
//
// With one writer (one store, any number of goroutines) this holds
// exactly: no record is appended after a newer one of its key, so
// compaction keeps the latest change of every identity. With several
// writers (several stores or processes) it does not: between one writer's
// read and its append another may append a newer change of the same
// identity, and the stale record then follows it; readers that read before
// compaction still pick the newer one, but after compaction only the stale
// one may be left. Several writers on a compacted topic must therefore
// never write the same identity with decreasing timestamps at the same
// time, for instance by giving each identity one writer; otherwise use a
// topic that keeps every record, the default.
//
// # Purging
//
// A partition cannot be changed in place, so [Store.Purge] and
// [Store.PurgeTombstones] append a purge record to the namespace's
// partition: its key is the namespace's key prefix followed by a kind
// length of 0 and no id, which no change's key can be; its value is the
// value format version, a type (3: the whole namespace; 4: the identities
// whose latest change is an unset before the cut-off; 5: those whose latest
// change is an unset, for a cut-off past [unionstore.MaxTimestamp], which
// type 4 cannot hold) and a big-endian int64 of Unix nanoseconds (the time
// of the purge, or the cut-off).
// Every read applies a purge record, in offset order, to the records of
// its namespace that come before it, and to none after it: a change saved
// after a purge is read whatever its timestamp. Readers of releases
// without purges report purge records as records they cannot read, and
// readers of releases before type 5 so report a type 5 record.
//
// What is physically removed: on a topic that keeps every record, nothing
// until the topic's retention expires (never, by default); the purged
// records stay, skipped by every read. On a compacted topic, a purge also
// appends a Kafka tombstone (a null value) for every key it removes, which
// reads apply as the removal of that key: Kafka's compaction then removes
// the keys' earlier records, and the tombstones themselves after
// delete.retention.ms. Purge records are kept on either kind of topic.
//
// # Change feed
//
// [Store] implements [unionstore.Watcher]. A cursor names the topic, its
// topic id, the namespace's partition and an offset in it: the first
// offset a watch from it reads. [Store.Snapshot] takes the partition's
// high watermark first and then loads the records below it, so its changes
// are exactly those before its cursor. [Store.Watch] fetches the partition
// from the cursor's offset, as a consumer does, keeps the records of its
// namespace and yields each with the offset after it; other namespaces of
// the partition cost the reading of their records. An up-to-date watch's
// fetch waits at the broker up to 500 ms for a record and returns as soon
// as one arrives, so an event comes about as fast as to a plain consumer
// of the partition (BenchmarkWatch measures both); a store made by [New]
// notices Close within those 500 ms.
//
// History goes back to the partition's log start: for ever on a topic the
// store created. A cursor below the log start (retention, DeleteRecords)
// expires, with an error wrapping [unionstore.ErrCursorExpired], as does a
// cursor of another topic, of a topic deleted and made again under the
// same name (another topic id), of another partition, or past the high
// watermark. On a compacted topic, Kafka's compaction removes records that
// a later record of the same key replaces: a watch behind it skips those,
// which a feed may, but never the latest record of a key, which compaction
// keeps, and which the guard makes the latest change of its identity (with
// one writer; see Compacted topics).
//
// [Store.Purge] and [Store.PurgeTombstones] append a purge record (see
// Purging). A watch that reads a purge record of its namespace, or a Kafka
// tombstone of one of its keys, ends with an error wrapping
// [unionstore.ErrCursorExpired]; and a watch from a cursor that a purge
// record follows expires before it yields anything, for Watch first looks
// for one between the cursor and the high watermark, comparing keys only.
// So every cursor taken before a purge expires, even that of a watcher that
// is up to date, and [unionstore.Follow] takes a new snapshot. On a
// compacted topic the Kafka tombstones a purge wrote go after
// delete.retention.ms, but the purge record that precedes them is the
// latest record of its key and stays (or a later purge record replaces
// it), so a watcher behind them still meets one and expires.
//
// # Damage
//
// The brokers keep the data. Each record batch carries a CRC-32C that the
// client checks on every fetch: a batch that fails it is a fetch error,
// which the read returns. The store then checks each record's key and
// value against the layout and decodes the latest payload of each
// identity: a record that fails is reported, never silently dropped, as an
// error wrapping [unionstore.ErrDecode] that names its identity or its
// partition and offset. [Store.Load], [Store.Scan], [Store.Snapshot] and
// [Store.Namespaces] return it with what they could read: a record whose
// key or value breaks the layout takes no part in the merge, so its
// identity comes with its latest readable change, and one whose payload
// the codec refuses leaves its identity out. [Store.Get] of an identity
// with a record whose value breaks the layout returns the error alone,
// since the identity's latest change is then unknown. [Store.Watch] ends
// at it. Not detected: records a broker lost with a disk when the
// topic had no other replica, and a record rewritten with a valid CRC.
// What to do: a replication factor of 3 with min.insync.replicas 2, and a
// second store in a [unionstore.Union] to repair from.
//
// # Concurrency
//
// A [Store] is safe for concurrent use. On a topic that keeps every record,
// any number of stores in any number of processes may write to and read
// the same topic.
package kafkastore
