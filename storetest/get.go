package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// getter returns s as a Getter, or skips the test.
func getter(t *testing.T, s unionstore.Store[Item]) unionstore.Getter[Item] {
	t.Helper()
	return implements[unionstore.Getter[Item]](t, s, "unionstore.Getter")
}

// expectGet checks that g returns want for want's identity, or nothing when
// found is false.
func expectGet(t *testing.T, g unionstore.Getter[Item], want unionstore.Change[Item], found bool) {
	t.Helper()
	ns, kind, id := want.Namespace, want.Entity.Kind, want.Entity.ID
	got, ok, err := g.Get(context.Background(), ns, kind, id)
	if err != nil {
		t.Fatalf("Get(%q, %q, %q): %v", ns, kind, id, err)
	}
	switch {
	case ok != found:
		t.Fatalf("Get(%q, %q, %q) found = %v, want %v", ns, kind, id, ok, found)
	case !found:
		return
	}
	if g, w := describe(unionstore.Changes[Item]{got}), describe(unionstore.Changes[Item]{want}); g[0] != w[0] {
		t.Fatalf("Get(%q, %q, %q) = %s, want %s", ns, kind, id, g[0], w[0])
	}
}

var getCases = []testCase{
	{"get returns the latest change, tombstones included", func(t *testing.T, s unionstore.Store[Item]) {
		g := getter(t, s)
		a := set("ns", "k", "a", "v1", at(1))
		a.Entity.N = 7
		save(t, s, a, set("ns", "k", "b", "v1", at(1)), set("ns", "other", "a", "elsewhere", at(1)))
		save(t, s, unset("ns", "k", "b", at(2)), set("ns", "k", "a", "stale", at(0)))
		expectGet(t, g, a, true)
		expectGet(t, g, unset("ns", "k", "b", at(2)), true)
		expectGet(t, g, set("ns", "other", "a", "elsewhere", at(1)), true)
		save(t, s, set("ns", "k", "b", "revived", at(3)))
		expectGet(t, g, set("ns", "k", "b", "revived", at(3)), true)
	}},
	{"get of an absent identity finds nothing", func(t *testing.T, s unionstore.Store[Item]) {
		g := getter(t, s)
		save(t, s, set("ns", "k", "ab", "v", at(1)), set("nsx", "k", "a", "v", at(1)), set("ns", "kk", "a", "v", at(1)))
		for _, c := range []unionstore.Change[Item]{
			set("ns", "k", "a", "", at(0)),   // a prefix of a stored id
			set("ns", "k", "abc", "", at(0)), // a stored id is its prefix
			set("ns", "kk", "", "", at(0)),   // kind and id run together
			set("n", "sk", "ab", "", at(0)),  // namespace and kind run together
			set("nothing-here", "k", "ab", "", at(0)),
		} {
			expectGet(t, g, c, false)
		}
	}},
	{"get reads awkward keys", func(t *testing.T, s unionstore.Store[Item]) {
		g := getter(t, s)
		var in unionstore.Changes[Item]
		for i, id := range []string{"with space", "slash/es", "colon:s", "dot.s", "star*", "gt>", "quote'\"", "日本語", "emoji 🙂", "tab\tand\nnewline", strings.Repeat("x", 500), "%_like", "\\back", "-"} {
			in = append(in, set("name space/ü.*>", "kind."+fmt.Sprint(i%2), id, id, at(i)))
		}
		save(t, s, in...)
		for _, c := range in {
			expectGet(t, g, c, true)
		}
	}},
	{"get agrees with load for every identity", func(t *testing.T, s unionstore.Store[Item]) {
		g := getter(t, s)
		r := rand.New(rand.NewPCG(1, 2))
		for batch := 0; batch < 5; batch++ {
			var in unionstore.Changes[Item]
			for i := 0; i < 100; i++ {
				kind, id := fmt.Sprint("k", r.IntN(3)), fmt.Sprint(r.IntN(60))
				if r.IntN(4) == 0 {
					in = append(in, unset("ns", kind, id, at(r.IntN(50))))
				} else {
					in = append(in, set("ns", kind, id, fmt.Sprint(batch, i), at(r.IntN(50))))
				}
			}
			save(t, s, in...)
		}
		loaded := load(t, s, "ns")
		for _, c := range loaded {
			expectGet(t, g, c, true)
		}
	}},
	{"get returns edge values as load returns them", func(t *testing.T, s unionstore.Store[Item]) {
		g := getter(t, s)
		for _, c := range saveEdges(t, s) {
			expectGet(t, g, c, true)
		}
	}},
	{"get stops on a done context and after close", func(t *testing.T, s unionstore.Store[Item]) {
		g := getter(t, s)
		save(t, s, set("ns", "k", "a", "v", at(1)))
		stopsWhenDone(t, s, "Get", func(ctx context.Context) error {
			_, _, err := g.Get(ctx, "ns", "k", "a")
			return err
		}, nil)
	}},
}

var checkCases = []testCase{
	{"check accepts a valid batch and writes nothing", func(t *testing.T, s unionstore.Store[Item]) {
		c := implements[unionstore.Checker[Item]](t, s, "unionstore.Checker")
		in := unionstore.Changes[Item]{set("ns", "k", "a", "v", at(1)), unset("ns", "k", "b", at(2)), set("ns", "k", strings.Repeat("x", 200), "v", at(1))}
		if err := c.Check(in); err != nil {
			t.Fatalf("Check(valid batch) = %v, want nil", err)
		}
		expect(t, s, "ns")
	}},
	{"save refuses what check refuses, and takes what it accepts", func(t *testing.T, s unionstore.Store[Item]) {
		c := implements[unionstore.Checker[Item]](t, s, "unionstore.Checker")
		row := 0
		for _, n := range []int{1 << 8, 1 << 10, 1 << 12, 1 << 14, 1 << 16} {
			long := strings.Repeat("x", n)
			for _, part := range []struct {
				name   string
				change unionstore.Change[Item]
			}{
				{"id", set("ns", "k", long, "v", at(1))},
				{"kind", set("ns", long, "a", "v", at(1))},
				{"namespace", set(long, "k", "a", "v", at(1))},
				{"value", set("ns", "k", "a", long, at(1))},
			} {
				// A change that fits first, in a namespace of its own, to
				// see whether a refused batch wrote anything.
				row++
				first := set(fmt.Sprint("row ", row), "k", "a", "v", at(1))
				batch := unionstore.Changes[Item]{first, part.change}
				checked, saved := c.Check(batch), s.Save(context.Background(), batch)
				switch {
				case checked == nil && saved != nil:
					t.Errorf("a %s of %d bytes: Check = nil, Save = %v", part.name, n, saved)
				case checked == nil:
					expect(t, s, first.Namespace, first)
				case !errors.Is(checked, unionstore.ErrInvalidChange) || !errors.Is(saved, unionstore.ErrInvalidChange):
					t.Errorf("a %s of %d bytes: Check = %v, Save = %v, want ErrInvalidChange from both", part.name, n, checked, saved)
				default:
					expect(t, s, first.Namespace)
				}
			}
		}
	}},
}
