package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestDamagedFiles cuts copies of a store file short and zeroes pages in
// them, then opens each, loads, scans, reads every identity, lists the
// namespaces, reads through a union with degraded reads, saves and reopens.
// The process must survive every case; every error must say the file is
// damaged (ErrCorrupt, ErrNotStore or a record that does not decode).
func TestDamagedFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s := openAt(t, good, boltstore.WithNoSync())
	var in unionstore.Changes[storetest.Item]
	for i := range 3000 {
		in = append(in, item("ns", "k", fmt.Sprintf("%05d", i*7919%100000), fmt.Sprint("value of ", i), i))
	}
	if err := s.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	pages := len(data) / page
	type damage struct {
		name  string
		apply func([]byte) []byte
	}
	var cases []damage
	for _, size := range []int{100, page, 2*page + 10, 3 * page, len(data) / 2, len(data) - page, len(data) - 1} {
		cases = append(cases, damage{fmt.Sprintf("cut to %d bytes", size), func(b []byte) []byte { return b[:size] }})
	}
	zero := func(ids ...int) func([]byte) []byte {
		return func(b []byte) []byte {
			for _, id := range ids {
				clear(b[id*page : (id+1)*page])
			}
			return b
		}
	}
	for _, ids := range [][]int{{0}, {1}, {0, 1}, {2}, {3}, {4}, {pages / 2}, {pages - 1}, {4, pages / 3, 2 * pages / 3}} {
		cases = append(cases, damage{fmt.Sprintf("pages %v zeroed", ids), zero(ids...)})
	}
	damaged := func(err error) bool {
		return errors.Is(err, boltstore.ErrCorrupt) || errors.Is(err, boltstore.ErrNotStore) || errors.Is(err, unionstore.ErrDecode)
	}
	readErrors := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(path, c.apply(append([]byte(nil), data...)), 0o600); err != nil {
				t.Fatal(err)
			}
			check := func(op string, err error) {
				t.Helper()
				if err == nil {
					return
				}
				readErrors++
				if !damaged(err) {
					t.Errorf("%s = %v, want an error saying the file is damaged", op, err)
				}
			}
			s, err := boltstore.Open[storetest.Item](path)
			if err != nil {
				check("Open", err)
				return
			}
			defer s.Close()
			_, err = s.Load(ctx, "ns")
			check("Load", err)
			for _, err := range s.Scan(ctx, "ns") {
				check("Scan", err)
			}
			for _, c := range in[:200] {
				_, _, err := s.Get(ctx, "ns", c.Entity.Kind, c.Entity.ID)
				check("Get", err)
			}
			_, err = s.Namespaces(ctx)
			check("Namespaces", err)
			mem := unionstore.NewMemory[storetest.Item]()
			if err := mem.Save(ctx, in); err != nil {
				t.Fatal(err)
			}
			// A grace longer than any read: the union waits for both
			// members, so that a busy machine cannot make the intact one
			// a straggler left out of the result.
			u := unionstore.New[storetest.Item](s, mem).With(unionstore.DegradedReads(1), unionstore.QuorumGrace(time.Minute))
			if got, rep, err := u.LoadWithReport(ctx, "ns"); err != nil || len(got) != len(in) {
				t.Errorf("union Load with degraded reads = %d changes, %v (failed members: %v); want the %d of the intact member", len(got), err, rep.Failed, len(in))
			}
			n := 0
			for _, err := range u.Scan(ctx, "ns") {
				if err != nil {
					t.Errorf("union Scan with degraded reads: %v", err)
					break
				}
				n++
			}
			if n != len(in) {
				t.Errorf("union Scan with degraded reads yielded %d changes, want %d", n, len(in))
			}
			check("Save", s.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "k", "new", "v", 1), item("other", "k", "new", "v", 1)}))
			s.Close()
			s2, err := boltstore.Open[storetest.Item](path)
			if err != nil {
				check("reopen", err)
				return
			}
			_, err = s2.Load(ctx, "ns")
			check("Load after reopen", err)
			s2.Close()
		})
	}
	if readErrors == 0 {
		t.Fatal("no damage was noticed: the cases do not damage what they should")
	}
}
