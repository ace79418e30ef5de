package kafkastore

import (
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DisableGuard turns off the stale-append guard of a store on a compacted
// topic, so that a test can show what it prevents.
func DisableGuard[E unionstore.Entity](s *Store[E]) { s.d.guard = nil }

// RecordSize returns the bytes of the key and value of c's record under
// the default codec, the figure [Store.Check] compares with
// [Store.MaxRecordBytes].
func RecordSize[E unionstore.Entity](s *Store[E], c unionstore.Change[E]) int {
	payload, err := unionstore.JSONCodec[E]().Encode(c.Entity)
	if err != nil {
		panic(err)
	}
	ns, kind, id := c.Key()
	return recordSize(backend.Record{Namespace: ns, Kind: kind, ID: id, Type: c.ChangeType, Payload: payload})
}

// CursorAt returns the cursor of offset next in the partition of
// namespace, the first offset a watch from it reads.
func CursorAt[E unionstore.Entity](s *Store[E], namespace string, next int64) unionstore.Cursor {
	return unionstore.Cursor(s.d.cursor(partitionFor(namespace, s.d.info.partitions), next))
}

// PartitionOf returns the partition that holds namespace.
func PartitionOf[E unionstore.Entity](s *Store[E], namespace string) int32 {
	return partitionFor(namespace, s.d.info.partitions)
}

// KeyIdentity returns the namespace, kind and id of a record key.
func KeyIdentity(key []byte) (namespace, kind, id string, err error) { return decodeKey(key) }

// WatchWait is how long a watch's fetch waits at the broker for a record.
const WatchWait = watchWait

// RecordKey returns the record key of (namespace, kind, id).
func RecordKey(namespace, kind, id string) []byte { return appendKey(nil, namespace, kind, id) }
