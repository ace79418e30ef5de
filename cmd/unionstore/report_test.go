package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChangesKeptOutByNewerOnesAreReported(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "f.db", "--at", "2100-01-01T00:00:00Z", "shop", "customer", "c1", "{}")

	// The silent no-op: the unset loses to the change from 2100.
	r := must(t, dir, exitDiffer, "", "unset", "--store", "f.db", "shop", "customer", "c1")
	contains(t, "stdout of a losing unset", r.stdout, "wrote 0 tombstones to f.db; it kept a newer change for 1",
		"shop customer c1: f.db holds a change of 2100-01-01T00:00:00Z")
	contains(t, "stderr of a losing unset", r.stderr, "1 change older than what a store holds", "--ignore-older")
	r = must(t, dir, exitOK, "", "get", "--store", "f.db", "shop", "customer", "c1")
	contains(t, "get after a losing unset", r.stdout, "state      live (set)")

	must(t, dir, exitOK, "", "unset", "--store", "f.db", "--ignore-older", "shop", "customer", "c1")

	// From standard input, the count names what lost.
	lines := `{"kind":"customer","id":"c1","timestamp":"2000-01-01T00:00:00Z","body":{"old":true}}
{"kind":"customer","id":"c2","body":{}}
`
	r = must(t, dir, exitDiffer, lines, "put", "--store", "f.db", "--json", "shop")
	var got struct {
		Changes int `json:"changes"`
		Stores  []struct {
			Store     string `json:"store"`
			Written   int    `json:"written"`
			KeptNewer int    `json:"kept_newer"`
		} `json:"stores"`
		KeptNewer []keptChange `json:"kept_newer"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("put --json = %q: %v", r.stdout, err)
	}
	if got.Changes != 2 || len(got.Stores) != 1 || got.Stores[0].Written != 1 || got.Stores[0].KeptNewer != 1 ||
		len(got.KeptNewer) != 1 || got.KeptNewer[0].ID != "c1" || got.KeptNewer[0].Given != "2000-01-01T00:00:00Z" {
		t.Errorf("put --json = %+v, want 2 changes, 1 written and c1 kept newer", got)
	}
	if strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Errorf("put --json printed more than one line:\n%s", r.stdout)
	}

	// --quiet silences the summary, not the outcome.
	r = must(t, dir, exitDiffer, lines, "put", "--store", "f.db", "--quiet", "shop")
	if r.stdout != "" {
		t.Errorf("put --quiet printed %q", r.stdout)
	}
	r = must(t, dir, exitOK, lines, "put", "--store", "f.db", "-q", "--ignore-older", "shop")
	if r.stdout+r.stderr != "" {
		t.Errorf("put -q --ignore-older printed %q", r.stdout+r.stderr)
	}
}

func TestInputIsTakenAsWrittenOrRefused(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		line, want string
	}{
		{`{"kind":"k","id":"a","timestmap":"2020-01-01T00:00:00Z","body":1}`, `line 1: unknown field "timestmap"; the fields are namespace, kind, id`},
		{`{"id":"a","body":1}`, `line 1: record "a" has no "kind"`},
		{`[1,2]`, "line 1: want a JSON object with namespace, kind, id, change, timestamp and body, got an array"},
		{`{"kind":"k","id":7,"body":1}`, `line 1: field "id": want a string, got a JSON number`},
		{`{"kind":"k","id":"a","body":1} {"kind":"k"}`, "line 1: more after the record"},
		{`{"kind":"k","id":"a\u0000b","body":1}`, `line 1: id "a\x00b" holds a NUL byte`},
		{`{"kind":"k","id":"a","change":"delete","body":1}`, `line 1: change "delete": want set or unset`},
	}
	for _, tt := range tests {
		r := must(t, dir, exitFailure, tt.line+"\n", "put", "--store", "s.db", "shop")
		contains(t, "stderr of put of "+tt.line, r.stderr, tt.want, "nothing written")
		if strings.Contains(r.stderr, "main.") || strings.Contains(r.stderr, "Go value") {
			t.Errorf("put of %s speaks Go: %s", tt.line, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "s.db")); err == nil {
		t.Errorf("put of bad input created its store")
	}
	// An explicitly empty kind is a kind.
	must(t, dir, exitOK, `{"kind":"","id":"a","body":1}`+"\n", "put", "--store", "s.db", "shop")

	// A body from a file.
	if err := os.WriteFile(filepath.Join(dir, "c1.json"), []byte(`{"id":"c1","name":"Ada"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, dir, exitOK, "", "put", "--store", "s.db", "shop", "customer", "c1", "@c1.json")
	r := must(t, dir, exitOK, "", "get", "--store", "s.db", "--json", "shop", "customer", "c1")
	contains(t, "get of a body from a file", r.stdout, `"body":{"id":"c1","name":"Ada"}`)
	r = must(t, dir, exitFailure, "", "put", "--store", "s.db", "shop", "customer", "c1", "@missing.json")
	contains(t, "put of a missing body file", r.stderr, `body file "missing.json"`, "no such file")
}

func TestLongLineIsNamed(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB line")
	}
	dir := t.TempDir()
	var in strings.Builder
	in.WriteString(`{"kind":"k","id":"a","body":1}` + "\n")
	in.WriteString(`{"kind":"k","id":"b","body":"`)
	in.WriteString(strings.Repeat("x", maxLine))
	in.WriteString("\"}\n")
	r := must(t, dir, exitFailure, in.String(), "put", "--store", "s.db", "shop")
	contains(t, "put of a long line", r.stderr, "line 2 is longer than 64 MiB", "nothing written")
	if strings.Contains(r.stderr, "token too long") {
		t.Errorf("put speaks of tokens: %s", r.stderr)
	}
}

func TestLoadEscapesAndFilters(t *testing.T) {
	dir := t.TempDir()
	lines := `{"namespace":"shop","kind":"k","id":"tab\there","body":1}
{"namespace":"shop","kind":"k","id":"line\nbreak","body":2}
{"namespace":"shop","kind":"k","id":"\u001b[31mred","body":"\u009b2J"}
{"namespace":"shop","kind":"other","id":"o","body":3}
{"namespace":"audit","kind":"k","id":"x","body":4}
`
	must(t, dir, exitOK, lines, "put", "--store", "s.db")
	r := must(t, dir, exitOK, "", "load", "--store", "s.db")
	if strings.ContainsAny(r.stdout, "\x1b\t\u009b") {
		t.Errorf("load table holds raw control characters:\n%q", r.stdout)
	}
	if n := strings.Count(r.stdout, "\n"); n != 6 {
		t.Errorf("load table has %d lines, want a header and 5 records:\n%s", n, r.stdout)
	}
	contains(t, "load table", r.stdout, `tab\there`, `line\nbreak`, `\x1b[31mred`, `"\u009b2J"`, "audit      k")
	contains(t, "load summary", r.stderr, "audit: 1 record (0 tombstones) from s.db", "shop: 4 records (0 tombstones) from s.db")

	r = must(t, dir, exitOK, "", "load", "--store", "s.db", "--kind", "other", "--kind", "nothing", "shop", "audit")
	if n := strings.Count(r.stdout, "\n"); n != 2 || !strings.Contains(r.stdout, "shop       other") {
		t.Errorf("load --kind other = \n%s, want the header and one record", r.stdout)
	}
	r = must(t, dir, exitOK, "", "load", "--store", "s.db", "--json", "--quiet", "shop")
	if r.stderr != "" || strings.Count(r.stdout, "\n") != 4 || !strings.Contains(r.stdout, `"id":"\u001b[31mred"`) {
		t.Errorf("load --json --quiet = %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestStoreErrorsNameTheProblem(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	must(t, dir, exitOK, "", "put", "--store", "ok.db", "shop", "k", "a", "1")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"put", "--store", "no/such/dir/x.db", "shop", "k", "a", "1"}, `store "no/such/dir/x.db": directory "no/such/dir" does not exist`},
		{[]string{"load", "--store", "empty.db", "shop"}, `store "empty.db" is an empty file, not a store`},
		{[]string{"put", "--store", "empty.db", "shop", "k", "a", "1"}, `store "empty.db" is an empty file, not a store`},
		{[]string{"load", "--store", "adir", "shop"}, `store "adir" is a directory`},
		{[]string{"namespaces", "--store", "ok.db", "--store", "adir"}, `store "adir" is a directory`},
		{[]string{"load", "--store", "ok.db", "--lock-timeout", "-1s", "shop"}, `--lock-timeout "-1s": is negative`},
	}
	for _, tt := range tests {
		r := must(t, dir, exitFailure, "", tt.args...)
		name := "stderr of " + strings.Join(tt.args, " ")
		contains(t, name, r.stderr, tt.want)
		if strings.Count(r.stderr, "boltstore:") > 0 || strings.Contains(r.stderr, "bad file descriptor") {
			t.Errorf("%s speaks the library's terms:\n%s", name, r.stderr)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "empty.db")); err != nil || fi.Size() != 0 {
		t.Errorf("put turned an empty file into a store (stat: %v)", err)
	}
}

func TestCheckLimitZeroHasItsHeader(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "a.db", "shop", "k", "a", "1")
	must(t, dir, exitOK, "", "put", "--store", "b.db", "shop", "k", "b", "1")
	r := must(t, dir, exitDiffer, "", "check", "--store", "a.db", "--store", "b.db", "--limit", "0")
	if want := "shop:\n  … and 2 more\nshop: 2 records differ\n"; !strings.HasPrefix(r.stdout, want) {
		t.Errorf("check --limit 0 =\n%s\nwant it to begin\n%s", r.stdout, want)
	}
	must(t, dir, exitOK, "", "sync", "a.db", "b.db")
	must(t, dir, exitOK, "", "sync", "b.db", "a.db")
	r = must(t, dir, exitOK, "", "check", "--store", "a.db", "--store", "b.db", "--json")
	if got := strings.TrimSpace(r.stdout); got != `{"namespace":"shop","equal":true,"differences":0,"stores":[{"store":"a.db","missing":0,"older":0},{"store":"b.db","missing":0,"older":0}]}` {
		t.Errorf("check --json of equal stores = %s", got)
	}
}

func TestSyncFormsDryRunAndJSON(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, `{"kind":"k","id":"a","body":1}`+"\n"+`{"kind":"k","id":"b","body":2}`+"\n", "put", "--store", "old.db", "shop")

	r := must(t, dir, exitOK, "", "sync", "--dry-run", "old.db", "new.db")
	contains(t, "sync --dry-run", r.stdout, "shop: would copy 2 changes to new.db (2 missing, 0 older)")
	if _, err := os.Stat(filepath.Join(dir, "new.db")); err == nil {
		t.Fatal("sync --dry-run created the destination")
	}
	r = must(t, dir, exitOK, "", "sync", "--json", "old.db", "new.db")
	var rep copyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Written != 2 || rep.From != "old.db" || rep.To != "new.db" || len(rep.Namespaces) != 1 || rep.Namespaces[0].Stores[0].Missing != 2 {
		t.Errorf("sync --json = %s (%v)", r.stdout, err)
	}
	r = must(t, dir, exitOK, "", "sync", "--from", "old.db", "--to", "new.db")
	contains(t, "sync again", r.stdout, "shop: new.db is up to date")

	must(t, dir, exitOK, "", "put", "--store", "new.db", "shop", "k", "c", "3")
	r = must(t, dir, exitOK, "", "repair", "--dry-run", "--store", "old.db", "--store", "new.db")
	contains(t, "repair --dry-run", r.stdout, "shop: would write 1 change to old.db (1 missing, 0 older)")
	must(t, dir, exitDiffer, "", "check", "--store", "old.db", "--store", "new.db")
	r = must(t, dir, exitOK, "", "repair", "--json", "--store", "old.db", "--store", "new.db")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Written != 1 || rep.DryRun {
		t.Errorf("repair --json = %s (%v)", r.stdout, err)
	}
	must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", "new.db")
}

func TestGet(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "a.db", "--at", "2026-01-01T00:00:00Z", "shop", "k", "x", `{"v":1}`)
	must(t, dir, exitOK, "", "put", "--store", "b.db", "--at", "2026-01-02T00:00:00Z", "shop", "k", "x", `{"v":2}`)
	must(t, dir, exitOK, "", "unset", "--store", "b.db", "--at", "2026-01-03T00:00:00Z", "shop", "k", "x")
	r := must(t, dir, exitOK, "", "get", "--store", "a.db", "--store", "b.db", "shop", "k", "x")
	contains(t, "get of a tombstone", r.stdout, "state      deleted (a tombstone", "timestamp  2026-01-03T00:00:00Z", `body       {"v":2}`)
	r = must(t, dir, exitOK, "", "get", "--store", "a.db", "--json", "shop", "k", "x")
	if want := `{"namespace":"shop","kind":"k","id":"x","change":"set","timestamp":"2026-01-01T00:00:00Z","body":{"v":1}}`; strings.TrimSpace(r.stdout) != want {
		t.Errorf("get --json = %s, want %s", r.stdout, want)
	}
	r = must(t, dir, exitDiffer, "", "get", "--store", "a.db", "shop", "k", "nobody")
	contains(t, "get of a missing record", r.stderr, "no store given holds shop k nobody")
}
