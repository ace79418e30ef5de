package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
)

// customer hides its fields from encoding/json: it encodes as {}.
type customer struct{ id, name string }

func (c customer) CompactionKey() (kind, id string) { return "customer", c.id }

// TestSaveRefusesAnEntityItCouldNotLoad checks that a store refuses, rather
// than keep, an entity whose kind and id its codec cannot read back, alone
// and as a member of a union, so that the union writes no member either.
func TestSaveRefusesAnEntityItCouldNotLoad(t *testing.T) {
	ctx := context.Background()
	batch := unionstore.Changes[customer]{{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: customer{id: "c1", name: "Ann"}, Timestamp: at(1)}}
	for _, tc := range []struct {
		name    string
		through func(s *pgstore.Store[customer], mem *unionstore.Memory[customer]) unionstore.Store[customer]
	}{
		{"alone", func(s *pgstore.Store[customer], _ *unionstore.Memory[customer]) unionstore.Store[customer] { return s }},
		{"in a union", func(s *pgstore.Store[customer], mem *unionstore.Memory[customer]) unionstore.Store[customer] {
			return unionstore.New[customer](mem, s)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := newTable(t)
			s, err := pgstore.New[customer](ctx, adminPool(t), pgstore.WithTable(table), pgstore.WithCreateSchema())
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			mem := unionstore.NewMemory[customer]()
			err = tc.through(s, mem).Save(ctx, batch)
			if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), `kind "customer" cannot be stored`) ||
				!strings.Contains(err.Error(), "encoding/json sees no exported fields") {
				t.Fatalf("Save = %v, want ErrInvalidChange naming kind customer and its unexported fields", err)
			}
			if n := rowCount(t, table); n != 0 {
				t.Errorf("table holds %d rows after the refused Save, want none", n)
			}
			if got, err := mem.Load(ctx, "ns"); err != nil || len(got) != 0 {
				t.Errorf("memory store after the refused Save holds %v, %v; want nothing", got, err)
			}
		})
	}
}
