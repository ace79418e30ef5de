package pebblestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkReopen measures an Open and a Close of a store holding 1,000
// changes, without writes, and with one single-change Save between them:
// Open records the session in the seal file, and Close after a write
// flushes the memory table and seals.
func BenchmarkReopen(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		save bool
	}{{"untouched", false}, {"one save", true}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "store")
			s, err := pebblestore.Open[storetest.Item](dir)
			if err != nil {
				b.Fatal(err)
			}
			batch := make(unionstore.Changes[storetest.Item], 1000)
			for i := range batch {
				batch[i] = damageChange(0, i)
			}
			if err := s.Save(ctx, batch); err != nil {
				b.Fatal(err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s, err := pebblestore.Open[storetest.Item](dir)
				if err != nil {
					b.Fatal(err)
				}
				if bc.save {
					if err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "x", "v", i)}); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
