package boltstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// Invalid options are refused by Open, which names them and leaves no file.
func TestOpenRefusesInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  boltstore.Option
		want string
	}{
		{"negative lock timeout", boltstore.WithLockTimeout(-time.Second), "lock timeout"},
		{"nil codec", boltstore.WithCodec[storetest.Item](nil), "nil codec"},
		{"codec of another entity", boltstore.WithCodec(unionstore.JSONCodec[*storetest.Item]()), "codec"},
		{"page size", boltstore.WithPageSize(3000), "page size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			s, err := boltstore.Open[storetest.Item](path, tc.opt)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want an error naming %q", err, tc.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("Open left a file: %v", err)
			}
		})
	}
}
