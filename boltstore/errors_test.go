package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

func item(ns, kind, id, value string, sec int) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{
		Namespace: ns, ChangeType: unionstore.ChangeTypeSet,
		Entity:    storetest.Item{Kind: kind, ID: id, Value: value},
		Timestamp: time.Unix(int64(1700000000+sec), 0),
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foreign := filepath.Join(dir, "foreign.db")
	updateFile(t, foreign, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("theirs")); return err })
	future := filepath.Join(dir, "future.db")
	s := openAt(t, future)
	s.Close()
	updateFile(t, future, func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("99")) })

	tests := []struct {
		name string
		path string
		opts []boltstore.Option
		want error
	}{
		{"text file", write("notes.txt", []byte(strings.Repeat("not a database\n", 1000))), nil, boltstore.ErrNotStore},
		{"short file", write("short.db", []byte("hello")), nil, boltstore.ErrNotStore},
		{"zeroed file", write("zero.db", make([]byte, 8192)), nil, boltstore.ErrNotStore},
		{"directory", dir, nil, boltstore.ErrNotStore},
		{"another program's bolt file", foreign, nil, boltstore.ErrNotStore},
		{"newer format", future, nil, boltstore.ErrFormat},
		{"missing file read-only", filepath.Join(dir, "missing.db"), []boltstore.Option{boltstore.WithReadOnly()}, os.ErrNotExist},
	}
	for _, tt := range tests {
		s, err := boltstore.Open[storetest.Item](tt.path, tt.opts...)
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Open = %v, want %v", tt.name, err, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.path) {
			t.Errorf("%s: error %q does not name the file", tt.name, err)
		}
	}
}

func TestOpenLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	openAt(t, path) // flock conflicts between two opens, even in one process
	_, err := boltstore.Open[storetest.Item](path, boltstore.WithLockTimeout(50*time.Millisecond))
	if !errors.Is(err, boltstore.ErrLocked) {
		t.Fatalf("Open of a held file = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another process") {
		t.Errorf("error %q does not say another process holds the file", err)
	}
}

func TestReadOnly(t *testing.T) {
	path := savedFile(t, "ro.db", item("ns", "k", "a", "v", 1))
	ctx := context.Background()
	r1 := openAt(t, path, boltstore.WithReadOnly())
	r2 := openAt(t, path, boltstore.WithReadOnly()) // readers share the lock
	for _, r := range []*boltstore.Store[storetest.Item]{r1, r2} {
		if got, err := r.Load(ctx, "ns"); err != nil || len(got) != 1 {
			t.Fatalf("Load = %v, %v; want one change", got, err)
		}
	}
	_, purged := r1.PurgeTombstones(ctx, "ns", time.Now())
	for _, w := range []struct {
		op  string
		err error
	}{
		{"Save", r1.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "b", "v", 1)})},
		{"Purge", r1.Purge(ctx, "ns")},
		{"PurgeTombstones", purged},
	} {
		if !errors.Is(w.err, unionstore.ErrReadOnly) {
			t.Errorf("%s on a read-only store = %v, want ErrReadOnly", w.op, w.err)
		}
	}
	if got, err := r2.Load(ctx, "ns"); err != nil || len(got) != 1 {
		t.Fatalf("Load after the refused writes = %v, %v; want the one change", got, err)
	}
}

func TestCodecMismatch(t *testing.T) {
	type other struct{ storetest.Item }
	_, err := boltstore.Open[storetest.Item](filepath.Join(t.TempDir(), "x.db"), boltstore.WithCodec(unionstore.JSONCodec[other]()))
	if err == nil || !strings.Contains(err.Error(), "cannot encode") {
		t.Fatalf("Open with a codec for another type = %v, want an error", err)
	}
}

func TestKeyTooLong(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	huge := strings.Repeat("x", 40000)
	tests := []struct {
		name string
		c    unionstore.Change[storetest.Item]
	}{
		{"namespace", item(huge, "k", "a", "v", 1)},
		{"id", item("ns", "k", huge, "v", 1)},
		{"kind", item("ns", huge, "a", "v", 1)},
		{"kind and id together", item("ns", huge[:16400], huge[:16400], "v", 1)},
	}
	for _, tt := range tests {
		err := s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "good", "v", 1), tt.c})
		if !errors.Is(err, boltstore.ErrKeyTooLong) || !errors.Is(err, unionstore.ErrInvalidChange) {
			t.Errorf("%s too long: Save = %v, want ErrKeyTooLong and ErrInvalidChange", tt.name, err)
		}
	}
	if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 0 {
		t.Fatalf("Load after rejected batches = %v, %v; want nothing written", got, err)
	}
	// The largest id that fits is accepted.
	max := item("ns", "k", strings.Repeat("y", 32768-3), "v", 1)
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{max}); err != nil {
		t.Fatalf("Save of a key at the limit: %v", err)
	}
}

// breakRecord overwrites the stored payload of (ns, kind, id) in a closed
// store file, keeping the record header.
func breakRecord(t *testing.T, path, ns, kind, id, payload string) {
	t.Helper()
	key := append([]byte(kind), 0, 1)
	key = append(key, id...)
	updateFile(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("records")).Bucket([]byte(ns))
		v := b.Get(key)
		if v == nil {
			return errors.New("record not found")
		}
		return b.Put(key, append(append([]byte(nil), v[:14]...), payload...))
	})
}

func TestDecodeErrorsNameTheRecordAndOthersLoad(t *testing.T) {
	ctx := context.Background()
	var in unionstore.Changes[storetest.Item]
	for _, id := range []string{"a", "b", "c", "d"} {
		in = append(in, item("ns", "k", id, id, 1))
	}
	path := savedFile(t, "bad.db", in...)
	breakRecord(t, path, "ns", "k", "b", `{"value": 12`)
	breakRecord(t, path, "ns", "k", "d", `{"kind":"k","id":"other"}`)

	s := openAt(t, path)
	got, err := s.Load(ctx, "ns")
	var ids []string
	for _, c := range got {
		ids = append(ids, c.Entity.ID)
	}
	if strings.Join(ids, ",") != "a,c" {
		t.Errorf("Load kept ids %q, want a,c", ids)
	}
	checkDecodeErr(t, "Load", err)

	ids, last := scanIDs(t, s, "ns")
	if strings.Join(ids, ",") != "a,c" {
		t.Errorf("Scan yielded ids %q, want a,c", ids)
	}
	checkDecodeErr(t, "Scan", last)
}

// scanIDs returns the ids of the changes that Scan of namespace yields,
// and the error it yields last, which must come after every change.
func scanIDs(t *testing.T, s *boltstore.Store[storetest.Item], namespace string) ([]string, error) {
	t.Helper()
	var ids []string
	var last error
	for c, err := range s.Scan(context.Background(), namespace) {
		if err != nil {
			last = err
			continue
		}
		if last != nil {
			t.Fatal("Scan yielded a change after its error")
		}
		ids = append(ids, c.Entity.ID)
	}
	return ids, last
}

func checkDecodeErr(t *testing.T, op string, err error) {
	t.Helper()
	var de *unionstore.DecodeError
	if !errors.Is(err, unionstore.ErrDecode) || !errors.As(err, &de) {
		t.Fatalf("%s error = %v, want a DecodeError", op, err)
	}
	if de.Namespace != "ns" || de.Kind != "k" || de.ID != "b" {
		t.Errorf("%s: DecodeError names %q/%q/%q, want ns/k/b", op, de.Namespace, de.Kind, de.ID)
	}
	if !strings.Contains(err.Error(), `id "d"`) {
		t.Errorf("%s error %q does not name the record stored under another id", op, err)
	}
}

func TestManyDecodeErrorsAreSummed(t *testing.T) {
	ctx := context.Background()
	var in unionstore.Changes[storetest.Item]
	for i := range 30 {
		in = append(in, item("ns", "k", string(rune('A'+i)), "v", 1))
	}
	path := savedFile(t, "bad.db", in...)
	for i := range 25 {
		breakRecord(t, path, "ns", "k", string(rune('A'+i)), "!")
	}
	s := openAt(t, path)
	got, err := s.Load(ctx, "ns")
	if len(got) != 5 {
		t.Errorf("Load = %d changes, want the 5 good ones", len(got))
	}
	if err == nil || !strings.Contains(err.Error(), "25 records") || !strings.Contains(err.Error(), "15 more") {
		t.Errorf("Load error = %v, want 25 records counted, 15 beyond the listed ones", err)
	}
}

// TestDamagedCountsDoNotBreakLoad stores absurd counts for a namespace, as a
// damaged file might: Load must still return the records, not try to
// reserve room for 2^64 of them.
func TestDamagedCountsDoNotBreakLoad(t *testing.T) {
	path := savedFile(t, "counts.db", item("ns", "k", "a", "v", 1))
	ctx := context.Background()
	updateFile(t, path, func(tx *bolt.Tx) error {
		huge := bytes.Repeat([]byte{0xFF}, 16)
		return tx.Bucket([]byte("counts")).Put([]byte("ns"), huge)
	})
	s := openAt(t, path)
	got, err := s.Load(ctx, "ns")
	if err != nil || len(got) != 1 || got[0].Entity.ID != "a" {
		t.Fatalf("Load = %v, %v; want the one record", got, err)
	}
}
