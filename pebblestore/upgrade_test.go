package pebblestore_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// writeVersion1 writes, with pebble's default options as releases of
// layout version 1 did, a store of that layout holding changes as whole
// records with exact counts.
func writeVersion1(t *testing.T, dir string, changes unionstore.Changes[storetest.Item]) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	_ = b.Set([]byte("\x01format"), []byte("1"), nil)
	sets := map[string]uint64{}
	for _, c := range changes {
		payload, err := json.Marshal(c.Entity)
		if err != nil {
			t.Fatal(err)
		}
		_ = b.Set(pebblestore.RecordKey(c.Namespace, c.Entity.Kind, c.Entity.ID), pebblestore.RecordValue(c.ChangeType, c.Timestamp, payload), nil)
		sets[c.Namespace]++
	}
	for ns, n := range sets {
		_ = b.Set(append([]byte{0x03}, ns...), pebblestore.CountsValue(n, 0), nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpensVersion1 opens a directory of layout version 1, whose records
// pebble must read as merge bases under the store's merge operator: read
// only, it serves it as it is and writes nothing; for writing, it writes
// the file that keeps older releases out, and later and earlier saves then
// merge with the old records as with any others.
func TestOpensVersion1(t *testing.T) {
	ctx := context.Background()
	old := unionstore.Changes[storetest.Item]{
		item("v1", "k", "a", "old a", 10),
		item("v1", "k", "b", "old b", 10),
		item("v1", "k", "c", "old c", 10),
	}
	later := unionstore.Changes[storetest.Item]{
		item("v1", "k", "a", "earlier a", 5), // loses
		item("v1", "k", "b", "later b", 20),  // wins
		item("v1", "k", "d", "new d", 1),
	}
	later[1].ChangeType = unionstore.ChangeTypeUnset
	for _, readOnly := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "v1")
		writeVersion1(t, dir, old)
		ref := unionstore.NewMemory[storetest.Item]()
		_ = ref.Save(ctx, old)
		var opts []pebblestore.Option
		if readOnly {
			opts = append(opts, pebblestore.WithReadOnly())
		}
		s := openAt(t, dir, opts...)
		storetest.ExpectModel(t, s, ref, "v1")
		_, err := os.Stat(filepath.Join(dir, pebblestore.FormatFile))
		if readOnly != os.IsNotExist(err) {
			t.Fatalf("read-only %v: Stat(%s) = %v", readOnly, pebblestore.FormatFile, err)
		}
		if readOnly {
			continue
		}
		if err := s.Save(ctx, later); err != nil {
			t.Fatal(err)
		}
		_ = ref.Save(ctx, later)
		storetest.ExpectModel(t, s, ref, "v1")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		storetest.ExpectModel(t, openAt(t, dir), ref, "v1")
	}
}

// rawMeta reads the layout version and the id of a closed store.
func rawMeta(t testing.TB, dir string) (format, id string) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}, Merger: pebblestore.Merger, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, k := range []struct {
		key string
		dst *string
	}{{"\x01format", &format}, {"\x01id", &id}} {
		if v, closer, err := db.Get([]byte(k.key)); err == nil {
			*k.dst = string(v)
			closer.Close()
		}
	}
	return format, id
}

// TestOlderLayoutsGetAFeed opens a directory of layout version 1 for
// writing: it becomes version 3 with an id, its old records are in the
// snapshot, and the saves after it are in the feed. Read only, it keeps
// its version and has an empty feed. See [storetest.FeedUpgrade].
func TestOlderLayoutsGetAFeed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v1")
	writeVersion1(t, dir, unionstore.Changes[storetest.Item]{item("ns", "k", "old", "before", 1)})
	storetest.FeedUpgrade{
		OpenReadOnly: func(tb testing.TB) storetest.WatchStore { return openAt(tb, dir, pebblestore.WithReadOnly()) },
		Open:         func(tb testing.TB) storetest.WatchStore { return openAt(tb, dir) },
		Layout:       func(tb testing.TB) (string, string) { return rawMeta(tb, dir) },
	}.Run(t, "1", "3", item("ns", "k", "new", "after", 2))
}
