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
	for _, inUnion := range []bool{false, true} {
		name := "alone"
		if inUnion {
			name = "in a union"
		}
		t.Run(name, func(t *testing.T) { checkRefusesUnreadable(t, newStore(t), inUnion) })
	}
}

// checkRefusesUnreadable saves an [Unreadable] to s, or to a union of a
// new memory store and s, requires the refusal, then requires that
// neither s nor the memory store holds anything.
func checkRefusesUnreadable(tb testing.TB, s unionstore.Store[Unreadable], inUnion bool) {
	tb.Helper()
	ctx := context.Background()
	batch := unionstore.Changes[Unreadable]{{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet,
		Entity: Unreadable{id: "c1", name: "Ann"}, Timestamp: time.Unix(1700000000, 0)}}
	mem := unionstore.NewMemory[Unreadable]()
	to := s
	if inUnion {
		to = unionstore.New[Unreadable](mem, s)
	}
	if err := to.Save(ctx, batch); !refusesUnreadable(err) {
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
