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
