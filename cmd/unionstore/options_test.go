package main

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

// refusal is a command line that a command's parse function refuses, with
// the whole message it refuses it with.
type refusal struct {
	args []string
	want string
}

// checkRefusals checks that parse refuses each command line of tests with
// a usage error saying what the test wants.
func checkRefusals[O any](t *testing.T, name string, parse func(*env, []string) (O, error), tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		_, err := parse(quietEnv(), tt.args)
		var ue *usageError
		if !errors.As(err, &ue) || err.Error() != tt.want {
			t.Errorf("%s(%q) = %v, want the usage error %q", name, tt.args, err, tt.want)
		}
	}
}

// quietEnv returns an env whose output goes nowhere, for parse functions,
// which print only --help.
func quietEnv() *env { return &env{stdout: io.Discard, stderr: io.Discard} }

func TestParsePurgeRefuses(t *testing.T) {
	checkRefusals(t, "parsePurge", parsePurge, []refusal{
		{[]string{"--all", "shop"}, "no --store given"},
		{[]string{"--store", "a.db", "--all"}, "name the namespaces to purge"},
		{[]string{"--store", "a.db", "shop"}, "say what to purge: --all for every record, live ones included, or --tombstones-older-than AGE or --tombstones-before TIME for old tombstones only"},
		{[]string{"--store", "a.db", "--all", "--tombstones-older-than", "30d", "shop"}, "give one of --all, --tombstones-older-than and --tombstones-before"},
		{[]string{"--store", "a.db", "--tombstones-older-than", "1d", "--tombstones-before", "2024-01-01T00:00:00Z", "shop"}, "give one of --all, --tombstones-older-than and --tombstones-before"},
		{[]string{"--store", "a.db", "--tombstones-older-than", "0", "shop"}, `--tombstones-older-than "0": is 0; want ` + ageUnits},
		{[]string{"--store", "a.db", "--all=no", "shop"}, `--all="no": want the flag alone, or =true or =false`},
		{[]string{"--store", "a.db", "--all", "--yes", "--nope", "shop"}, "unknown flag --nope"},
	})
}

func TestParsePurgePlan(t *testing.T) {
	before := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		args      []string
		all       bool
		before    time.Time // zero: about 30 days ago
		confirmed bool
	}{
		{[]string{"--store", "a.db", "--all", "shop"}, true, time.Time{}, false},
		{[]string{"--store", "a.db", "--yes", "--tombstones-before", "2024-01-01T00:00:00Z", "shop"}, false, before, true},
		{[]string{"--store", "a.db", "shop", "--tombstones-older-than", "30d"}, false, time.Time{}, false},
	}
	for _, tt := range tests {
		o, err := parsePurge(quietEnv(), tt.args)
		if err != nil {
			t.Errorf("parsePurge(%q) = %v, want no error", tt.args, err)
			continue
		}
		want := tt.before
		if !tt.all && want.IsZero() {
			want = time.Now().Add(-30 * 24 * time.Hour)
		}
		if o.plan.all != tt.all || o.confirmed != tt.confirmed || o.plan.before.Sub(want).Abs() > time.Minute {
			t.Errorf("parsePurge(%q) = all %v, before %v, confirmed %v; want %v, %v, %v", tt.args, o.plan.all, o.plan.before, o.confirmed, tt.all, want, tt.confirmed)
		}
	}
}

func TestParseRebalanceRefuses(t *testing.T) {
	checkRefusals(t, "parseRebalance", parseRebalance, []refusal{
		{nil, "no --from-shard given"},
		{[]string{"--from-shard", "a=a.db"}, "no --to-shard given"},
		{[]string{"--from-shard", "a=a.db", "--to-shard", "b=b.db", "extra"}, `rebalance moves every namespace that needs it and takes no argument, got ["extra"]`},
		{[]string{"--from-shard", "a", "--to-shard", "b=b.db"}, `--from-shard "a": want NAME=ADDRESS`},
		{[]string{"--from-shard", "a=a.db", "--to-shard", "b=b.db", "--to-shard", "b=c.db"}, `--to-shard: shard "b" is given twice`},
		{[]string{"--from-shard", "a=a.db", "--to-shard", "b=b.db", "--to-weight", "b=x"}, `weight "b=x": want NAME=WEIGHT, a number`},
		{[]string{"--from-shard", "a=a.db", "--to-shard", "b=b.db", "--weight", "b=2"}, "unknown flag --weight"},
		{[]string{"--from-shard", "a=a.db", "--to-shard", "b=b.db", "--dry-run=0"}, `--dry-run="0": want the flag alone, or =true or =false`},
	})
}

func TestParseShardsRefuses(t *testing.T) {
	checkRefusals(t, "parseShards", parseShards, []refusal{
		{[]string{"shop"}, "no --shard given"},
		{[]string{"--shard", "a"}, `--shard "a": want NAME=ADDRESS`},
		{[]string{"--shard", " =a.db"}, `--shard " =a.db": want NAME=ADDRESS`},
		{[]string{"--shard", "a=a.db", "--shard", "a=b.db"}, `--shard: shard "a" is given twice`},
		{[]string{"--shard", "a=a.db", "--weight", "a=x"}, `weight "a=x": want NAME=WEIGHT, a number`},
		{[]string{"--shard", "a=a.db", "--pin", "shop"}, `pin "shop": want NAMESPACE=NAME`},
		{[]string{"--shard", "a=a.db", "--from-shard", "b=b.db"}, "unknown flag --from-shard"},
	})
}

func TestParseSyncRefuses(t *testing.T) {
	checkRefusals(t, "parseSync", parseSync, []refusal{
		{nil, "give SOURCE and DESTINATION, or --from and --to"},
		{[]string{"a.db"}, "give SOURCE and DESTINATION, or --from and --to"},
		{[]string{"--from", "a.db", "b.db"}, "give both --from and --to, or SOURCE and DESTINATION as arguments"},
		{[]string{"--to", "b.db", "a.db", "shop"}, "give both --from and --to, or SOURCE and DESTINATION as arguments"},
		{[]string{"", "b.db"}, "empty store address"},
		{[]string{"a.db", " b.db"}, `store address " b.db" begins or ends with a space; remove it`},
		{[]string{"--from", "a.db", "--to", "a.db"}, `source "a.db" and destination "a.db" are the same store`},
		{[]string{"a.db", "./a.db", "shop"}, `source "a.db" and destination "./a.db" are the same store`},
		{[]string{"--dry-run=0", "a.db", "b.db"}, `--dry-run="0": want the flag alone, or =true or =false`},
	})
}

func TestParseSyncTakesAddressesFromEitherForm(t *testing.T) {
	tests := []struct {
		args       []string
		from, to   string
		namespaces []string
	}{
		{[]string{"a.db", "b.db"}, "a.db", "b.db", nil},
		{[]string{"a.db", "b.db", "shop", "audit"}, "a.db", "b.db", []string{"shop", "audit"}},
		{[]string{"--to", "b.db", "shop", "--from", "a.db"}, "a.db", "b.db", []string{"shop"}},
	}
	for _, tt := range tests {
		o, err := parseSync(quietEnv(), tt.args)
		if err != nil || o.from != tt.from || o.to != tt.to || !slices.Equal(o.namespaces, tt.namespaces) {
			t.Errorf("parseSync(%q) = from %q, to %q, namespaces %q, %v; want %q, %q, %q", tt.args, o.from, o.to, o.namespaces, err, tt.from, tt.to, tt.namespaces)
		}
	}
}

func TestParseRepairRefuses(t *testing.T) {
	checkRefusals(t, "parseRepair", parseRepair, []refusal{
		{[]string{"--store", ""}, `--store "": empty store address`},
		{[]string{"--store", "a.db", "--dry-run=no"}, `--dry-run="no": want the flag alone, or =true or =false`},
		{[]string{"--from", "a.db"}, "unknown flag --from"},
	})
}

func TestParseCheckRefuses(t *testing.T) {
	checkRefusals(t, "parseCheck", parseCheck, []refusal{
		{[]string{"--store", "a.db", "--store", "b.db", "--limit", "-1"}, "--limit -1: want 0 or more"},
		{[]string{"--store", "a.db", "--store", "b.db", "--limit", "x"}, `--limit "x": want a whole number`},
		{[]string{"--store", "a.db", "--store", "b.db", "--limit"}, "--limit needs a value"},
		{[]string{"--store", "a.db", "--store", "b.db", "--one-wy"}, "unknown flag --one-wy; did you mean --one-way?"},
	})
}
