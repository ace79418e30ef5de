package backend

import "iter"

// ScanPages is the loop of a Driver's Scan over an engine read a page at
// a time, each page starting after the last key of the one before
// (keyset paging): it yields the records of each page that next reads, in
// order, and stops after a page of fewer than size records, or at the
// first error, which it yields as its last pair. It stops when the caller
// stops.
//
// next is given the page it returned before (nil on the first call), so
// that it can start after that page's last record and reuse its memory:
// the caller is done with those records when next is called. A page is
// read whole before any of its records is yielded, so that the engine's
// cursor, connection or transaction is not held while the caller's loop
// body runs. A next that keeps more state than prev (a position, a
// buffer) belongs to one walk: make it inside the driver's own iterator
// and run ScanPages(size, next)(yield) there.
func ScanPages(size int, next func(prev []Record) ([]Record, error)) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		var page []Record
		for {
			var err error
			if page, err = next(page); err != nil {
				yield(Record{}, err)
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			if len(page) < size {
				return
			}
		}
	}
}
