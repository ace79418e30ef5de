package unionstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unionstore/unionstore"
)

// recorder is a Repository that records what it was asked to do.
type recorder struct {
	calls []string
	fail  string // id whose Set fails
}

func (r *recorder) Set(_ context.Context, it Item) error {
	if it.ID == r.fail {
		return errors.New("repository full")
	}
	r.calls = append(r.calls, "set "+it.Kind+"/"+it.ID+"="+it.Value)
	return nil
}

func (r *recorder) Unset(_ context.Context, it Item) error {
	r.calls = append(r.calls, "unset "+it.Kind+"/"+it.ID)
	return nil
}

func TestManagerRestoreAppliesSetsAndUnsetsByKind(t *testing.T) {
	ctx := context.Background()
	store := unionstore.NewMemory[Item]()
	users, orders := &recorder{}, &recorder{}
	m := unionstore.NewManagerBuilder[Item]().WithStore(store).
		WithRepository("user", users).WithRepository("order", orders).Build()
	require.NoError(t, m.Persist(ctx, unionstore.Changes[Item]{
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "u2", Value: "v1"}, Timestamp: at(1)},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "u1", Value: "v1"}, Timestamp: at(1)},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "u2", Value: "v2"}, Timestamp: at(2)},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: Item{Kind: "order", ID: "o1"}, Timestamp: at(3)},
		{Namespace: "other", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "x"}, Timestamp: at(3)},
	}))
	require.NoError(t, m.Restore(ctx, "ns"))
	assert.Equal(t, []string{"set user/u1=v1", "set user/u2=v2"}, users.calls)
	assert.Equal(t, []string{"unset order/o1"}, orders.calls)
}

func TestManagerErrors(t *testing.T) {
	ctx := context.Background()
	store := unionstore.NewMemory[Item]()
	require.NoError(t, store.Save(ctx, unionstore.Changes[Item]{
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "u1"}, Timestamp: at(1)},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "u2"}, Timestamp: at(1)},
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "ghost", ID: "g1"}, Timestamp: at(1)},
	}))
	for _, tc := range []struct {
		name    string
		build   func(*recorder) *unionstore.Manager[Item]
		wantIs  error
		wantMsg string
		applied int
	}{
		{"no store", func(r *recorder) *unionstore.Manager[Item] {
			return unionstore.NewManagerBuilder[Item]().WithRepository("user", r).Build()
		}, unionstore.ErrNoStores, "without WithStore", 0},
		{"a kind registered twice", func(r *recorder) *unionstore.Manager[Item] {
			return unionstore.NewManagerBuilder[Item]().WithStore(store).WithRepository("user", r).WithRepository("user", r).Build()
		}, nil, `kind "user" registered twice`, 0},
		{"an unregistered kind applies nothing", func(r *recorder) *unionstore.Manager[Item] {
			return unionstore.NewManagerBuilder[Item]().WithStore(store).WithRepository("user", r).Build()
		}, unionstore.ErrUnknownKind, `no repository for "ghost"`, 0},
		{"a repository error stops and names the entity", func(r *recorder) *unionstore.Manager[Item] {
			r.fail = "u2"
			return unionstore.NewManagerBuilder[Item]().WithStore(store).WithRepository("user", r).WithRepository("ghost", &recorder{}).Build()
		}, nil, "set user/u2: repository full", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			err := tc.build(r).Restore(ctx, "ns")
			require.Error(t, err)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
			assert.ErrorContains(t, err, tc.wantMsg)
			assert.Len(t, r.calls, tc.applied)
		})
	}
}

func TestNewManager(t *testing.T) {
	ctx := context.Background()
	store := unionstore.NewMemory[Item]()
	users := &recorder{}
	repos := map[string]unionstore.Repository[Item]{"user": users}
	m, err := unionstore.NewManager(store, repos)
	require.NoError(t, err)
	delete(repos, "user") // the manager holds its own copy
	require.NoError(t, m.Persist(ctx, unionstore.Changes[Item]{
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "user", ID: "u1", Value: "v"}, Timestamp: at(1)},
	}))
	require.NoError(t, m.Restore(ctx, "ns"))
	assert.Equal(t, []string{"set user/u1=v"}, users.calls)

	_, err = unionstore.NewManager[Item](nil, nil)
	assert.ErrorIs(t, err, unionstore.ErrNoStores)
	_, err = unionstore.NewManager(store, map[string]unionstore.Repository[Item]{"user": nil})
	assert.ErrorContains(t, err, `nil repository for kind "user"`)
}
