package unionstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// TestUnionCheck checks that a union's Check refuses what its Save refuses
// before writing (an invalid batch, or one a writable member's Checker
// cannot hold), accepts the rest, and writes nothing; and that a union
// nested in another, or serving as a shard, is asked in turn.
func TestUnionCheck(t *testing.T) {
	long := strings.Repeat("x", 50)
	ok := batch(set("ok", "v", at(1)))
	tooLong := batch(set("ok", "v", at(1)), set(long, "v", at(2)))
	union := func() unionstore.Store[Item] {
		return unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.Named("small", checked{newLimited(10)}))
	}
	shardsOf := func(s unionstore.Store[Item]) unionstore.Store[Item] {
		p, err := unionstore.NewPlacement([]string{"a"})
		if err != nil {
			t.Fatal(err)
		}
		sh, err := unionstore.NewShards(p, map[string]unionstore.Store[Item]{"a": s})
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	tests := []struct {
		name    string
		store   func() unionstore.Store[Item]
		changes unionstore.Changes[Item]
		refused bool
		naming  string // a store the refusal names
		// saveRefuses: Save refuses the batch as invalid, which it must
		// when Check does; a member without a Check refuses only in Save.
		saveRefuses bool
	}{
		{"a batch every member can hold", union, ok, false, "", false},
		{"a batch a member's check refuses", union, tooLong, true, `"small"`, true},
		{"an invalid batch", union, batch(set("", "v", at(1))), true, "", true},
		{"a read-only member is not asked", func() unionstore.Store[Item] {
			return unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.ReadOnly(checked{newLimited(10)}))
		}, tooLong, false, "", false},
		{"a member without a check is not asked", func() unionstore.Store[Item] {
			return unionstore.New[Item](unionstore.NewMemory[Item](), newLimited(10))
		}, tooLong, false, "", true},
		{"a union in a union", func() unionstore.Store[Item] {
			return unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.Named("inner", union()))
		}, tooLong, true, `"inner"`, true},
		{"a union as a shard", func() unionstore.Store[Item] { return shardsOf(union()) }, tooLong, true, `"a"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.store()
			c, isChecker := s.(unionstore.Checker[Item])
			if !isChecker {
				t.Fatalf("%T does not implement Checker", s)
			}
			err := c.Check(tt.changes)
			if got := errors.Is(err, unionstore.ErrInvalidChange); got != tt.refused || (!tt.refused && err != nil) {
				t.Fatalf("Check = %v, want refused: %v", err, tt.refused)
			}
			if tt.naming != "" && !strings.Contains(err.Error(), tt.naming) {
				t.Errorf("Check = %v, want it to name store %s", err, tt.naming)
			}
			if got := mustLoad(t, s); len(got) != 0 {
				t.Errorf("after Check the store holds %v, want nothing", show(got))
			}
			if saveErr := s.Save(t.Context(), tt.changes); errors.Is(saveErr, unionstore.ErrInvalidChange) != tt.saveRefuses {
				t.Errorf("Save after Check = %v: %v, want refused as invalid: %v", err, saveErr, tt.saveRefuses)
			}
		})
	}
}
