package boltstore_test

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

var _ unionstore.Store[storetest.Item] = (*boltstore.Store[storetest.Item])(nil)

// disk opens the tests' stores of storetest items, each in a file.
var disk = storetest.OnDisk[*boltstore.Store[storetest.Item], boltstore.Option]{
	Name: "store.db",
	Open: boltstore.Open[storetest.Item],
	Path: (*boltstore.Store[storetest.Item]).Path,
}

// open opens a store of storetest items in a fresh file.
func open(t testing.TB, opts ...boltstore.Option) *boltstore.Store[storetest.Item] {
	t.Helper()
	return disk.Fresh(t, opts...)
}

// openAt opens the store in the file at path, closed when t ends.
func openAt(t testing.TB, path string, opts ...boltstore.Option) *boltstore.Store[storetest.Item] {
	t.Helper()
	return disk.At(t, path, opts...)
}

// savedFile returns the path of a new store file named name, in a fresh
// directory, that holds changes and is closed.
func savedFile(t testing.TB, name string, changes ...unionstore.Change[storetest.Item]) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	s := openAt(t, path)
	storetest.Save(t, s, changes...)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

// factory returns the factory of stores in fresh files opened with opts,
// and reopen the reopen of a closed store: its file opened again with
// opts.
var factory, reopen = disk.Factory, disk.Reopen

func TestConformance(t *testing.T) {
	storetest.Run(t, factory(), storetest.WithReopen(reopen()))
}

func boltstoreNoSync() []boltstore.Option { return []boltstore.Option{boltstore.WithNoSync()} }

func TestConformanceCompressed(t *testing.T) {
	storetest.Run(t, factory(boltstore.WithCompression()), storetest.WithReopen(reopen(boltstore.WithCompression())))
}

// writeOldFormat writes a file of an older format version, as releases
// before the change feed did: the meta, records and counts buckets, and
// records without a revision.
func writeOldFormat(t *testing.T, path, version string, changes ...unionstore.Change[storetest.Item]) {
	t.Helper()
	updateFile(t, path, func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("meta"))
		records, _ := tx.CreateBucket([]byte("records"))
		counts, _ := tx.CreateBucket([]byte("counts"))
		if err := meta.Put([]byte("format"), []byte(version)); err != nil {
			return err
		}
		for _, c := range changes {
			ns, err := records.CreateBucketIfNotExists([]byte(c.Namespace))
			if err != nil {
				return err
			}
			v, _ := json.Marshal(c.Entity)
			rec := binary.BigEndian.AppendUint64([]byte{1, 1}, uint64(c.Timestamp.Unix()))
			rec = binary.BigEndian.AppendUint32(rec, uint32(c.Timestamp.Nanosecond()))
			if err := ns.Put([]byte(c.Entity.Kind+"\x00\x01"+c.Entity.ID), append(rec, v...)); err != nil {
				return err
			}
		}
		return counts.Put([]byte("ns"), binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(len(changes))), 0))
	})
}

// updateFile runs fn in a write transaction of the bolt file at path,
// creating it if needed, as another program than the store would.
func updateFile(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// fileMeta returns the format version and the id in the file's meta.
func fileMeta(t testing.TB, path string) (format, id string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		format, id = string(meta.Get([]byte("format"))), string(meta.Get([]byte("id")))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return format, id
}

// TestFormatUpgrade opens files of format versions 1 to 3: read-only, it
// reads them as they are and leaves them at their version, with an empty
// change feed; for writing, it raises them to version 4 with an id, and
// the old records load beside the new ones, which the feed delivers. See
// [storetest.FeedUpgrade].
func TestFormatUpgrade(t *testing.T) {
	for _, version := range []string{"1", "2", "3"} {
		t.Run("version "+version, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			writeOldFormat(t, path, version, item("ns", "k", "old", "from before the feed", 1))
			storetest.FeedUpgrade{
				OpenReadOnly: func(tb testing.TB) storetest.WatchStore { return openAt(tb, path, boltstore.WithReadOnly()) },
				Open:         func(tb testing.TB) storetest.WatchStore { return openAt(tb, path) },
				Layout:       func(tb testing.TB) (string, string) { return fileMeta(tb, path) },
			}.Run(t, version, "4", item("ns", "k", "new", "after", 2))
		})
	}
}
