package natsstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// tokenLen is the length of the subject token of an n-byte key.
func tokenLen(n int) int {
	if n == 0 {
		return 1
	}
	return (n*8 + 5) / 6
}

// TestLimitsAtTheEdge saves the longest id and the largest entity the
// store takes, and checks that one byte more is refused, by Check and by
// Save alike, with ErrInvalidChange and nothing written.
func TestLimitsAtTheEdge(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	const maxSubject = 2048
	// The subject is <stream>.<ns>.<kind>.<id>.
	fixed := len(s.Stream()) + 3 + tokenLen(len("ns")) + tokenLen(len("k"))
	longest := 0
	for tokenLen(longest+1)+fixed <= maxSubject {
		longest++
	}
	item := storetest.Item{Kind: "k", ID: "big"}
	empty, _ := json.Marshal(item)
	maxBody := int(sharedJSConn(t).MaxPayload()) - 256
	for _, tc := range []struct {
		name        string
		under, over unionstore.Change[storetest.Item]
	}{
		{"subject", set("ns", "k", strings.Repeat("i", longest), "v", at(1)), set("ns", "k", strings.Repeat("i", longest+1), "v", at(1))},
		{"message", set("ns", "k", "big", strings.Repeat("v", maxBody-len(empty)), at(1)), set("ns", "k", "big", strings.Repeat("v", maxBody-len(empty)+1), at(1))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			over := unionstore.Changes[storetest.Item]{set("ns", "k", "other", "v", at(1)), tc.over}
			if err := s.Check(over); !errors.Is(err, unionstore.ErrInvalidChange) {
				t.Errorf("Check(one over the limit) = %v, want ErrInvalidChange", err)
			}
			if err := s.Save(ctx, over); !errors.Is(err, unionstore.ErrInvalidChange) {
				t.Errorf("Save(one over the limit) = %v, want ErrInvalidChange", err)
			}
			if _, ok, err := s.Get(ctx, "ns", "k", "other"); err != nil || ok {
				t.Errorf("Get of the refused batch's other change = %v, %v; want nothing written", ok, err)
			}
			under := unionstore.Changes[storetest.Item]{tc.under}
			if err := s.Check(under); err != nil {
				t.Errorf("Check(at the limit) = %v, want nil", err)
			}
			if err := s.Save(ctx, under); err != nil {
				t.Fatalf("Save(at the limit) = %v", err)
			}
			got, ok, err := s.Get(ctx, "ns", "k", tc.under.Entity.ID)
			if err != nil || !ok || got.Entity != tc.under.Entity {
				t.Fatalf("Get(at the limit) = %v, %v; want the change saved", ok, err)
			}
		})
	}
}
