package kafkastore

import (
	"encoding/binary"
	"testing"
)

// TestBatchLen splits encoded record batches by their length field, and
// leaves a batch cut short, or with a length field that cannot be right,
// whole to the fetch's decoding, which skips it.
func TestBatchLen(t *testing.T) {
	batch := func(length int32, body int) []byte {
		b := binary.BigEndian.AppendUint64(nil, 7)
		b = binary.BigEndian.AppendUint32(b, uint32(length))
		return append(b, make([]byte, body)...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want int
	}{
		{"one whole batch", batch(5, 5), 17},
		{"a batch then the next", append(batch(5, 5), batch(3, 3)...), 17},
		{"a batch cut short", batch(50, 5), 17},
		{"a negative length", batch(-20, 5), 17},
		{"the largest length", batch(1<<31-1, 5), 17},
		{"less than a length field", []byte{0, 0, 0}, 3},
		{"nothing", nil, 0},
	} {
		if got := batchLen(tc.in); got != tc.want {
			t.Errorf("batchLen(%s) = %d, want %d", tc.name, got, tc.want)
		}
	}
}
