package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// TestShardsRebalanceAndPurge runs the three commands end to end on bolt
// files: namespaces written to their owners under two shards, a third
// shard added and rebalanced, then a namespace purged.
func TestShardsRebalanceAndPurge(t *testing.T) {
	dir := t.TempDir()
	before, err := unionstore.NewPlacement([]string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	after, err := unionstore.NewPlacement([]string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	const tenants = 12
	wantMoves := 0
	for i := range tenants {
		ns := fmt.Sprintf("tenant-%d", i)
		owner := before.Owner(ns)
		must(t, dir, exitOK, "", "put", "--store", owner+".db", "--at", "2025-01-01T00:00:00Z", ns, "customer", "c1", fmt.Sprintf(`{"n":%d}`, i))
		if after.Owner(ns) != owner {
			wantMoves++
		}
	}
	if wantMoves == 0 {
		t.Fatal("no namespace moves to the new shard: pick more tenants")
	}
	old := []string{"a=a.db", "b=b.db"}
	shardFlags := func(flag string, list []string) []string {
		var out []string
		for _, s := range list {
			out = append(out, "--"+flag, s)
		}
		return out
	}

	r := must(t, dir, exitOK, "", append([]string{"shards", "--json"}, shardFlags("shard", old)...)...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != tenants+1 {
		t.Fatalf("shards --json printed %d lines, want %d and a summary:\n%s", len(lines), tenants, r.stdout)
	}
	for _, line := range lines[:tenants] {
		var p struct {
			Namespace string   `json:"namespace"`
			Owner     string   `json:"owner"`
			HeldBy    []string `json:"held_by"`
			Misplaced bool     `json:"misplaced"`
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("shards --json line %q: %v", line, err)
		}
		if p.Owner != before.Owner(p.Namespace) || len(p.HeldBy) != 1 || p.HeldBy[0] != p.Owner || p.Misplaced {
			t.Errorf("shards says %+v, want owner and holder %q", p, before.Owner(p.Namespace))
		}
	}

	next := []string{"a=a.db", "b=b.db", "c=c.db"}
	rebalance := append(append([]string{"rebalance"}, shardFlags("from-shard", old)...), shardFlags("to-shard", next)...)
	r = must(t, dir, exitOK, "", append(rebalance, "--dry-run")...)
	contains(t, "rebalance --dry-run", r.stdout, fmt.Sprintf("dry run: %s would move", plural(wantMoves, "namespace")))
	r = must(t, dir, exitOK, "", rebalance...)
	contains(t, "rebalance", r.stdout, fmt.Sprintf("%s moved of %d to move", plural(wantMoves, "namespace"), wantMoves), "copied")
	r = must(t, dir, exitOK, "", append([]string{"shards"}, shardFlags("shard", next)...)...)
	contains(t, "shards after rebalance", r.stdout, fmt.Sprintf("%d namespaces over 3 shards", tenants), ", 0 misplaced")
	for i := range tenants {
		ns := fmt.Sprintf("tenant-%d", i)
		r := must(t, dir, exitOK, "", "load", "--json", "--store", after.Owner(ns)+".db", ns)
		contains(t, "load of "+ns+" from its new owner", r.stdout, fmt.Sprintf(`{"n":%d}`, i))
	}
	r = must(t, dir, exitOK, "", rebalance...)
	contains(t, "a second rebalance", r.stdout, "0 namespaces moved of 0 to move")

	victim := "tenant-0"
	owner := filepath.Join(dir, after.Owner(victim)+".db")
	r = must(t, dir, exitOK, "", "purge", "--store", owner, "--all", victim)
	contains(t, "purge without --yes", r.stdout, "would remove 1 live record and 0 tombstones", "nothing was changed")
	contains(t, "namespaces after an unconfirmed purge", must(t, dir, exitOK, "", "namespaces", "--store", owner).stdout, victim)
	must(t, dir, exitOK, "", "unset", "--store", owner, "--at", "2025-02-01T00:00:00Z", victim, "customer", "c1")
	r = must(t, dir, exitOK, "", "purge", "--store", owner, "--tombstones-before", "2025-03-01T00:00:00Z", "--yes", victim)
	contains(t, "purge of tombstones", r.stdout, "removed 0 live records and 1 tombstone")
	must(t, dir, exitOK, "", "put", "--store", owner, victim, "customer", "c2", `{"n":2}`)
	r = must(t, dir, exitOK, "", "purge", "--store", owner, "--all", "--yes", victim)
	contains(t, "purge --all --yes", r.stdout, "removed 1 live record and 0 tombstones")
	if out := must(t, dir, exitOK, "", "namespaces", "--store", owner).stdout; strings.Contains(out, victim+" ") || strings.Contains(out, victim+"\n") {
		t.Errorf("namespaces after purge still lists %s:\n%s", victim, out)
	}
}

func TestShardCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"shards"}, "no --shard given"},
		{[]string{"shards", "--shard", "a"}, "want NAME=ADDRESS"},
		{[]string{"shards", "--shard", "a=a.db", "--shard", "a=b.db"}, `shard "a" is given twice`},
		{[]string{"shards", "--shard", "a=a.db", "--weight", "a=0"}, "greater than 0"},
		{[]string{"shards", "--shard", "a=a.db", "--pin", "ns=z"}, `unknown shard "z"`},
		{[]string{"rebalance", "--to-shard", "a=a.db"}, "no --from-shard given"},
		{[]string{"rebalance", "--from-shard", "a=a.db", "--to-shard", "a=other.db"}, "two addresses"},
		{[]string{"purge", "--store", "a.db"}, "name the namespaces"},
		{[]string{"purge", "--store", "a.db", "--tombstones-older-than", "1h", "--tombstones-before", "2020-01-01T00:00:00Z", "ns"}, "give one of --all, --tombstones-older-than and --tombstones-before"},
		{[]string{"purge", "--store", "a.db", "--yes", "ns"}, "say what to purge"},
	}
	for _, tt := range tests {
		r := must(t, dir, exitFailure, "", tt.args...)
		contains(t, "stderr of "+strings.Join(tt.args, " "), r.stderr, tt.want)
	}
	for _, name := range []string{"shards", "rebalance", "purge"} {
		r := must(t, dir, exitOK, "", name, "--help")
		contains(t, name+" --help", r.stdout, "Usage: unionstore "+name, "Examples:\n  unionstore "+name)
	}
}
