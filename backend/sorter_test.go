package backend_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// TestSorter adds random records, with identities written several times,
// to sorters of thresholds from one that never spills to one that writes a
// run every few records, and checks that All yields what a map of the
// latest record of each identity, sorted, holds.
func TestSorter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		threshold int
		replaces  func(r, held backend.Record) bool
		spills    bool
	}{
		{"in memory, last added wins", 1 << 30, nil, false},
		{"in memory, later timestamp wins", 1 << 30, backend.Record.Newer, false},
		{"runs, last added wins", 2000, nil, true},
		{"runs, later timestamp wins", 2000, backend.Record.Newer, true},
		{"a run per record", 1, backend.Record.Newer, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.threshold)))
			dir := t.TempDir()
			s := backend.NewSorter(dir, tc.threshold, tc.replaces)
			want := map[[2]string]backend.Record{}
			for i := range 500 {
				r := randomRecord(rng, i)
				key := [2]string{r.Kind, r.ID}
				if held, ok := want[key]; !ok || tc.replaces == nil || tc.replaces(r, held) {
					want[key] = r
				}
				if err := s.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			if s.Spilled() != tc.spills {
				t.Errorf("Spilled() = %v, want %v", s.Spilled(), tc.spills)
			}
			var got []backend.Record
			for r, err := range s.All() {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			wantList := slices.SortedFunc(func(yield func(backend.Record) bool) {
				for _, r := range want {
					if !yield(r) {
						return
					}
				}
			}, func(a, b backend.Record) int {
				return strings.Compare(a.Kind+"\x00"+a.ID, b.Kind+"\x00"+b.ID)
			})
			if diff := cmp.Diff(wantList, got, cmpopts.EquateEmpty(), cmp.Comparer(sameError)); diff != "" {
				t.Errorf("All (-want +got):\n%s", diff)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("Close left %d files in the directory", len(left))
			}
		})
	}
}

// randomRecord returns a record of one of 60 identities, sometimes a
// tombstone, sometimes damaged, with a timestamp that often ties.
func randomRecord(rng *rand.Rand, i int) backend.Record {
	kind := []string{"a", "b", "ab"}[rng.IntN(3)]
	id := fmt.Sprint(rng.IntN(20))
	r := backend.Record{
		Namespace: "ns", Kind: kind, ID: id,
		Type:      unionstore.ChangeTypeSet,
		Timestamp: int64(rng.IntN(10)),
		Payload:   []byte(strings.Repeat("x", rng.IntN(40)) + fmt.Sprint(i)),
	}
	switch rng.IntN(10) {
	case 0:
		r.Type = unionstore.ChangeTypeUnset
	case 1:
		r = backend.Damaged("ns", kind, id, fmt.Errorf("record %d: bad header", i))
	}
	return r
}

// sameError compares errors by their text, which is what a spilled
// damaged record keeps.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// TestSorterStopsEarly breaks out of All midway through a merge of runs
// and checks that Close still removes the file.
func TestSorterStopsEarly(t *testing.T) {
	dir := t.TempDir()
	s := backend.NewSorter(dir, 1, nil)
	for i := range 10 {
		if err := s.Add(backend.Record{Kind: "k", ID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, err := range s.All() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Fatalf("%d files in the directory during the walk, want 1", len(left))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Close left %d files in the directory", len(left))
	}
}

// TestSorterErrors checks that a directory that cannot hold the file
// fails Add, and that a run cut short fails All rather than yielding a
// partial record.
func TestSorterErrors(t *testing.T) {
	s := backend.NewSorter(filepath.Join(t.TempDir(), "missing"), 1, nil)
	if err := s.Add(backend.Record{Kind: "k", ID: "1"}); err == nil || !strings.Contains(err.Error(), "sorted runs") {
		t.Errorf("Add into a missing directory: %v, want an error naming the sorted runs", err)
	}

	dir := t.TempDir()
	s = backend.NewSorter(dir, 1, nil)
	defer s.Close()
	for i := range 3 {
		if err := s.Add(backend.Record{Kind: "k", ID: fmt.Sprint(i), Payload: []byte("payload")}); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("%d files, want 1", len(files))
	}
	name := filepath.Join(dir, files[0].Name())
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, info.Size()-3); err != nil {
		t.Fatal(err)
	}
	var last error
	for _, err := range s.All() {
		last = err
	}
	if !errors.Is(last, io.ErrUnexpectedEOF) {
		t.Errorf("All over a truncated run ended with %v, want an unexpected end of file", last)
	}
}

// TestRunsRewrite writes three runs in which identities recur, rewrites
// them without the tombstones older than a time, as a purge does, and
// checks what a merge yields then, that the rewrite left one run, and
// that Reset forgets every run.
func TestRunsRewrite(t *testing.T) {
	rec := func(id string, t unionstore.ChangeType, ts int64) *backend.Record {
		return &backend.Record{Kind: "k", ID: id, Type: t, Timestamp: ts, Payload: []byte(id)}
	}
	set, unset := unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset
	dir := t.TempDir()
	rs := backend.NewRuns(dir)
	defer rs.Close()
	for _, run := range [][]*backend.Record{
		{rec("a", set, 1), rec("b", set, 1), rec("c", unset, 1)},
		{rec("a", unset, 2), rec("b", set, 5), rec("d", unset, 9)},
		{rec("b", unset, 4), rec("e", set, 1)}, // b's older timestamp loses
	} {
		if err := rs.Write(slices.Values(run)); err != nil {
			t.Fatal(err)
		}
	}
	merged := func() string {
		var out []string
		for r, err := range rs.Merge(backend.Record.Newer) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(r.ID, ":", r.Type, "@", r.Timestamp))
		}
		return strings.Join(out, " ")
	}
	if got, want := merged(), "a:unset@2 b:set@5 c:unset@1 d:unset@9 e:set@1"; got != want {
		t.Fatalf("Merge = %s, want %s", got, want)
	}
	err := rs.Rewrite(backend.Record.Newer, func(r *backend.Record) bool {
		return r.Type == unionstore.ChangeTypeUnset && r.Timestamp < 5
	})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Len() != 1 {
		t.Errorf("Rewrite left %d runs, want 1", rs.Len())
	}
	if got, want := merged(), "b:set@5 d:unset@9 e:set@1"; got != want {
		t.Errorf("Merge after Rewrite = %s, want %s", got, want)
	}
	rs.Reset()
	if got := merged(); got != "" || rs.Len() != 0 {
		t.Errorf("Merge after Reset = %q with %d runs, want nothing", got, rs.Len())
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Close left %d files", len(left))
	}
}
