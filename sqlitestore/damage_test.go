package sqlitestore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
)

// damageRounds is the number of damaged copies TestDamagedFiles tries.
func damageRounds() int {
	if testing.Short() {
		return 60
	}
	return 300
}

// damageFiles writes a store file of a few thousand changes in three
// namespaces, closed so that the write-ahead log is checkpointed into it,
// and returns its bytes; then saves ten more batches to it and returns
// the write-ahead log they left, as a killed process leaves it, beside
// the same file. It returns every change saved.
func damageFiles(t *testing.T) (db, wal []byte, in unionstore.Changes[item]) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "good.db")
	s := openAt(t, path, sqlitestore.WithNoSync())
	for i := range 3000 {
		c := set([]string{"ns", "other", "third"}[i%3], fmt.Sprintf("%05d", i*7919%100000), fmt.Sprint("value of ", i), at(i))
		if i%10 == 0 {
			c.ChangeType = unionstore.ChangeTypeUnset
		}
		in = append(in, c)
	}
	if err := s.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the write-ahead log is still there after Close: %v", err)
	}
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, sqlitestore.WithNoSync())
	for b := range 10 {
		var batch unionstore.Changes[item]
		for i := range 30 {
			batch = append(batch, set("ns", fmt.Sprintf("w%02d-%02d", b, i), "logged", at(5000+b)))
		}
		if err := s.Save(ctx, batch); err != nil {
			t.Fatal(err)
		}
		in = append(in, batch...)
	}
	if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, db) {
		t.Fatalf("the batches were checkpointed into the file (%v): the log holds less than they wrote", err)
	}
	if wal, err = os.ReadFile(path + "-wal"); err != nil {
		t.Fatal(err)
	}
	return db, wal, in
}

// damage returns damaged copies of the file db and its log wal, drawn from
// r, and says how; a nil log is no log.
func damage(r *rand.Rand, db, wal []byte) ([]byte, []byte, string) {
	b := append([]byte(nil), db...)
	const page = 4096
	switch r.IntN(8) {
	case 0: // the header, which says what the file is and how it is laid out
		n := 1 + r.IntN(3)
		for range n {
			b[r.IntN(100)] ^= byte(1 + r.IntN(255))
		}
		return b, nil, fmt.Sprintf("%d bytes of the header flipped", n)
	case 1:
		size := r.IntN(len(b))
		return b[:size], nil, fmt.Sprintf("cut to %d bytes", size)
	case 2:
		p := r.IntN(len(b) / page)
		clear(b[p*page : (p+1)*page])
		return b, nil, fmt.Sprintf("page %d zeroed", p+1)
	case 3: // the first page holds the schema
		n := 1 + r.IntN(8)
		for range n {
			b[100+r.IntN(page-100)] ^= byte(1 + r.IntN(255))
		}
		return b, nil, fmt.Sprintf("%d bytes of the schema page flipped", n)
	case 4: // SQLite checks the log's frames by their checksums
		w := append([]byte(nil), wal...)
		n := 1 + r.IntN(8)
		for range n {
			w[r.IntN(len(w))] ^= byte(1 + r.IntN(255))
		}
		return b, w, fmt.Sprintf("%d bytes of the log flipped", n)
	case 5:
		size := r.IntN(len(wal))
		return b, wal[:size], fmt.Sprintf("the log cut to %d bytes", size)
	}
	n := 1 + r.IntN(32)
	for range n {
		b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
	}
	return b, nil, fmt.Sprintf("%d bytes flipped", n)
}

// TestDamagedFiles opens seeded damaged copies of a real store file and
// runs every operation on each: open, load, scan, get, list, save, purge
// tombstones and reopen. Each must return an error saying the file is
// damaged (ErrCorrupt, ErrNotStore, ErrFormat, or a record that does not
// decode) or changes that are valid, never panic or hang. SQLite checks no
// sums of its pages, so a byte flipped inside a value that still parses
// reads back changed; the test counts those reads.
func TestDamagedFiles(t *testing.T) {
	db, wal, in := damageFiles(t)
	orig := map[[2]string]unionstore.Change[item]{}
	for _, c := range in {
		orig[[2]string{c.Namespace, c.Entity.ID}] = c
	}
	var noticed, altered, intact int
	for round := range damageRounds() {
		r := rand.New(rand.NewPCG(uint64(round), 25))
		b, w, how := damage(r, db, wal)
		path := filepath.Join(t.TempDir(), "damaged.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if w != nil {
			if err := os.WriteFile(path+"-wal", w, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan []string, 1)
		go func() { done <- damageRound(path, in, orig) }()
		var faults []string
		select {
		case faults = <-done:
		case <-time.After(time.Minute):
			t.Fatalf("round %d (%s): an operation hangs", round, how)
		}
		var errs, changed int
		for _, f := range faults {
			switch f[0] {
			case 'E':
				errs++
			case 'C':
				changed++
			default:
				t.Errorf("round %d (%s): %s", round, how, f)
			}
		}
		switch {
		case errs > 0:
			noticed++
		case changed > 0:
			altered++
			t.Logf("round %d (%s): read back changed values without an error", round, how)
		default:
			intact++
		}
	}
	t.Logf("%d damaged copies: %d gave errors saying so, %d read back changed values without an error, %d read back whole",
		damageRounds(), noticed, altered, intact)
	if noticed == 0 {
		t.Fatal("no damage was noticed: the rounds do not damage what they should")
	}
}

// damageRound runs the operations on the damaged file at path and returns
// one line per finding: "E..." for an error that says the file is
// damaged, "C..." for a read that returned a change unlike the one saved,
// anything else for a fault of the store.
func damageRound(path string, in unionstore.Changes[item], orig map[[2]string]unionstore.Change[item]) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	check := func(op string, err error) bool {
		switch {
		case err == nil:
			return true
		case errors.Is(err, sqlitestore.ErrCorrupt), errors.Is(err, sqlitestore.ErrNotStore),
			errors.Is(err, sqlitestore.ErrFormat), errors.Is(err, unionstore.ErrDecode):
			out = append(out, "E"+op)
		default:
			out = append(out, fmt.Sprintf("%s = %v, want an error saying the file is damaged", op, err))
		}
		return false
	}
	compare := func(op string, c unionstore.Change[item]) {
		if err := (unionstore.Changes[item]{c}).Validate(); err != nil {
			out = append(out, fmt.Sprintf("%s returned an invalid change: %v", op, err))
			return
		}
		if o, ok := orig[[2]string{c.Namespace, c.Entity.ID}]; !ok || o.Entity != c.Entity || o.ChangeType != c.ChangeType || !o.Timestamp.Equal(c.Timestamp) {
			out = append(out, "C"+op)
		}
	}
	s, err := sqlitestore.Open[item](path)
	if !check("Open", err) {
		return out
	}
	defer s.Close()
	for _, ns := range []string{"ns", "other"} {
		got, err := s.Load(ctx, ns)
		check("Load", err)
		for _, c := range got {
			compare("Load", c)
		}
		for c, err := range s.Scan(ctx, ns) {
			if !check("Scan", err) {
				break
			}
			compare("Scan", c)
		}
	}
	for _, c := range in[:300] {
		got, ok, err := s.Get(ctx, c.Namespace, c.Entity.Kind, c.Entity.ID)
		if check("Get", err) && ok {
			compare("Get", got)
		}
	}
	_, err = s.Namespaces(ctx)
	check("Namespaces", err)
	check("Save", s.Save(ctx, unionstore.Changes[item]{set("ns", "new", "v", at(1)), set("fourth", "new", "v", at(1))}))
	_, err = s.PurgeTombstones(ctx, "third", at(1500))
	check("PurgeTombstones", err)
	check("Close", s.Close())
	s2, err := sqlitestore.Open[item](path)
	if !check("reopen", err) {
		return out
	}
	_, err = s2.Load(ctx, "ns")
	check("Load after reopen", err)
	check("Close after reopen", s2.Close())
	return out
}
