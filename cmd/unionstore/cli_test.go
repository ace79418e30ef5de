package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

func TestUsageAndHelp(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args   []string
		status int
		stream string // "stdout" or "stderr"
		want   []string
	}{
		{nil, exitFailure, "stderr", []string{"Commands:", "check", "sync"}},
		{[]string{"help"}, exitOK, "stdout", []string{"Exit status", "130 interrupted"}},
		{[]string{"--help"}, exitOK, "stdout", []string{"Commands:", "version"}},
		{[]string{"help", "load"}, exitOK, "stdout", []string{"Usage: unionstore load"}},
		{[]string{"version"}, exitOK, "stdout", []string{"unionstore ", "go1."}},
		{[]string{"--version"}, exitOK, "stdout", []string{"unionstore ", "go1."}},
		{[]string{"frobnicate"}, exitFailure, "stderr", []string{`unknown command "frobnicate"`}},
		{[]string{"put", "--bogus"}, exitFailure, "stderr", []string{"unknown flag --bogus"}},
		{[]string{"load", "shop"}, exitFailure, "stderr", []string{"no --store given"}},
		{[]string{"check", "--store", "a.db", "shop"}, exitFailure, "stderr", []string{"at least two --store"}},
		{[]string{"sync", "--from", "a.db"}, exitFailure, "stderr", []string{"give both --from and --to"}},
		{[]string{"sync", "a.db"}, exitFailure, "stderr", []string{"give SOURCE and DESTINATION"}},
	}
	for _, name := range []string{"put", "unset", "get", "load", "namespaces", "check", "sync", "repair", "demo", "version"} {
		tests = append(tests, struct {
			args   []string
			status int
			stream string
			want   []string
		}{[]string{name, "--help"}, exitOK, "stdout", []string{"Usage: unionstore " + name, "Examples:\n  unionstore " + name}})
	}
	for _, tt := range tests {
		r := must(t, dir, tt.status, "", tt.args...)
		got := r.stderr
		if tt.stream == "stdout" {
			got = r.stdout
		}
		contains(t, "output of "+strings.Join(tt.args, " "), got, tt.want...)
	}
}

func TestBadAddresses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(strings.Repeat("hello\n", 2000)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--store", "postgres://user:secret@127.0.0.1:1/db", "shop"}, "connect"},
		{[]string{"namespaces", "--store", "ftp://localhost"}, "unknown scheme"},
		{[]string{"load", "--store", "ftp://x", "shop"}, `unknown scheme "ftp"`},
		{[]string{"load", "--store", "missing.db", "shop"}, "no such file"},
		{[]string{"check", "--store", "missing.db", "--store", "other.db"}, "none of the stores exists (missing.db, other.db): nothing to compare"},
		{[]string{"repair", "--dry-run", "--store", "missing.db", "--store", "pebble://other"}, "none of the stores exists (missing.db, pebble://other): nothing to repair"},
		{[]string{"load", "--store", "notes.txt", "shop"}, "not a unionstore bolt file"},
		{[]string{"put", "--store", "notes.txt", "shop", "k", "a", "1"}, "not a unionstore bolt file"},
		{[]string{"load", "--store", ".", "shop"}, "directory"},
		{[]string{"put", "--store", "s.db", "shop", "k", "a", "not json"}, "is not a JSON value"},
		{[]string{"put", "--store", "s.db", "--at", "yesterday", "shop", "k", "a", "1"}, "RFC 3339"},
	}
	for _, tt := range tests {
		r := must(t, dir, exitFailure, "", tt.args...)
		contains(t, "stderr of "+strings.Join(tt.args, " "), r.stderr, tt.want)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Errorf("a read-only command created missing.db (stat: %v)", err)
	}
}

func TestLockedStore(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open[Record](filepath.Join(dir, "busy.db"), boltstore.WithCodec[Record](recordCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := must(t, dir, exitFailure, "", "put", "--store", "busy.db", "shop", "k", "a", "1")
	contains(t, "stderr", r.stderr, "in use by another program")
}

func TestPutUnsetLoad(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "s.db", "shop", "customer", "c2", `{"id":"c2","name":"Bob"}`)
	must(t, dir, exitOK, "", "put", "--store", "s.db", "--at", "2026-01-02T03:04:05.123456789Z", "shop", "customer", "c1", `{"id":"c1","name":"Ada"}`)
	lines := `{"kind":"order","id":"o1","body":{"id":"o1","total":5}}

{"kind":"order","id":"o2","body":[1,2]}
{"namespace":"other","kind":"x","id":"y","body":"text"}
`
	r := must(t, dir, exitOK, lines, "put", "--store", "s.db", "shop")
	contains(t, "stdout of put from stdin", r.stdout, "wrote 3 changes from 4 lines to s.db")
	must(t, dir, exitOK, "", "unset", "--store", "s.db", "shop", "customer", "c2")

	r = must(t, dir, exitOK, "", "load", "--store", "s.db", "shop")
	contains(t, "load table", r.stdout,
		"NAMESPACE  KIND      ID  CHANGE  TIMESTAMP",
		"shop       customer  c1  set     2026-01-02T03:04:05.123456789Z  {\"id\":\"c1\",\"name\":\"Ada\"}",
		"shop       customer  c2  unset",
		"shop       order     o2  set")
	contains(t, "load summary", r.stderr, "shop: 4 records (1 tombstone) from s.db")

	r = must(t, dir, exitOK, "", "load", "--store", "s.db", "--json", "shop")
	var got []jsonRecord
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var j jsonRecord
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("load --json line %q: %v", line, err)
		}
		got = append(got, j)
	}
	if len(got) != 4 {
		t.Fatalf("load --json = %d records, want 4:\n%s", len(got), r.stdout)
	}
	if c2 := got[1]; c2.ID != "c2" || c2.Change != "unset" || string(c2.Body) != `{"id":"c2","name":"Bob"}` {
		t.Errorf("tombstone = %+v, want c2 unset keeping the last body", c2)
	}
	if o2 := got[3]; string(o2.Body) != "[1,2]" {
		t.Errorf("body of o2 = %s, want the bytes as put", o2.Body)
	}

	// load --json piped into put copies, and doing it twice changes nothing.
	for range 2 {
		must(t, dir, exitOK, r.stdout, "put", "--store", "copy.db")
	}
	check := must(t, dir, exitOK, "", "check", "--store", "s.db", "--store", "copy.db", "shop")
	contains(t, "check after copy", check.stdout, "shop: equal")
}

func TestNamespaces(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "a.db", "shop", "k", "1", "1")
	must(t, dir, exitOK, "", "put", "--store", "a.db", "shop", "k", "2", "2")
	must(t, dir, exitOK, "", "unset", "--store", "a.db", "shop", "k", "3", "3")
	must(t, dir, exitOK, "", "put", "--store", "b.db", "audit", "k", "1", "true")
	r := must(t, dir, exitOK, "", "namespaces", "--store", "a.db", "--store", "b.db")
	want := "STORE  NAMESPACE  ENTITIES  TOMBSTONES\na.db   shop       2         1\nb.db   audit      1         0\n"
	if r.stdout != want {
		t.Errorf("namespaces =\n%s\nwant\n%s", r.stdout, want)
	}
	r = must(t, dir, exitOK, "", "namespaces", "--store", "b.db", "--json")
	if got := strings.TrimSpace(r.stdout); got != `{"store":"b.db","namespace":"audit","entities":1,"tombstones":0}` {
		t.Errorf("namespaces --json = %s", got)
	}
}

func TestCheckSyncRepair(t *testing.T) {
	dir := t.TempDir()
	put := func(store, id, body, at string) {
		t.Helper()
		must(t, dir, exitOK, "", "put", "--store", store, "--at", at, "shop", "k", id, body)
	}
	put("old.db", "a", `"a1"`, "2026-01-01T00:00:00Z")
	put("old.db", "b", `"b1"`, "2026-01-01T00:00:00Z")
	put("old.db", "c", `"c2"`, "2026-01-03T00:00:00Z")
	put("new.db", "c", `"c1"`, "2026-01-02T00:00:00Z")
	put("new.db", "d", `"d1"`, "2026-01-02T00:00:00Z")

	r := must(t, dir, exitDiffer, "", "check", "--store", "old.db", "--store", "new.db")
	contains(t, "check", r.stdout,
		"k  a  missing in new.db",
		"k  c  older in new.db (2026-01-02T00:00:00Z < 2026-01-03T00:00:00Z)",
		"k  d  missing in old.db",
		"shop: 4 records differ",
		"new.db lacks 2, holds 1 older",
		"old.db lacks 1, holds 0 older")
	if r.stderr != "" {
		t.Errorf("check wrote to stderr when piped (no progress bar expected):\n%s", r.stderr)
	}
	r = must(t, dir, exitDiffer, "", "check", "--store", "old.db", "--store", "new.db", "--json", "shop")
	var d jsonDifference
	if err := json.Unmarshal([]byte(strings.Split(r.stdout, "\n")[0]), &d); err != nil || d.ID != "a" || len(d.Stale) != 1 || d.Stale[0].Store != "new.db" || d.Stale[0].Present {
		t.Errorf("check --json first line = %+v, %v", d, err)
	}

	r = must(t, dir, exitOK, "", "sync", "--from", "old.db", "--to", "new.db")
	contains(t, "sync", r.stdout, "shop: copied 3 changes to new.db (2 missing, 1 older)")
	must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", "new.db", "--one-way")
	must(t, dir, exitDiffer, "", "check", "--store", "old.db", "--store", "new.db") // old still lacks d
	r = must(t, dir, exitOK, "", "sync", "--from", "old.db", "--to", "new.db")
	contains(t, "second sync", r.stdout, "shop: new.db is up to date")

	r = must(t, dir, exitOK, "", "repair", "--store", "old.db", "--store", "new.db", "--store", "third.db")
	contains(t, "repair", r.stdout, "shop: wrote 1 change to old.db (1 missing, 0 older)", "shop: wrote 4 changes to third.db (4 missing, 0 older)")
	r = must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", "new.db", "--store", "third.db")
	contains(t, "check after repair", r.stdout, "shop: equal")
	r = must(t, dir, exitOK, "", "load", "--store", "third.db", "--json", "shop")
	if !strings.Contains(r.stdout, `"id":"c","change":"set","timestamp":"2026-01-03T00:00:00Z","body":"c2"`) {
		t.Errorf("third.db after repair:\n%s", r.stdout)
	}
}

// customer is what a typed application stores with the JSON codec.
type customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c customer) CompactionKey() (kind, id string) { return "customer", c.ID }

func TestReadsAndWritesTypedApplicationFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.db")
	ctx := context.Background()
	app, err := boltstore.Open[customer](path)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)
	if err := app.Save(ctx, unionstore.Changes[customer]{{Namespace: "crm", ChangeType: unionstore.ChangeTypeSet, Entity: customer{"c1", "Ada"}, Timestamp: ts}}); err != nil {
		t.Fatal(err)
	}
	app.Close()

	r := must(t, dir, exitOK, "", "load", "--store", "app.db", "--json", "crm")
	want := `{"namespace":"crm","kind":"customer","id":"c1","change":"set","timestamp":"2026-05-06T07:08:09.00000001Z","body":{"id":"c1","name":"Ada"}}`
	if got := strings.TrimSpace(r.stdout); got != want {
		t.Errorf("load --json of an application's file =\n%s\nwant\n%s", got, want)
	}
	must(t, dir, exitOK, "", "put", "--store", "app.db", "crm", "customer", "c2", `{"id":"c2","name":"Bob"}`)
	must(t, dir, exitOK, "", "unset", "--store", "app.db", "crm", "customer", "c1")

	app, err = boltstore.Open[customer](path)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	got, err := app.Load(ctx, "crm")
	if err != nil {
		t.Fatalf("the application cannot load what the command wrote: %v", err)
	}
	if len(got) != 2 || got[0].ChangeType != unionstore.ChangeTypeUnset || got[0].Entity != (customer{"c1", "Ada"}) || got[1].Entity != (customer{"c2", "Bob"}) {
		t.Errorf("application Load = %+v", got)
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := must(t, t.TempDir(), exitOK, "", "demo", "--dir", dir)
	contains(t, "demo output", r.stdout,
		"1. The old application has written 120 customers and 300 orders to old.db.",
		"Through the union it sees 120 customers and 320 live orders.",
		"$ unionstore check --store old.db --store new.db --one-way --limit 3",
		"shop: 400 records differ\n  new.db lacks 395, holds 5 older",
		"shop: copied 400 changes to new.db (395 missing, 5 older)",
		"shop: equal",
		"shop: new.db is up to date",
		"The two stores stay in "+dir+" for you to try the other commands on; remove it when done.")
	// The files it leaves are real stores that the other commands read.
	r = must(t, dir, exitOK, "", "namespaces", "--store", "new.db")
	contains(t, "namespaces of the demo's new.db", r.stdout, "new.db  shop       440       10")
	// A second run in the same directory refuses to overwrite.
	r = must(t, t.TempDir(), exitFailure, "", "demo", "--dir", dir)
	contains(t, "second demo", r.stderr, "already exists")
}

// loadShop reads namespace shop of the bolt file at path as the demo's
// typed application does, through a union.
func loadShop(t testing.TB, path string) unionstore.Changes[shopEntity] {
	t.Helper()
	s, err := openShop(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unionstore.New[shopEntity](s)
	defer u.Close()
	got, err := u.Load(context.Background(), "shop")
	if err != nil {
		t.Fatalf("the demo's application cannot load %s: %v", path, err)
	}
	return got
}

func TestUnsetOfARecordNoStoreHolds(t *testing.T) {
	dir := t.TempDir()
	must(t, t.TempDir(), exitOK, "", "demo", "--dir", dir)
	newDB := filepath.Join(dir, "new.db")
	before := len(loadShop(t, newDB))

	r := must(t, dir, exitFailure, "", "unset", "--store", "new.db", "shop", "customer", "c999")
	contains(t, "stderr of unset of an unknown record", r.stderr,
		"no store given holds shop customer c999", "nothing written", "give its last body as BODY", "Run 'unionstore unset --help'")
	lines := `{"kind":"customer","id":"c001"}
{"kind":"customer","id":"c998"}
{"kind":"order","id":"o999"}
`
	r = must(t, dir, exitFailure, lines, "unset", "--store", "new.db", "shop")
	contains(t, "stderr of unset from standard input", r.stderr,
		"no store given holds 2 of the records", "line 2: shop customer c998", "line 3: shop order o999")
	if got := loadShop(t, newDB); len(got) != before {
		t.Fatalf("after refused unsets, new.db holds %d records, want %d", len(got), before)
	}

	// With the body given, the tombstone is written and decodes.
	must(t, dir, exitOK, "", "unset", "--store", "new.db", "shop", "customer", "c999", `{"id":"c999","name":"Nobody","email":"n@example.com"}`)
	must(t, dir, exitOK, `{"kind":"order","id":"o999","body":{"id":"o999","customer":"c999"}}`, "unset", "--store", "new.db", "shop")
	// Known records take their last body from the store.
	must(t, dir, exitOK, "", "unset", "--store", "new.db", "shop", "customer", "c001")
	tombstones := map[string]string{}
	for _, c := range loadShop(t, newDB) {
		if c.ChangeType == unionstore.ChangeTypeUnset {
			kind, id := c.Entity.CompactionKey()
			tombstones[kind+"/"+id] = fmt.Sprint(c.Entity)
		}
	}
	for key, want := range map[string]string{
		"customer/c999": "&{c999 Nobody n@example.com}",
		"order/o999":    "&{o999 c999 0}",
		"customer/c001": "&{c001 Customer 1 (renamed) c1@example.com}",
	} {
		if got := tombstones[key]; got != want {
			t.Errorf("tombstone of %s decodes as %q, want %q", key, got, want)
		}
	}
}

func TestPutChecksEachBatchBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "s.db", "shop", "k", "first", "1")
	var in strings.Builder
	for i := 1; i <= 1500; i++ {
		switch i {
		case 1200:
			in.WriteString(`{"kind":"k","id":` + "\n")
		case 1300:
			in.WriteString(`{"kind":"k","id":"late","timestamp":"3000-01-01T00:00:00Z","body":1}` + "\n")
		case 1400:
			in.WriteString(`{"kind":"k","id":"null","body":null}` + "\n")
		default:
			fmt.Fprintf(&in, `{"kind":"k","id":"r%d","body":%d}`+"\n", i, i)
		}
	}
	// In one batch, nothing is written.
	r := must(t, dir, exitFailure, in.String(), "put", "--store", "s.db", "--batch", "2000", "shop")
	contains(t, "stderr of put of bad input", r.stderr,
		"3 bad lines from line 1 to 1500", "line 1200: not valid JSON", "line 1300: timestamp", "line 1400: record k/null has a null body", "\nnothing written")
	r = must(t, dir, exitOK, "", "namespaces", "--store", "s.db")
	contains(t, "namespaces after put of bad input", r.stdout, "s.db   shop       1         0")

	// In batches of 1000, the first batch is written and the message
	// says so.
	r = must(t, dir, exitFailure, in.String(), "put", "--store", "s.db", "shop")
	contains(t, "stderr of put of bad input in batches", r.stderr,
		"3 bad lines from line 1001 to 1500", "line 1200: ", "wrote lines 1 to 1000 (1000 changes) before it, and nothing after line 1000")
	r = must(t, dir, exitOK, "", "namespaces", "--store", "s.db")
	contains(t, "namespaces after put of bad input in batches", r.stdout, "s.db   shop       1001      0")

	// Nor is a store created for bad input.
	must(t, dir, exitFailure, "{}\n", "put", "--store", "fresh.db", "shop")
	if _, err := os.Stat(filepath.Join(dir, "fresh.db")); !os.IsNotExist(err) {
		t.Errorf("put of bad input created its store (stat: %v)", err)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "old.db", "shop", "k", "a", "1")
	tests := []struct {
		args []string
		want string
		hint bool // followed by a pointer to the command's --help
	}{
		{[]string{"check", "--bogus"}, "unknown flag --bogus", true},
		{[]string{"check", "--limit", "-1", "--store", "old.db", "--store", "new.db"}, "--limit -1: want 0 or more", true},
		{[]string{"sync", "--from", "old.db", "--to", "./old.db"}, `source "old.db" and destination "./old.db" are the same store`, true},
		{[]string{"sync", "old.db", "./old.db"}, `source "old.db" and destination "./old.db" are the same store`, true},
		{[]string{"repair", "--store", "old.db", "--store", "sub/../old.db"}, `store "sub/../old.db" is given twice (also as "old.db")`, true},
		{[]string{"put", "--store", "old.db", "shop", "k", "a", "null"}, "BODY is null", true},
		{[]string{"load", "--store", "missing.db", "shop"}, "no such file", false},
	}
	for _, tt := range tests {
		r := must(t, dir, exitFailure, "", tt.args...)
		name := "stderr of " + strings.Join(tt.args, " ")
		contains(t, name, r.stderr, tt.want)
		if n := strings.Count(r.stderr, strings.TrimSpace(tt.want)); n != 1 {
			t.Errorf("%s has the error %d times, want once:\n%s", name, n, r.stderr)
		}
		if strings.Contains(r.stderr, "Flags:") {
			t.Errorf("%s shows the whole usage:\n%s", name, r.stderr)
		}
		hint := "Run 'unionstore " + tt.args[0] + " --help' for its usage."
		if got := strings.Contains(r.stderr, hint); got != tt.hint {
			t.Errorf("%s points to --help: %v, want %v:\n%s", name, got, tt.hint, r.stderr)
		}
	}
}

func TestEmptyStandardInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range []string{"put", "unset"} {
		what := map[string]string{"put": "changes", "unset": "tombstones"}[cmd]
		r := must(t, dir, exitOK, "", cmd, "--store", "s.db", "shop")
		contains(t, "stdout of "+cmd+" with empty input", r.stdout, "wrote 0 "+what+" to s.db")
		r = must(t, dir, exitOK, "\n\n", cmd, "--store", "s.db", "shop")
		contains(t, "stdout of "+cmd+" with blank lines", r.stdout, "wrote 0 "+what+" from 2 lines to s.db")
	}
	r := must(t, dir, exitOK, "", "load", "--store", "s.db", "shop")
	if strings.Contains(r.stdout, "shop") {
		t.Errorf("load after empty input printed records:\n%s", r.stdout)
	}
}
