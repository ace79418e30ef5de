package pebblestore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// An invalid option is refused by Open, which names it and creates nothing.
func TestOpenRefusesNegativeLockTimeout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	s, err := pebblestore.Open[storetest.Item](dir, pebblestore.WithLockTimeout(-time.Second))
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !strings.Contains(err.Error(), "lock timeout") {
		t.Fatalf("Open = %v, want an error naming the lock timeout", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created the directory: %v", err)
	}
}
