package pebblestore

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
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

// TestBatchSizeCountsANamespaceOnce sizes batches of the same records in
// namespace order and interleaved, as Check passes a caller's batch: each
// namespace's marker and feed entry count once either way.
func TestBatchSizeCountsANamespaceOnce(t *testing.T) {
	rec := func(ns, id string) backend.Record {
		return backend.Record{Namespace: ns, Kind: "k", ID: id, Type: unionstore.ChangeTypeSet, Payload: []byte("{}")}
	}
	sorted := []backend.Record{rec("a", "1"), rec("a", "2"), rec("b", "1"), rec("b", "2")}
	want := int64(batchHeaderSize) + namespaceBatchSize("a") + namespaceBatchSize("b")
	for i := range sorted {
		want += recordBatchSize(&sorted[i])
	}
	for _, tt := range []struct {
		name string
		recs []backend.Record
	}{
		{"sorted", sorted},
		{"interleaved", []backend.Record{sorted[0], sorted[2], sorted[1], sorted[3]}},
	} {
		if got, err := batchSize(tt.recs); err != nil || got != want {
			t.Errorf("batchSize(%s) = %d, %v, want %d", tt.name, got, err, want)
		}
	}
}
