package pebblestore

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// TestBatchEntrySize compares the size the limit check counts with the
// size of pebble's own batch encoding.
func TestBatchEntrySize(t *testing.T) {
	for _, tt := range []struct{ key, value int }{{1, 0}, {127, 127}, {128, 128}, {300, 70000}, {MaxKeySize, 1 << 21}} {
		b := new(pebble.Batch)
		if err := b.Set(make([]byte, tt.key), make([]byte, tt.value), nil); err != nil {
			t.Fatal(err)
		}
		if got, want := int64(batchHeaderSize)+batchEntrySize(tt.key, tt.value), int64(b.Len()); got != want {
			t.Errorf("batch of a %d-byte key and %d-byte value: counted %d bytes, pebble's is %d", tt.key, tt.value, got, want)
		}
	}
}
