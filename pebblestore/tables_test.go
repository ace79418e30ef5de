package pebblestore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unionstore/unionstore/pebblestore"
)

// WithLargeMemTables reaches pebble: the OPTIONS file pebble writes into
// the directory names the memory table size and level 0's thresholds it
// was opened with.
func TestLargeMemTables(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []pebblestore.Option
		want []string
	}{
		{"default", nil, []string{"mem_table_size=4194304", "l0_compaction_threshold=4", "l0_stop_writes_threshold=12"}},
		{"large", []pebblestore.Option{pebblestore.WithLargeMemTables()}, []string{"mem_table_size=33554432", "l0_compaction_threshold=8", "l0_stop_writes_threshold=24"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			s := openAt(t, dir, tc.opts...)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			files, err := filepath.Glob(filepath.Join(dir, "OPTIONS-*"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no OPTIONS file in %s: %v", dir, err)
			}
			text, err := os.ReadFile(files[len(files)-1])
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(text), "  "+w+"\n") {
					t.Errorf("OPTIONS file lacks %q", w)
				}
			}
		})
	}
}
