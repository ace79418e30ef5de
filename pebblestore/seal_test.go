package pebblestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// sealKey is the key of the seal counter in the database.
var sealKey = []byte("\x01seal")

// TestSeal checks Open's comparison of the seal counter that pebble
// recovers with the seal file that Close wrote. Pebble opens a directory
// whose newest manifest edits or newest log are lost as if they had never
// been, without an error; the counter in the database then lags the file,
// which these cases fake by writing the database with pebble itself.
func TestSeal(t *testing.T) {
	for _, tt := range []struct {
		name    string
		damage  func(t *testing.T, dir string)
		refused bool // Open must return ErrNotStore and ErrCorrupt
	}{
		{"intact", func(*testing.T, string) {}, false},
		{"the counter of an older close", func(t *testing.T, dir string) {
			rawWrite(t, dir, sealKey, []byte{0, 0, 0, 0, 0, 0, 0, 1})
		}, true},
		{"no counter", func(t *testing.T, dir string) {
			rawWrite(t, dir, sealKey, nil)
		}, true},
		{"a damaged seal file", func(t *testing.T, dir string) {
			damage(t, dir, "UNIONSTORE-SEAL")
		}, true},
		{"no seal file", func(t *testing.T, dir string) {
			// What the seal cannot see: Open compares with nothing.
			if err := os.Remove(filepath.Join(dir, "UNIONSTORE-SEAL")); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			for n := range 2 { // two closes: the counter is 2
				s := openAt(t, dir)
				if err := s.Save(context.Background(), unionstore.Changes[storetest.Item]{item("ns", "k", "a", "v", n)}); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			tt.damage(t, dir)
			s, err := pebblestore.Open[storetest.Item](dir)
			if !tt.refused {
				if err != nil {
					t.Fatalf("Open = %v, want a store", err)
				}
				s.Close()
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want ErrNotStore")
			}
			if !errors.Is(err, pebblestore.ErrNotStore) || !errors.Is(err, pebblestore.ErrCorrupt) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Open = %v, want ErrNotStore and ErrCorrupt naming %q", err, dir)
			}
		})
	}
}
