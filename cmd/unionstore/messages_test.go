package main

import (
	"strings"
	"testing"
)

// TestMessagesSayItOnce runs the command as users do into the mistakes
// whose messages once misled them, and checks each message: said once, in
// the command's terms (--flag, days as a unit, a record not "1 records"),
// with the hint that applies and without the one that does not.
func TestMessagesSayItOnce(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "a.db", "--at", "2025-01-01T00:00:00Z", "shop", "k", "a", "1")
	must(t, dir, exitOK, "", "put", "--store", "b.db", "--at", "2025-01-01T00:00:00Z", "shop", "k", "a", "2")
	tests := []struct {
		args   []string
		status int
		stream string // "stdout" or "stderr"
		want   []string
		once   string   // said exactly once, when not empty
		never  []string // not said at all
	}{
		{
			args: []string{"unset", "--store", "a.db", "shop", "k", "missing"}, status: exitFailure, stream: "stderr",
			want: []string{"no store given holds shop k missing"}, once: "nothing written",
		},
		{
			args: []string{"put", "--store", "a.db", "shop", "k", "b", `{"a":`}, status: exitFailure, stream: "stderr",
			want: []string{`BODY "{\"a\":" is not valid JSON: it ends early`}, never: []string{"quote strings"},
		},
		{
			args: []string{"put", "--store", "a.db", "shop", "k", "b", `{"a" 1}`}, status: exitFailure, stream: "stderr",
			want: []string{`is not valid JSON at byte 6`}, never: []string{"quote strings"},
		},
		{
			args: []string{"put", "--store", "a.db", "shop", "k", "b", "hello"}, status: exitFailure, stream: "stderr",
			want: []string{`BODY "hello" is not a JSON value; quote strings as '"text"'`},
		},
		{
			args: []string{"put", "--store", "a.db", "shop", "k", "b", "@missing.json"}, status: exitFailure, stream: "stderr",
			want: []string{`body file "missing.json": no such file or directory`}, never: []string{"--help", "open missing.json"},
		},
		{
			args: []string{"check", "--store", "a.db", "--store", "b.db", "shop"}, status: exitDiffer, stream: "stdout",
			want: []string{"shop: 1 record differs"}, never: []string{"1 records"},
		},
		{
			args: []string{"put", "--stor", "a.db", "shop", "k", "b", "1"}, status: exitFailure, stream: "stderr",
			want: []string{"unknown flag --stor; did you mean --store?"}, never: []string{" -stor", "not defined"},
		},
		{
			args: []string{"lod", "--store", "a.db", "shop"}, status: exitFailure, stream: "stderr",
			want: []string{`unknown command "lod"; did you mean "load"?`},
		},
		{
			args: []string{"load", "--store", "a.db", "--lock-timeout", "30d", "shop"}, status: exitOK, stream: "stderr",
			want: []string{"shop: 1 record (0 tombstones) from a.db"},
		},
		{
			args: []string{"load", "--store", "a.db", "--lock-timeout", "30 days", "shop"}, status: exitFailure, stream: "stderr",
			want: []string{`--lock-timeout "30 days": want a number and a unit, s, m, h or d`}, never: []string{"parse error"},
		},
		{
			args: []string{"check", "--store", "a.db", "--store", "b.db", "--limit", "ten"}, status: exitFailure, stream: "stderr",
			want: []string{`--limit "ten": want a whole number`}, never: []string{"parse error"},
		},
		{
			args: []string{"load", "--store", "postgres://postgres@127.0.0.1:1/test", "shop"}, status: exitFailure, stream: "stderr",
			want: []string{"hint: nothing accepts connections at that host and port: is the PostgreSQL server running"}, once: "dial error",
		},
		{
			args: []string{"load", "--help"}, status: exitOK, stream: "stdout",
			want: []string{"\n  -q\tshort for --quiet", "\n  --quiet\n", "\n  --lock-timeout WAIT\n"}, never: []string{"--q\t"},
		},
		{
			args: []string{"shards", "--help"}, status: exitOK, stream: "stdout",
			want: []string{"a shard, as NAME=ADDRESS"}, never: []string{"  list"},
		},
		{
			args: []string{"check", "--help"}, status: exitOK, stream: "stdout",
			want: []string{"Usage: unionstore check --store ADDR --store ADDR [--store ADDR...] [--one-way]"},
		},
		{
			args: []string{"help"}, status: exitOK, stream: "stdout",
			want: []string{"1 check found\ndifferences, get found nothing,"},
		},
	}
	for _, tt := range tests {
		r := must(t, dir, tt.status, "", tt.args...)
		got := r.stderr
		if tt.stream == "stdout" {
			got = r.stdout
		}
		name := tt.stream + " of " + strings.Join(tt.args, " ")
		contains(t, name, got, tt.want...)
		if tt.once != "" {
			if n := strings.Count(got, tt.once); n != 1 {
				t.Errorf("%s says %q %d times, want once:\n%s", name, tt.once, n, got)
			}
		}
		for _, never := range tt.never {
			if strings.Contains(got, never) {
				t.Errorf("%s says %q:\n%s", name, never, got)
			}
		}
	}
}

// TestTablesHaveNoTrailingSpaces prints the shards table, whose last
// column is empty on most rows, and the load table.
func TestTablesHaveNoTrailingSpaces(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "a.db", "shop", "k", "a", "1")
	must(t, dir, exitOK, "", "put", "--store", "b.db", "audit", "k", "a", "1")
	for _, args := range [][]string{
		{"shards", "--shard", "a=a.db", "--shard", "b=b.db", "shop", "audit", "crm"},
		{"load", "--store", "a.db", "shop"},
		{"namespaces", "--store", "a.db", "--store", "b.db"},
	} {
		r := must(t, dir, exitOK, "", args...)
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s prints a line with trailing spaces: %q", strings.Join(args, " "), line)
			}
		}
	}
}

// TestMissingTableSaysWhatTheCommandDoes reads a table that does not
// exist: the message names no Go function, and the hint says which
// commands create a table.
func TestMissingTableSaysWhatTheCommandDoes(t *testing.T) {
	base := postgresURL(t)
	r := must(t, t.TempDir(), exitFailure, "", "load", "--store", postgresTable(t, base), "shop")
	contains(t, "stderr of a load of a missing table", r.stderr, "does not exist", "hint: the table does not exist", "put, sync and repair create a missing table")
	if strings.Contains(r.stderr, "CreateSchema") {
		t.Errorf("the message of a missing table names Go functions:\n%s", r.stderr)
	}
}

func TestReword(t *testing.T) {
	tests := []struct{ in, want string }{
		{"store 1: 1 records could not be decoded and were left out: x", "store 1: 1 record could not be decoded and was left out: x"},
		{"failed:\n\tdial error\n\tdial error", "failed:\n\tdial error"},
		{`boltstore: open "a.db": boltstore: file is locked by another process`, `boltstore: open "a.db": file is locked by another process`},
		{`table "t" does not exist; create it with Store.CreateSchema or by opening the store with WithCreateSchema: ERROR`, `table "t" does not exist: ERROR`},
	}
	for _, tt := range tests {
		if got := reword(tt.in); got != tt.want {
			t.Errorf("reword(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
