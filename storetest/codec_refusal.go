package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// Unreadable is an entity of kind "customer" whose fields encoding/json
// cannot see: it encodes as {}, so the JSON codec reads it back without
// its id, and a store must refuse to save it. [RunRefusesUnreadable] saves
// one.
type Unreadable struct{ id, name string }

// CompactionKey returns kind "customer" and the entity's id.
func (u Unreadable) CompactionKey() (kind, id string) { return "customer", u.id }

// RunRefusesUnreadable checks that a store refuses, rather than keeps, an
// entity whose kind and id its codec cannot read back: it saves an
// [Unreadable] to a fresh store made by newStore, in one sub-test to the
// store alone and in another through a union of a [unionstore.Memory] and
// the store, so that the union writes no member either. Save must fail
// with [unionstore.ErrInvalidChange] naming kind "customer" and the
// unexported fields, after which Load of "ns" must find nothing, in the
// store and in the memory store.
//
// newStore should register the store's cleanup with t.Cleanup; a backend
// that can count what it holds by other means than Load can check that
// count in a cleanup of its own, which runs after the case.
func RunRefusesUnreadable(t *testing.T, newStore func(t *testing.T) unionstore.Store[Unreadable]) {
	for _, p := range unreadablePaths {
		t.Run(p.name, func(t *testing.T) {
			checkRefusesUnreadable(t, newStore(t), p.through)
		})
	}
}

// unreadablePaths are the ways [RunRefusesUnreadable] saves to a store:
// through returns what to save to, given the store and a memory store.
var unreadablePaths = []struct {
	name    string
	through func(s unionstore.Store[Unreadable], mem *unionstore.Memory[Unreadable]) unionstore.Store[Unreadable]
}{
	{"alone", func(s unionstore.Store[Unreadable], _ *unionstore.Memory[Unreadable]) unionstore.Store[Unreadable] {
		return s
	}},
	{"in a union", func(s unionstore.Store[Unreadable], mem *unionstore.Memory[Unreadable]) unionstore.Store[Unreadable] {
		return unionstore.New[Unreadable](mem, s)
	}},
}

// checkRefusesUnreadable saves an [Unreadable] to what through makes of s
// and a new memory store, requires the refusal, then requires that
// neither s nor the memory store holds anything.
func checkRefusesUnreadable(tb testing.TB, s unionstore.Store[Unreadable], through func(unionstore.Store[Unreadable], *unionstore.Memory[Unreadable]) unionstore.Store[Unreadable]) {
	tb.Helper()
	ctx := context.Background()
	batch := unionstore.Changes[Unreadable]{{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet,
		Entity: Unreadable{id: "c1", name: "Ann"}, Timestamp: time.Unix(1700000000, 0)}}
	mem := unionstore.NewMemory[Unreadable]()
	err := through(s, mem).Save(ctx, batch)
	if !refusesUnreadable(err) {
		tb.Fatalf("Save = %v, want ErrInvalidChange naming kind customer and its unexported fields", err)
	}
	for _, st := range []struct {
		name  string
		store unionstore.Store[Unreadable]
	}{{"store", s}, {"memory", mem}} {
		if got, err := st.store.Load(ctx, "ns"); err != nil || len(got) != 0 {
			tb.Errorf("%s store after the refused Save holds %v, %v; want nothing", st.name, got, err)
		}
	}
}

// refusesUnreadable reports whether err is the refusal of an [Unreadable]:
// an [unionstore.ErrInvalidChange] that names its kind and says why its
// codec cannot read it back.
func refusesUnreadable(err error) bool {
	return errors.Is(err, unionstore.ErrInvalidChange) &&
		strings.Contains(err.Error(), `kind "customer" cannot be stored`) &&
		strings.Contains(err.Error(), "encoding/json sees no exported fields")
}
