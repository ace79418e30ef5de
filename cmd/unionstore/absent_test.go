package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testAbsentReadsAsEmpty runs, in dir, the commands that read a store
// that does not exist yet at addr as empty, and requires of each that it
// report what the store lacks, exit with the documented status, and leave
// the store uncreated, as exists tells. A real sync then creates it, which
// shows that exists can see it. noted says whether the commands must say
// that the store does not exist yet: not for a backend whose missing store
// is an empty one, such as an S3 prefix.
func testAbsentReadsAsEmpty(t *testing.T, dir, addr string, noted bool, exists func() bool) {
	t.Helper()
	must(t, dir, exitOK, schemeLines, "put", "--store", "old.db", "shop")
	must(t, dir, exitOK, "", "unset", "--store", "old.db", "shop", "customer", "c2")
	shown := redactAddr(addr)
	note := shown + " does not exist yet: read as empty, and not created"
	jsonShown, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		status int
		wants  []string
	}{
		{[]string{"sync", "--dry-run", "old.db", addr}, exitOK,
			[]string{note, "shop: would copy 2 changes to " + shown + " (2 missing, 0 older): 1 live record and 1 tombstone"}},
		{[]string{"sync", "--dry-run", "--from", "old.db", "--to", addr, "shop"}, exitOK,
			[]string{"shop: would copy 2 changes to " + shown}},
		{[]string{"check", "--store", "old.db", "--store", addr}, exitDiffer,
			[]string{note, "shop: 2 records differ", shown + " lacks 2, holds 0 older"}},
		{[]string{"check", "--one-way", "--store", "old.db", "--store", addr, "shop"}, exitDiffer,
			[]string{shown + " lacks 2, holds 0 older"}},
		{[]string{"check", "--json", "--store", "old.db", "--store", addr}, exitDiffer,
			[]string{`{"store":` + string(jsonShown) + `,"missing":2,"older":0}`}},
		{[]string{"repair", "--dry-run", "--store", addr, "--store", "old.db"}, exitOK,
			[]string{note, "shop: would write 2 changes to " + shown + " (2 missing, 0 older): 1 live record and 1 tombstone"}},
		{[]string{"shards", "--shard", "a=old.db", "--shard", "b=" + addr, "shop", "other"}, exitOK,
			[]string{note, "2 namespaces over 2 shards"}},
	} {
		r := must(t, dir, tc.status, "", tc.args...)
		wants := tc.wants
		if !noted {
			wants = slices.DeleteFunc(slices.Clone(wants), func(w string) bool { return w == note })
		}
		contains(t, "stdout of "+tc.args[0], r.stdout, wants...)
		if !noted && strings.Contains(r.stdout, note) {
			t.Errorf("unionstore %q says that %s does not exist:\n%s", tc.args, shown, r.stdout)
		}
		if exists() {
			t.Fatalf("unionstore %q created %s", tc.args, addr)
		}
	}
	r := must(t, dir, exitOK, "", "sync", "old.db", addr)
	contains(t, "stdout of sync", r.stdout, "shop: copied 2 changes to "+shown)
	if !exists() {
		t.Fatalf("%s does not exist after sync", addr)
	}
	r = must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", addr)
	contains(t, "stdout of check after sync", r.stdout, "shop: equal")
}

// TestAbsentLocalStoreReadsAsEmpty: a bolt file or a pebble directory that
// a command that writes would create reads as empty in dry runs, check and
// shards, and is not created.
func TestAbsentLocalStoreReadsAsEmpty(t *testing.T) {
	for _, tc := range []struct {
		name, addr, path string
	}{
		{"bolt file", "new.db", "new.db"},
		{"bolt URL", "bolt://new.db", "new.db"},
		{"pebble directory", "pebble://new", "new"},
		{"pebble directory in a missing one", "pebble://stores/new", "stores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			testAbsentReadsAsEmpty(t, dir, tc.addr, true, func() bool {
				_, err := os.Stat(filepath.Join(dir, tc.path))
				return err == nil
			})
		})
	}
}

// TestEmptyPebbleDirectoryReadsAsEmpty: a directory that exists but holds
// no store yet, where sync would create one, reads as empty too, and is
// left empty.
func TestEmptyPebbleDirectoryReadsAsEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "new"), 0o755); err != nil {
		t.Fatal(err)
	}
	testAbsentReadsAsEmpty(t, dir, "pebble://new", true, func() bool {
		entries, err := os.ReadDir(filepath.Join(dir, "new"))
		if err != nil {
			t.Fatal(err)
		}
		return len(entries) > 0
	})
}

// TestAbsentStoreHidesNoError: what a command that writes could not create
// either, or a store that cannot be read, is still an error; and commands
// that read a store given alone still refuse a missing one, most likely a
// mistyped address.
func TestAbsentStoreHidesNoError(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, schemeLines, "put", "--store", "old.db", "shop")
	if err := os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sync", "--dry-run", "old.db", "missing/new.db"}, `directory "missing" does not exist`},
		{[]string{"check", "--store", "old.db", "--store", "missing/new.db"}, `directory "missing" does not exist`},
		{[]string{"check", "--store", "old.db", "--store", "empty.db"}, "is an empty file, not a store"},
		{[]string{"repair", "--dry-run", "--store", "old.db", "--store", "pebble://file"}, "it is a file, not a directory"},
		{[]string{"shards", "--shard", "a=old.db", "--shard", "b=pebble://old.db"}, "not a directory"},
		{[]string{"sync", "--dry-run", "new.db", "old.db"}, "no such file"},
		{[]string{"load", "--store", "new.db", "shop"}, "no such file"},
		{[]string{"namespaces", "--store", "pebble://new"}, "no store in that directory"},
	} {
		r := must(t, dir, exitFailure, "", tc.args...)
		contains(t, "stderr of "+tc.args[0], r.stderr, tc.want)
	}
	for _, name := range []string{"missing", "new.db", "new"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was created", name)
		}
	}
}
