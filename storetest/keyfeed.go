package storetest

import (
	"encoding/binary"
	"testing"
	"time"
)

// keyFeedValue is the value of every key that [KeyFeed] writes: an item of
// the size the benchmarks save.
var keyFeedValue = []byte(`{"kind":"customer","id":"c-000000000","value":"a customer record of moderate size","n":0}`)

// KeyFeed runs an embedded engine's own feed for a [RawFeed]: n writes by
// put of one key each, one after the other, while a reader, woken by a
// channel that is closed when each write returns, calls read with the key
// after the last one it read, and read hands each key from there on to
// arrive, in key order. Key i is i as 8 big-endian bytes; every value is
// the same JSON item. It returns when each write returned, when the reader
// read each key, and the time from the first write to the last read, and
// fails b when put or read fails.
func KeyFeed(b *testing.B, n int, put func(key, value []byte) error, read func(from []byte, arrive func(key []byte)) error) (returned, arrived []time.Time, elapsed time.Duration) {
	// wakes holds the channel that the next write closes; the reader waits
	// on the one it took before reading, so that it cannot miss a wake-up.
	wakes := make(chan chan struct{}, 1)
	wakes <- make(chan struct{})
	returned, arrived = make([]time.Time, n), make([]time.Time, n)
	done := make(chan error, 1)
	go func() {
		next := uint64(0)
		for next < uint64(n) {
			w := <-wakes
			wakes <- w
			err := read(binary.BigEndian.AppendUint64(nil, next), func(key []byte) {
				k := binary.BigEndian.Uint64(key)
				arrived[k] = time.Now()
				next = k + 1
			})
			if err != nil {
				done <- err
				return
			}
			if next < uint64(n) {
				<-w
			}
		}
		done <- nil
	}()
	start := time.Now()
	for i := range n {
		if err := put(binary.BigEndian.AppendUint64(nil, uint64(i)), keyFeedValue); err != nil {
			b.Fatalf("the raw feed's write %d: %v", i, err)
		}
		w := <-wakes
		close(w)
		wakes <- make(chan struct{})
		returned[i] = time.Now()
	}
	if err := <-done; err != nil {
		b.Fatalf("the raw feed's reader: %v", err)
	}
	return returned, arrived, time.Since(start)
}
