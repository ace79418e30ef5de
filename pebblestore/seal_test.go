package pebblestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// sealKey is the key of the seal counter in the database.
var sealKey = []byte("\x01seal")

// TestSeal checks what Open makes of the seal file. Pebble opens a
// directory whose newest manifest edits or newest log are lost as if they
// had never been, without an error; the seal is what notices. The cases
// fake a lost manifest edit by writing the database with pebble itself,
// and end a session without Close by ending a child process.
func TestSeal(t *testing.T) {
	for _, tt := range []struct {
		name    string
		crashed bool // the last session ended without Close
		damage  func(t *testing.T, dir string)
		refused bool // Open must return ErrNotStore and ErrCorrupt
	}{
		{"intact", false, func(*testing.T, string) {}, false},
		{"the counter of an older close", false, func(t *testing.T, dir string) {
			rawWrite(t, dir, sealKey, []byte{0, 0, 0, 0, 0, 0, 0, 1})
		}, true},
		{"no counter", false, func(t *testing.T, dir string) {
			rawWrite(t, dir, sealKey, nil)
		}, true},
		{"a damaged seal file", false, func(t *testing.T, dir string) {
			damage(t, dir, "UNIONSTORE-SEAL")
		}, true},
		{"no seal file", false, func(t *testing.T, dir string) {
			removeFiles(t, dir, "UNIONSTORE-SEAL")
		}, false}, // what the seal cannot see: Open compares with nothing
		{"intact, after a crash", true, func(*testing.T, string) {}, false},
		{"the log deleted after a crash", true, func(t *testing.T, dir string) {
			removeFiles(t, dir, ".log")
		}, true},
		{"the newest of two logs deleted after a crash", true, func(t *testing.T, dir string) {
			// A session that filled its memory table: pebble flushed it
			// and started a new log, and may keep the old one for reuse.
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=big|%s", damageEnv, dir))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("the child saving a large session: %v\n%s", err, out)
			}
			logs := filesEnding(t, dir, ".log")
			if len(logs) < 2 {
				t.Fatalf("the large session left the logs %v, want two or more", logs)
			}
			if err := os.Remove(filepath.Join(dir, logs[len(logs)-1])); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"the log and the seal file deleted after a crash", true, func(t *testing.T, dir string) {
			removeFiles(t, dir, ".log")
			removeFiles(t, dir, "UNIONSTORE-SEAL")
		}, false}, // the loss the seal cannot see
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			for n := range 2 { // two sessions
				if n == 1 && tt.crashed {
					saveWithoutClose(t, dir, n)
					break
				}
				s := openAt(t, dir)
				if err := saveSession(s, n); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			tt.damage(t, dir)
			s, err := pebblestore.Open[storetest.Item](dir)
			if !tt.refused {
				if err != nil {
					t.Fatalf("Open = %v, want a store", err)
				}
				defer s.Close()
				if _, err := s.Load(context.Background(), "ns"); err != nil {
					t.Fatalf("Load = %v", err)
				}
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want ErrNotStore")
			}
			if !errors.Is(err, pebblestore.ErrNotStore) || !errors.Is(err, pebblestore.ErrCorrupt) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Open = %v, want ErrNotStore and ErrCorrupt naming %q", err, dir)
			}
		})
	}
}

// saveWithoutClose saves session n into dir from a child process that
// ends without closing the store, as a crash would, after every save has
// returned.
func saveWithoutClose(t *testing.T, dir string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=build|%s|%d", damageEnv, dir, n))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the child saving session %d: %v\n%s", n, err, out)
	}
}

// removeFiles removes the files of dir whose names end with suffix.
func removeFiles(t *testing.T, dir, suffix string) {
	t.Helper()
	for _, name := range filesEnding(t, dir, suffix) {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// filesEnding returns the names of the files of dir that end with suffix,
// sorted.
func filesEnding(t *testing.T, dir, suffix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			names = append(names, e.Name())
		}
	}
	return names
}
