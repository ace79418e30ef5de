package pebblestore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// damageEnv, when set in the environment of the test binary, makes it run
// as a child of the damage test instead of running tests: "build|dir|n"
// saves session n into dir and exits without closing the store, as a
// crash would, and "big|dir" does the same with more than one memory
// table of saves; "round|dir" runs every operation on a damaged directory
// and prints what each returned.
const damageEnv = "PEBBLESTORE_DAMAGE_CHILD"

// The damage test's data: sessions of batches of changes. Each session
// opens the store, saves its batches and closes it, so that the directory
// holds tables from the earlier sessions and a log of the last.
const (
	damageSessions = 4
	damageBatches  = 4 // per session
	damageBatch    = 250
	damageTotal    = damageSessions * damageBatches * damageBatch
)

// damageChange returns change i of batch b.
func damageChange(b, i int) unionstore.Change[storetest.Item] {
	n := b*damageBatch + i
	return item("ns", "k", fmt.Sprintf("%02d-%04d", b, i), fmt.Sprint("value of ", n), n)
}

// saveSession saves the batches of session n.
func saveSession(s *pebblestore.Store[storetest.Item], n int) error {
	for b := n * damageBatches; b < (n+1)*damageBatches; b++ {
		batch := make(unionstore.Changes[storetest.Item], damageBatch)
		for i := range batch {
			batch[i] = damageChange(b, i)
		}
		if err := s.Save(context.Background(), batch); err != nil {
			return err
		}
	}
	return nil
}

// wholeBatches returns k when changes are exactly the changes of batches 0
// to k-1, in Load's order; otherwise -1.
func wholeBatches(changes unionstore.Changes[storetest.Item]) int {
	if len(changes)%damageBatch != 0 {
		return -1
	}
	for j, c := range changes {
		want := damageChange(j/damageBatch, j%damageBatch)
		if c.Entity != want.Entity || c.ChangeType != want.ChangeType || !c.Timestamp.Equal(want.Timestamp) {
			return -1
		}
	}
	return len(changes) / damageBatch
}

// damageOp is what one operation of the child returned.
type damageOp struct {
	Op       string
	Err      string `json:",omitempty"`
	Corrupt  bool   `json:",omitempty"` // Err wraps pebblestore.ErrCorrupt
	NotStore bool   `json:",omitempty"` // Err wraps pebblestore.ErrNotStore
	// Batches is, for a Load or Scan without error, how many whole
	// batches from the first it returned, and nothing else; -1 when it
	// returned anything else.
	Batches int `json:",omitempty"`
	// Lost is, for a Get without error, the batch of a change that it did
	// not find, or found different; -1 when it was right.
	Lost int `json:",omitempty"`
}

func opOf(name string, err error) damageOp {
	op := damageOp{Op: name}
	if err != nil {
		op.Err = err.Error()
		op.Corrupt = errors.Is(err, pebblestore.ErrCorrupt)
		op.NotStore = errors.Is(err, pebblestore.ErrNotStore)
	}
	return op
}

// damageChild runs the child that spec names.
func damageChild(spec string) error {
	parts := strings.Split(spec, "|")
	switch {
	case len(parts) == 3 && parts[0] == "build":
		var n int
		if _, err := fmt.Sscan(parts[2], &n); err != nil {
			return err
		}
		s, err := pebblestore.Open[storetest.Item](parts[1])
		if err != nil {
			return err
		}
		return saveSession(s, n) // and exit without Close
	case len(parts) == 2 && parts[0] == "big":
		// Enough to fill pebble's memory table more than once, so that
		// the session writes more than one log.
		s, err := pebblestore.Open[storetest.Item](parts[1])
		if err != nil {
			return err
		}
		pad := strings.Repeat("x", 200)
		for b := range 5 {
			batch := make(unionstore.Changes[storetest.Item], 5000)
			for i := range batch {
				batch[i] = item("big", "k", fmt.Sprintf("%d-%d", b, i), pad, i)
			}
			if err := s.Save(context.Background(), batch); err != nil {
				return err
			}
		}
		return nil // and exit without Close
	case len(parts) == 2 && parts[0] == "round":
		ops := damageRound(parts[1])
		return json.NewEncoder(os.Stdout).Encode(ops)
	}
	return fmt.Errorf("bad spec %q", spec)
}

// damageRound opens the store at dir, loads, scans, reads points, saves
// and closes it, and returns what each operation returned.
func damageRound(dir string) []damageOp {
	ctx := context.Background()
	s, err := pebblestore.Open[storetest.Item](dir, pebblestore.WithLockTimeout(10*time.Second))
	ops := []damageOp{opOf("Open", err)}
	if err != nil {
		return ops
	}
	got, err := s.Load(ctx, "ns")
	op := opOf("Load", err)
	if err == nil {
		op.Batches = wholeBatches(got)
	}
	ops = append(ops, op)

	var scanned unionstore.Changes[storetest.Item]
	var scanErr error
	for c, err := range s.Scan(ctx, "ns") {
		if err != nil {
			scanErr = err
			break
		}
		scanned = append(scanned, c)
	}
	op = opOf("Scan", scanErr)
	if scanErr == nil {
		op.Batches = wholeBatches(scanned)
	}
	ops = append(ops, op)

	for b := range damageSessions * damageBatches {
		want := damageChange(b, (b*37)%damageBatch)
		c, ok, err := s.Get(ctx, "ns", want.Entity.Kind, want.Entity.ID)
		op := opOf("Get", err)
		op.Lost = -1
		if err == nil && (!ok || c.Entity != want.Entity || !c.Timestamp.Equal(want.Timestamp)) {
			op.Lost = b
		}
		ops = append(ops, op)
	}
	_, err = s.Namespaces(ctx)
	ops = append(ops, opOf("Namespaces", err))
	ops = append(ops, opOf("Save", s.Save(ctx, unionstore.Changes[storetest.Item]{item("new", "k", "a", "v", 1)})))
	ops = append(ops, opOf("Close", s.Close()))
	return ops
}

// damageKinds are the kinds of file in a pebble directory, by how their
// names start or end.
var damageKinds = []struct {
	name  string
	match func(string) bool
}{
	{"table", func(n string) bool { return strings.HasSuffix(n, ".sst") }},
	{"log", func(n string) bool { return strings.HasSuffix(n, ".log") }},
	{"manifest", func(n string) bool { return strings.HasPrefix(n, "MANIFEST-") }},
	{"options", func(n string) bool { return strings.HasPrefix(n, "OPTIONS-") }},
	{"marker", func(n string) bool { return strings.HasPrefix(n, "marker.") }},
	{"seal", func(n string) bool { return n == "UNIONSTORE-SEAL" }},
}

// damageModes change one file.
var damageModes = []struct {
	name  string
	apply func(r *rand.Rand, data []byte) (out []byte, remove bool)
}{
	{"flip a byte", func(r *rand.Rand, data []byte) ([]byte, bool) {
		if len(data) > 0 {
			data[r.IntN(len(data))] ^= byte(1 + r.IntN(255))
		}
		return data, false
	}},
	{"zero a run", func(r *rand.Rand, data []byte) ([]byte, bool) {
		if len(data) > 0 {
			i := r.IntN(len(data))
			clear(data[i:min(len(data), i+1+r.IntN(512))])
		}
		return data, false
	}},
	{"cut short", func(r *rand.Rand, data []byte) ([]byte, bool) {
		if len(data) > 0 {
			data = data[:r.IntN(len(data))]
		}
		return data, false
	}},
	{"delete", func(*rand.Rand, []byte) ([]byte, bool) { return nil, true }},
}

// damageGolden makes the two directories that the rounds damage copies of:
// one closed after its last session, one whose last session was cut off
// by the end of its process, as by a crash, after every save returned.
func damageGolden(t *testing.T) (closed, crashed string) {
	t.Helper()
	closed = filepath.Join(t.TempDir(), "closed")
	crashed = filepath.Join(t.TempDir(), "crashed")
	for _, dir := range []string{closed, crashed} {
		for n := range damageSessions - 1 {
			s, err := pebblestore.Open[storetest.Item](dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := saveSession(s, n); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := pebblestore.Open[storetest.Item](closed)
	if err != nil {
		t.Fatal(err)
	}
	if err := saveSession(s, damageSessions-1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	saveWithoutClose(t, crashed, damageSessions-1)
	return closed, crashed
}

// copyDir copies the files of src into a new directory dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// newestLog returns the name of the log with the highest number in dir.
func newestLog(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	newest := ""
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".log") && e.Name() > newest {
			newest = e.Name()
		}
	}
	return newest
}

// TestDamagedDirectory damages copies of a store directory, one file per
// round, in every kind of file pebble keeps (tables, logs, manifests,
// options, markers) by flipping a byte, zeroing a run, cutting it short
// or deleting it, and runs every operation on each in a child process.
// The child must exit normally; every error must wrap ErrCorrupt or
// ErrNotStore and name the directory; and a read without error must
// return every change, except for the one loss the package doc names:
// the saves in the newest log, damaged but not deleted, of a directory
// whose process ended without Close, lost from the first damaged record
// to the end of that log (pebble's rule for a write torn by a crash).
func TestDamagedDirectory(t *testing.T) {
	closed, crashed := damageGolden(t)
	golden := []struct {
		name, dir string
		newestLog string
	}{
		{"closed", closed, newestLog(t, closed)},
		{"crashed", crashed, newestLog(t, crashed)},
	}
	rounds := len(golden) * len(damageKinds) * len(damageModes)
	var noticed, torn atomic.Int64
	t.Run("rounds", func(t *testing.T) {
		for round := range rounds {
			g := golden[round%len(golden)]
			kind := damageKinds[(round/len(golden))%len(damageKinds)]
			mode := damageModes[(round/len(golden)/len(damageKinds))%len(damageModes)]
			r := rand.New(rand.NewPCG(uint64(round), 20))
			var names []string
			entries, err := os.ReadDir(g.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if kind.match(e.Name()) {
					names = append(names, e.Name())
				}
			}
			if len(names) == 0 {
				t.Errorf("the %s directory holds no %s file: %v", g.name, kind.name, entries)
				continue
			}
			name := names[r.IntN(len(names))]
			t.Run(fmt.Sprintf("%02d %s %s %s %s", round, g.name, kind.name, mode.name, name), func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(t.TempDir(), "store")
				copyDir(t, g.dir, dir)
				p := filepath.Join(dir, name)
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				out, remove := mode.apply(r, data)
				if remove {
					err = os.Remove(p)
				} else {
					err = os.WriteFile(p, out, 0o600)
				}
				if err != nil {
					t.Fatal(err)
				}
				// The loss that the package doc names: a suffix of the
				// batches of the last session, from the newest log of
				// the crashed directory.
				want := damageSessions * damageBatches
				minBatches := want
				if g.name == "crashed" && name == g.newestLog && mode.name != "delete" {
					minBatches = (damageSessions - 1) * damageBatches
				}
				for _, op := range runDamageChild(t, dir) {
					switch {
					case op.Err != "":
						noticed.Add(1)
						t.Logf("%s: %s", op.Op, firstLine(op.Err))
						if !op.Corrupt && !op.NotStore {
							t.Errorf("%s = %s; want an error wrapping ErrCorrupt or ErrNotStore", op.Op, op.Err)
						}
						if !strings.Contains(op.Err, dir) {
							t.Errorf("%s = %s; want an error naming %q", op.Op, op.Err, dir)
						}
					case (op.Op == "Load" || op.Op == "Scan") && op.Batches < minBatches:
						t.Errorf("%s returned %d whole batches from the first (-1: other changes), and no error; want %d", op.Op, op.Batches, want)
					case (op.Op == "Load" || op.Op == "Scan") && op.Batches < want:
						torn.Add(1)
						t.Logf("%s returned the first %d of %d batches: a log torn at its end", op.Op, op.Batches, want)
					case op.Op == "Get" && op.Lost >= 0 && op.Lost < minBatches:
						t.Errorf("Get of a change of batch %d found it missing or different, and no error", op.Lost)
					}
				}
			})
		}
	})
	t.Logf("%d rounds, %d errors, %d reads of a torn log", rounds, noticed.Load(), torn.Load())
	if noticed.Load() == 0 {
		t.Fatal("no round met an error: the damage does not reach what it should")
	}
}

// runDamageChild runs the round's child on dir and returns its report. The
// child must exit normally.
func runDamageChild(t *testing.T, dir string) []damageOp {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=round|%s", damageEnv, dir))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the child on the damaged directory ended with %v\n%s", err, lastLines(stderr.String(), 20))
	}
	var ops []damageOp
	if err := json.Unmarshal(stdout.Bytes(), &ops); err != nil {
		t.Fatalf("the child's report %q: %v", stdout.String(), err)
	}
	if !slices.ContainsFunc(ops, func(op damageOp) bool { return op.Op == "Open" }) {
		t.Fatalf("the child's report %q has no Open", stdout.String())
	}
	return ops
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
