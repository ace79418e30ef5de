package kafkastore

import "github.com/unionstore/unionstore"

// DisableGuard turns off the stale-append guard of a store on a compacted
// topic, so that a test can show what it prevents.
func DisableGuard[E unionstore.Entity](s *Store[E]) { s.guard = nil }

// RecordSize returns the bytes of the key and value of c's record, the
// figure [Store.Check] compares with [Store.MaxRecordBytes].
func RecordSize[E unionstore.Entity](s *Store[E], c unionstore.Change[E]) int {
	buf, _, _ := s.appendRecord(nil, 0, &c)
	return len(buf)
}

// CursorAt returns the cursor of offset next in the partition of
// namespace, the first offset a watch from it reads.
func CursorAt[E unionstore.Entity](s *Store[E], namespace string, next int64) unionstore.Cursor {
	return s.cursor(partitionFor(namespace, s.info.partitions), next)
}

// PartitionOf returns the partition that holds namespace.
func PartitionOf[E unionstore.Entity](s *Store[E], namespace string) int32 {
	return partitionFor(namespace, s.info.partitions)
}
