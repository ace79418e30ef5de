package unionstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// refusing is a Memory whose Namespaces and Purge fail.
type refusing struct{ *unionstore.Memory[Item] }

var errRefused = errors.New("refused")

func (r refusing) Namespaces(context.Context) ([]unionstore.NamespaceStat, error) {
	return nil, errRefused
}

func (r refusing) Purge(context.Context, string) error { return errRefused }

// inNamespace returns c in namespace ns.
func inNamespace(ns string, c unionstore.Change[Item]) unionstore.Change[Item] {
	c.Namespace = ns
	return c
}

func TestUnionNamespacesCountsASharedNamespaceMerged(t *testing.T) {
	ctx := context.Background()
	ms := memories(2)
	mustSave(t, ms[0], batch(inNamespace("a", set("x", "v", at(1))), inNamespace("b", set("x", "v", at(1)))))
	mustSave(t, ms[1], batch(inNamespace("b", set("x", "w", at(2))), inNamespace("b", unset("y", at(1)))))
	got, err := unionstore.New(ms[0], ms[1]).Namespaces(ctx)
	if err != nil {
		t.Fatalf("Namespaces: %v", err)
	}
	// "a" keeps its one member's counts; "b", listed by both, is counted
	// over the merge: x once, y's tombstone once.
	want := []unionstore.NamespaceStat{{Namespace: "a", Entities: 1}, {Namespace: "b", Entities: 1, Tombstones: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("Namespaces = %+v, want %+v", got, want)
	}
}

// TestUnionFailsWhenAMemberFails checks that the calls that every member
// must complete return the member's failure as a *StoreError.
func TestUnionFailsWhenAMemberFails(t *testing.T) {
	ctx := context.Background()
	ms := memories(2)
	u := unionstore.New[Item](ms[0], refusing{ms[1]})
	_, nsErr := u.Namespaces(ctx)
	for _, c := range []struct {
		call, prefix string
		err          error
	}{
		{"Namespaces", "unionstore: namespaces: ", nsErr},
		{"Purge", `unionstore: purge "ns": `, u.Purge(ctx, "ns")},
	} {
		var se *unionstore.StoreError
		if !errors.Is(c.err, errRefused) || !errors.As(c.err, &se) || se.Index != 1 || !strings.HasPrefix(c.err.Error(), c.prefix) {
			t.Errorf("%s with a failing member = %v, want %q and member 1's *StoreError wrapping %v", c.call, c.err, c.prefix, errRefused)
		}
	}
}
