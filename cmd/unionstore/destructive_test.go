package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

// destructiveFixture writes, in dir, a.db and b.db holding the same
// namespace shop: live records a and b, a tombstone "old" from 2020 and a
// tombstone "new" from now; and src.db, holding a tombstone of a newer
// than the live a, which sync or repair from it would copy over a.
func destructiveFixture(t *testing.T, dir string) {
	t.Helper()
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	change := func(ct unionstore.ChangeType, id string, ts time.Time) unionstore.Change[Record] {
		return unionstore.Change[Record]{Namespace: "shop", ChangeType: ct, Entity: Record{Kind: "k", ID: id, Body: []byte(`"` + id + `"`)}, Timestamp: ts}
	}
	shop := unionstore.Changes[Record]{
		change(unionstore.ChangeTypeSet, "a", at("2025-06-01T00:00:00Z")),
		change(unionstore.ChangeTypeSet, "b", at("2025-06-01T00:00:00Z")),
		change(unionstore.ChangeTypeUnset, "old", at("2020-01-01T00:00:00Z")),
		change(unionstore.ChangeTypeUnset, "new", time.Now()),
	}
	for name, changes := range map[string]unionstore.Changes[Record]{
		"a.db":   shop,
		"b.db":   shop,
		"src.db": {change(unionstore.ChangeTypeUnset, "a", at("2025-07-01T00:00:00Z"))},
	} {
		s, err := boltstore.Open[Record](filepath.Join(dir, name), boltstore.WithCodec[Record](recordCodec{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(context.Background(), changes); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// storeState maps each file of dir to what its namespace shop holds:
// each record's id to "set" or "unset". A file that is not a store (such
// as one named by a blank address) is "not a store".
func storeState(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, e := range entries {
		records := map[string]string{}
		out[e.Name()] = records
		s, err := boltstore.Open[Record](filepath.Join(dir, e.Name()), boltstore.WithCodec[Record](recordCodec{}), boltstore.WithReadOnly())
		if err != nil {
			records["error"] = "not a store"
			continue
		}
		changes, err := s.Load(context.Background(), "shop")
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range changes {
			records[c.Entity.ID] = string(c.ChangeType)
		}
	}
	return out
}

// TestDestructiveCommandsRefuseHostileValues gives the commands that
// remove or overwrite records each value that could be misread (0, 0s, an
// empty or blank value, a negative one, a malformed or future time, a unit
// such as 30d where none is taken, --dry-run=0) and checks that each is
// refused with status 2 and a message naming the flag, before any store is
// changed; and that the values a user means are taken, removing no live
// record but with --all.
func TestDestructiveCommandsRefuseHostileValues(t *testing.T) {
	template := t.TempDir()
	destructiveFixture(t, template)
	before := storeState(t, template)

	purge := func(flags ...string) []string {
		return append(append([]string{"purge", "--store", "a.db", "--store", "b.db"}, flags...), "--yes", "shop")
	}
	olderThan := func(v string) []string { return purge("--tombstones-older-than", v) }
	tombstonesBefore := func(v string) []string { return purge("--tombstones-before", v) }
	rebalance := func(flags ...string) []string {
		return append([]string{"rebalance", "--from-shard", "a=a.db", "--to-shard", "a=a.db", "--to-pin", "shop=c"}, flags...)
	}
	refused := []struct {
		args []string
		want string
	}{
		{olderThan("0"), `--tombstones-older-than "0": is 0`},
		{olderThan("0s"), `--tombstones-older-than "0s": is 0`},
		{olderThan("0h"), `--tombstones-older-than "0h": is 0`},
		{olderThan("-0"), `--tombstones-older-than "-0": is 0`},
		{purge("--tombstones-older-than=0"), `--tombstones-older-than "0": is 0`},
		{olderThan(""), `--tombstones-older-than "": empty`},
		{olderThan(" "), `--tombstones-older-than " ": empty`},
		{olderThan("-1h"), `--tombstones-older-than "-1h": is negative`},
		{olderThan("-30d"), `--tombstones-older-than "-30d": is negative`},
		{olderThan("30x"), `--tombstones-older-than "30x": want a number and a unit, s, m, h or d`},
		{olderThan("1.5d"), `--tombstones-older-than "1.5d": want a number and a unit`},
		{olderThan("2025-01-01T00:00:00Z"), `--tombstones-older-than "2025-01-01T00:00:00Z": want a number and a unit`},
		{olderThan("999999d"), `too long`},
		{tombstonesBefore(""), `--tombstones-before "": empty`},
		{tombstonesBefore(" "), `--tombstones-before " ": empty`},
		{tombstonesBefore("0"), `--tombstones-before "0": want an RFC 3339 time`},
		{tombstonesBefore("-1h"), `--tombstones-before "-1h": want an RFC 3339 time`},
		{tombstonesBefore("30d"), `--tombstones-before "30d": want an RFC 3339 time`},
		{tombstonesBefore("2025-13-01T00:00:00Z"), `want an RFC 3339 time`},
		{tombstonesBefore(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)), `in the future`},
		{tombstonesBefore("2100-01-01T00:00:00Z"), `in the future`},
		{purge(), "say what to purge: --all for every record, live ones included"},
		{purge("--all=0"), `--all="0": want the flag alone, or =true or =false`},
		{purge("--all="), `--all="": want the flag alone`},
		{purge("--all", "--tombstones-older-than", "30d"), "give one of --all, --tombstones-older-than and --tombstones-before"},
		{append(purge("--all"), "--yes=1"), `--yes="1"`},
		{purge("--all", "--store", " "), `store address " " is blank`},
		{purge("--all", "--store", ""), `empty store address`},
		{purge("--all", "--store", "a.db "), `begins or ends with a space`},
		{purge("--all", "--lock-timeout", "0"), `--lock-timeout "0": is 0`},
		{purge("--all", "--lock-timeout", ""), `--lock-timeout "": empty`},
		{purge("--all", "--lock-timeout", "-1s"), `--lock-timeout "-1s": is negative`},

		{[]string{"sync", "--dry-run=0", "src.db", "a.db"}, `--dry-run="0": want the flag alone`},
		{[]string{"sync", "--dry-run=", "src.db", "a.db"}, `--dry-run="": want the flag alone`},
		{[]string{"sync", "--dry-run= ", "src.db", "a.db"}, `--dry-run=" ": want the flag alone`},
		{[]string{"sync", "--from", "", "--to", "a.db", "src.db", "a.db"}, `--from "": empty store address`},
		{[]string{"sync", "--from", " ", "--to", "a.db"}, `store address " " is blank`},
		{[]string{"sync", "--from", "src.db", "--to", " "}, `store address " " is blank`},
		{[]string{"sync", "src.db", " "}, `store address " " is blank`},
		{[]string{"sync", "--lock-timeout", "0s", "src.db", "a.db"}, `--lock-timeout "0s": is 0`},

		{[]string{"repair", "--dry-run=0", "--store", "src.db", "--store", "a.db"}, `--dry-run="0"`},
		{[]string{"repair", "--dry-run=f", "--store", "src.db", "--store", "a.db"}, `--dry-run="f"`},
		{[]string{"repair", "--store", "src.db", "--store", "a.db", "--store", " "}, `store address " " is blank`},
		{[]string{"repair", "--store", "src.db", "--store", "a.db", "--lock-timeout", "-1s"}, `is negative`},

		{rebalance("--dry-run=0", "--to-shard", "c=c.db"), `--dry-run="0"`},
		{rebalance("--to-shard", "c= "), `store address " " is blank`},
		{rebalance("--to-shard", " =c.db"), `want NAME=ADDRESS`},
		{rebalance("--to-shard", "c=c.db", "--to-weight", "c=0"), `greater than 0`},
		{rebalance("--to-shard", "c=c.db", "--to-weight", "c=-1"), `greater than 0`},
		{rebalance("--to-shard", "c=c.db", "--to-weight", "c="), `want NAME=WEIGHT, a number`},
		{rebalance("--to-shard", "c=c.db", "--to-weight", "c= "), `want NAME=WEIGHT, a number`},
		{rebalance("--to-shard", "c=c.db", "--to-weight", "c=30d"), `want NAME=WEIGHT, a number`},
		{rebalance("--to-shard", "c=c.db", "--lock-timeout", "0"), `--lock-timeout "0": is 0`},

		{[]string{"put", "--store", "a.db", "--at", "", "shop", "k", "a", `"x"`}, `--at "": empty`},
		{[]string{"put", "--store", "a.db", "--at", " ", "shop", "k", "a", `"x"`}, `--at " ": empty`},
		{[]string{"put", "--store", "a.db", "--at", "0", "shop", "k", "a", `"x"`}, `--at "0": want an RFC 3339 time`},
		{[]string{"put", "--store", "a.db", "--at", "-1h", "shop", "k", "a", `"x"`}, `--at "-1h": want an RFC 3339 time`},
		{[]string{"put", "--store", "a.db", "--at", "30d", "shop", "k", "a", `"x"`}, `--at "30d": want an RFC 3339 time`},
		{[]string{"put", "--store", "a.db", "--batch", "0", "shop"}, `--batch 0: want 1 or more`},
		{[]string{"put", "--store", "a.db", "--batch", "-1", "shop"}, `--batch -1: want 1 or more`},
		{[]string{"put", "--store", "a.db", "--batch", "30d", "shop"}, `--batch "30d": want a whole number`},
		{[]string{"put", "--store", " ", "shop", "k", "a", `"x"`}, `store address " " is blank`},
		{[]string{"unset", "--store", "a.db", "--at", "", "shop", "k", "a"}, `--at "": empty`},
		{[]string{"unset", "--store", "a.db", "--at", "0", "shop", "k", "a"}, `--at "0": want an RFC 3339 time`},
		{[]string{"unset", "--store", "a.db", "--at", "2025-06-01", "shop", "k", "a"}, `--at "2025-06-01": want an RFC 3339 time`},
	}
	for _, tt := range refused {
		name := strings.Join(tt.args, " ")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyFiles(t, template, dir)
			r := must(t, dir, exitFailure, "", tt.args...)
			contains(t, "stderr", r.stderr, tt.want, "Run 'unionstore "+tt.args[0]+" --help' for its usage.")
			if after := storeState(t, dir); !maps.EqualFunc(after, before, maps.Equal) {
				t.Errorf("refused, yet the stores changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	// What a user means is taken, and removes no live record unless asked
	// to with --all.
	taken := []struct {
		args    []string
		want    string // in stdout
		removed []string
	}{
		{purge("--tombstones-older-than", "30d"), "shop: removed 0 live records and 1 tombstone older than ", []string{"old"}},
		{purge("--tombstones-older-than", " 1d12h ", "--lock-timeout", "30d"), "shop: removed 0 live records and 1 tombstone older than ", []string{"old"}},
		{purge("--tombstones-before", "2024-01-01T00:00:00Z"), "shop: removed 0 live records and 1 tombstone older than 2024-01-01T00:00:00Z", []string{"old"}},
		{purge("--all"), "shop: removed 2 live records and 2 tombstones from 2 stores", []string{"a", "b", "old", "new"}},
		{[]string{"purge", "--store", "a.db", "--all", "shop"}, "shop: would remove 2 live records and 2 tombstones from a.db", nil},
		{[]string{"purge", "--store", "a.db", "--tombstones-older-than", "30d", "shop"}, "shop: would remove 0 live records and 1 tombstone older than", nil},
		{[]string{"sync", "--dry-run", "src.db", "a.db"}, "shop: would copy 1 change to a.db (0 missing, 1 older): 0 live records and 1 tombstone, which deletes 1 record held live there", nil},
		{[]string{"sync", "--dry-run=true", "src.db", "b.db"}, "which deletes 1 record held live there", nil},
		{[]string{"repair", "--dry-run", "--store", "src.db", "--store", "a.db"}, "shop: would write 1 change to a.db (0 missing, 1 older): 0 live records and 1 tombstone, which deletes 1 record held live there", nil},
		{rebalance("--dry-run", "--to-shard", "c=c.db"), "dry run: 1 namespace would move, with 2 live records and 2 tombstones", nil},
	}
	for _, tt := range taken {
		name := strings.Join(tt.args, " ")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyFiles(t, template, dir)
			r := must(t, dir, exitOK, "", tt.args...)
			contains(t, "stdout", r.stdout, tt.want)
			want := map[string]map[string]string{}
			for file, records := range before {
				want[file] = maps.Clone(records)
				if file == "a.db" || file == "b.db" {
					for _, id := range tt.removed {
						delete(want[file], id)
					}
				}
			}
			if after := storeState(t, dir); !maps.EqualFunc(after, want, maps.Equal) {
				t.Errorf("the stores hold\n%v\nwant\n%v", after, want)
			}
		})
	}
}

// copyFiles copies the files of dir from to dir to.
func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			t.Fatal(fmt.Errorf("copy %s: %w", e.Name(), err))
		}
	}
}
