package storetest

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync"
	"testing"
)

// TestKeyFeed runs KeyFeed on an engine of a sorted slice of keys, and
// checks that the writes come in key order, that each read starts after
// the last key read, and that every key arrives.
func TestKeyFeed(t *testing.T) {
	const n = 200
	var (
		mu      sync.Mutex
		keys    [][]byte
		readTo  uint64 // the keys read so far
		badFrom []uint64
	)
	put := func(key, value []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if len(value) == 0 {
			t.Errorf("put(%x) with an empty value", key)
		}
		keys = append(keys, slices.Clone(key))
		return nil
	}
	read := func(from []byte, arrive func(key []byte)) error {
		if f := binary.BigEndian.Uint64(from); f != readTo {
			badFrom = append(badFrom, f)
		}
		mu.Lock()
		i, _ := slices.BinarySearchFunc(keys, from, bytes.Compare)
		found := slices.Clone(keys[i:])
		mu.Unlock()
		for _, k := range found {
			arrive(k)
			readTo = binary.BigEndian.Uint64(k) + 1
		}
		return nil
	}
	var returnedN, arrivedN, zero int
	testing.Benchmark(func(b *testing.B) {
		keys, readTo = nil, 0
		returned, arrived, elapsed := KeyFeed(b, n, put, read)
		returnedN, arrivedN = len(returned), len(arrived)
		zero = 0
		for _, a := range arrived {
			if a.IsZero() {
				zero++
			}
		}
		if elapsed <= 0 {
			t.Errorf("elapsed = %v, want more than 0", elapsed)
		}
	})
	if returnedN != n || arrivedN != n || zero != 0 {
		t.Fatalf("KeyFeed of %d keys = %d returned and %d arrived, %d of them never; want %d each, all arrived", n, returnedN, arrivedN, zero, n)
	}
	for i, k := range keys {
		if got := binary.BigEndian.Uint64(k); got != uint64(i) {
			t.Fatalf("write %d put key %d, want the writes in key order", i, got)
		}
	}
	if len(badFrom) != 0 {
		t.Fatalf("reads started at %v, not after the last key read", badFrom)
	}
}
