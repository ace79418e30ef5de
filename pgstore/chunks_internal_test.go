package pgstore

import (
	"strconv"
	"testing"

	"github.com/unionstore/unionstore/backend"
)

func TestChunksKeepEveryRecordInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 16, 17, 48, maxChunk, 3*maxChunk + 5} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var c chunks
			for i := range n {
				c.add(backend.Record{ID: strconv.Itoa(i), Timestamp: int64(i)})
			}
			got := c.all()
			if len(got) != n {
				t.Fatalf("all() holds %d records, want %d", len(got), n)
			}
			for i, r := range got {
				if r.Timestamp != int64(i) || r.ID != strconv.Itoa(i) {
					t.Fatalf("all()[%d] = %+v, want record %d", i, r, i)
				}
			}
		})
	}
}
