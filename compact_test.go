package unionstore_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// naiveCompact is the obviously correct compaction: for each change, keep
// it unless a change of the same entity comes later in the slice with a
// timestamp that is not older, or anywhere with a newer one.
func naiveCompact(changes unionstore.Changes[Item]) unionstore.Changes[Item] {
	var out unionstore.Changes[Item]
	for i, c := range changes {
		beaten := false
		for j, d := range changes {
			if j == i || d.Namespace != c.Namespace || d.Entity.Kind != c.Entity.Kind || d.Entity.ID != c.Entity.ID {
				continue
			}
			if d.Timestamp.After(c.Timestamp) || (j > i && d.Timestamp.Equal(c.Timestamp)) {
				beaten = true
			}
		}
		if !beaten {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b unionstore.Change[Item]) int {
		for _, p := range [][2]string{{a.Namespace, b.Namespace}, {a.Entity.Kind, b.Entity.Kind}, {a.Entity.ID, b.Entity.ID}} {
			if p[0] != p[1] {
				if p[0] < p[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	return out
}

func ns(namespace string, c unionstore.Change[Item]) unionstore.Change[Item] {
	c.Namespace = namespace
	return c
}

var compactCases = []struct {
	name string
	in   unionstore.Changes[Item]
	want []string
}{
	{"nil", nil, []string{}},
	{"one", batch(set("a", "v", at(1))), []string{"a=v@1"}},
	{"latest wins", batch(set("a", "v2", at(2)), set("a", "v1", at(1)), set("a", "v3", at(3))), []string{"a=v3@3"}},
	{"later in the slice wins a tie", batch(set("a", "first", at(1)), set("a", "second", at(1))), []string{"a=second@1"}},
	{"a later unset beats a set", batch(set("a", "v", at(1)), unset("a", at(2))), []string{"a=-@2"}},
	{"a later set beats an unset", batch(unset("a", at(2)), set("a", "v", at(3))), []string{"a=v@3"}},
	{"an earlier unset loses", batch(set("a", "v", at(2)), unset("a", at(1))), []string{"a=v@2"}},
	{"sorted by id", batch(set("c", "c", at(1)), set("a", "a", at(1)), set("b", "b", at(1))), []string{"a=a@1", "b=b@1", "c=c@1"}},
	{"namespaces are separate identities", batch(ns("y", set("a", "y", at(1))), ns("x", set("a", "x", at(1)))), []string{"a=x@1", "a=y@1"}},
}

func TestCompact(t *testing.T) {
	for _, tc := range compactCases {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.in)
			got := unionstore.Compact(tc.in)
			if !slices.Equal(show(got), tc.want) {
				t.Errorf("Compact(%v) = %v, want %v", show(tc.in), show(got), tc.want)
			}
			if !slices.Equal(show(tc.in), show(before)) {
				t.Errorf("Compact modified its input: %v, was %v", show(tc.in), show(before))
			}
		})
	}
}

func TestCompactFunc(t *testing.T) {
	type reading struct {
		sensor string
		value  int
		at     time.Time
	}
	in := []reading{{"b", 1, at(1)}, {"a", 2, at(5)}, {"b", 3, at(3)}, {"a", 4, at(5)}, {"c", 5, at(0)}}
	got := unionstore.CompactFunc(in, func(r reading) string { return r.sensor }, func(r reading) time.Time { return r.at })
	want := []reading{{"b", 3, at(3)}, {"a", 4, at(5)}, {"c", 5, at(0)}}
	if !slices.Equal(got, want) {
		t.Errorf("CompactFunc(%v) = %v, want %v (winners in input order)", in, got, want)
	}
}

func randomChanges(r *rand.Rand, n int) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], n)
	for i := range out {
		c := set(fmt.Sprint(r.IntN(8)), fmt.Sprint(i), at(r.IntN(6)))
		c.Namespace = []string{"x", "y"}[r.IntN(2)]
		c.Entity.Kind = []string{"k", "l"}[r.IntN(2)]
		if r.IntN(3) == 0 {
			c.ChangeType = unionstore.ChangeTypeUnset
		}
		out[i] = c
	}
	return out
}

func TestCompactMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 500; round++ {
		in := randomChanges(r, r.IntN(40))
		got, want := unionstore.Compact(in), naiveCompact(in)
		if !slices.Equal(describeAll(got), describeAll(want)) {
			t.Fatalf("Compact(%v)\n = %v\nwant %v", describeAll(in), describeAll(got), describeAll(want))
		}
	}
}

func describeAll(changes unionstore.Changes[Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Namespace + "/" + c.Entity.Kind + "/" + show(changes[i : i+1])[0] + "/" + string(c.ChangeType)
	}
	return out
}

func FuzzCompact(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{9, 9, 9, 9, 9, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Each 3 bytes make a change: entity, timestamp and type.
		var in unionstore.Changes[Item]
		for i := 0; i+2 < len(data); i += 3 {
			c := set(fmt.Sprint(data[i]%16), fmt.Sprint(i), at(int(data[i+1]%8)))
			c.Entity.Kind = fmt.Sprint(data[i] / 128)
			if data[i+2]%2 == 1 {
				c.ChangeType = unionstore.ChangeTypeUnset
			}
			in = append(in, c)
		}
		got, want := unionstore.Compact(in), naiveCompact(in)
		if !slices.Equal(describeAll(got), describeAll(want)) {
			t.Fatalf("Compact(%v) = %v, want %v", describeAll(in), describeAll(got), describeAll(want))
		}
	})
}
