package pebblestore_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// TestKeysDoNotCollide saves identities that a layout joining its parts
// with a separator would confuse, and checks that each namespace loads
// only its own and that no identity overwrote another.
func TestKeysDoNotCollide(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	in := unionstore.Changes[storetest.Item]{
		item("ws", "k", "a", "ws", 1),
		item("ws:x", "k", "a", "ws:x", 1),
		item("ws", "x:k", "a", "ws x:k", 1),
		item("ws", "k", "1:z", "k 1:z", 1),
		item("ws", "k:1", "z", "k:1 z", 1),
		item("w", "s", "k", "w s k", 1),
		item("ws\x01", "k", "a", "ws\\x01", 1),
	}
	if err := s.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"ws", "ws:x", "w", "ws\x01"} {
		got, err := s.Load(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		var want unionstore.Changes[storetest.Item]
		for _, c := range in {
			if c.Namespace == ns {
				want = append(want, c)
			}
		}
		want = unionstore.Compact(want)
		if !slices.Equal(describe(got), describe(want)) {
			t.Errorf("Load(%q) =\n%v\nwant\n%v", ns, describe(got), describe(want))
		}
	}
	stats, err := s.Namespaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []unionstore.NamespaceStat{{Namespace: "w", Entities: 1}, {Namespace: "ws", Entities: 4}, {Namespace: "ws\x01", Entities: 1}, {Namespace: "ws:x", Entities: 1}}
	if !slices.Equal(stats, want) {
		t.Errorf("Namespaces = %+v, want %+v", stats, want)
	}
}

// TestKeyOrder checks that record keys sort as (namespace, kind, id) do,
// part by part, whatever bytes the parts hold.
func TestKeyOrder(t *testing.T) {
	ids := [][3]string{
		{"a", "", "x"}, {"a", "k", "x"}, {"a", "k", "x\x01"}, {"a", "k\x01", ""}, {"a", "kk", "a"},
		{"a\x01", "", "a"}, {"a:", "k", "a"}, {"ab", "", "a"}, {"b", "k", "a"}, {"ü", "ü", "ü"}, {"\x7f", "a", "b"},
	}
	for i := range ids {
		for j := range ids {
			a, b := ids[i], ids[j]
			want := cmpParts(a, b)
			got := bytes.Compare(pebblestore.RecordKey(a[0], a[1], a[2]), pebblestore.RecordKey(b[0], b[1], b[2]))
			if got != want {
				t.Errorf("compare(key%q, key%q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func cmpParts(a, b [3]string) int {
	for i := range a {
		if c := bytes.Compare([]byte(a[i]), []byte(b[i])); c != 0 {
			return c
		}
	}
	return 0
}
