package unionstore

import (
	"context"
	"testing"
)

// embedding embeds a Memory and overrides its Save, as a user's wrapper
// would.
type embedding struct{ *Memory[key] }

func (e embedding) Save(ctx context.Context, c Changes[key]) error {
	return e.Memory.Save(ctx, c)
}

// A union takes Memory's fast path for a Memory, named or read-only or
// not, and never for a store that embeds one and may override its
// methods.
func TestMemberFastPath(t *testing.T) {
	tests := []struct {
		name  string
		store Store[key]
		fast  bool
	}{
		{"a Memory", NewMemory[key](), true},
		{"a named Memory", Named("m", Store[key](NewMemory[key]())), true},
		{"a read-only Memory", ReadOnly(Store[key](NewMemory[key]())), true},
		{"a store embedding a Memory", embedding{NewMemory[key]()}, false},
		{"a pointer to a store embedding a Memory", &embedding{NewMemory[key]()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := asMember(tt.store).fast != nil; got != tt.fast {
				t.Fatalf("asMember(%T).fast != nil = %v, want %v", tt.store, got, tt.fast)
			}
		})
	}
}
