package sqlitestore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

// TestScanPages walks namespaces of sizes around Scan's page of 512 rows,
// saving to the store from the loop body, and requires every identity
// once, in order.
func TestScanPages(t *testing.T) {
	for _, n := range []int{511, 512, 513, 1024, 1300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ctx := context.Background()
			s := open(t, sqlitestore.WithNoSync())
			var in unionstore.Changes[item]
			for i := range n {
				in = append(in, set("ns", fmt.Sprintf("%05d", i), "v", at(i)))
			}
			if err := s.Save(ctx, in); err != nil {
				t.Fatal(err)
			}
			i := 0
			for c, err := range s.Scan(ctx, "ns") {
				if err != nil {
					t.Fatal(err)
				}
				if i >= n || c.Entity.ID != in[i].Entity.ID {
					t.Fatalf("Scan yielded %q as change %d, want %d changes in order", c.Entity.ID, i, n)
				}
				// A save in the loop body: Scan holds no lock or
				// transaction while it yields.
				if err := s.Save(ctx, unionstore.Changes[item]{set("ns", in[i].Entity.ID, "again", at(n+i))}); err != nil {
					t.Fatalf("Save in the loop body: %v", err)
				}
				i++
			}
			if i != n {
				t.Fatalf("Scan yielded %d changes, want %d", i, n)
			}
		})
	}
}
