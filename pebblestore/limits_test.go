package pebblestore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

// TestLimits saves changes just under and just over each limit: Check and
// Save must agree, and a refused batch must write nothing.
func TestLimits(t *testing.T) {
	// A key is 1 + ns + 1 + kind + 1 + id bytes.
	idFor := func(ns, kind string, keySize int) string {
		return strings.Repeat("i", keySize-3-len(ns)-len(kind))
	}
	for _, tt := range []struct {
		name     string
		change   unionstore.Change[storetest.Item]
		maxBatch int64 // 0: pebble's own limit
		ok       bool
	}{
		{"key of MaxKeySize", item("ns", "k", idFor("ns", "k", pebblestore.MaxKeySize), "v", 1), 0, true},
		{"key of MaxKeySize+1", item("ns", "k", idFor("ns", "k", pebblestore.MaxKeySize+1), "v", 1), 0, false},
		{"long namespace at the key limit", item(strings.Repeat("n", pebblestore.MaxKeySize-5), "k", "i", "v", 1), 0, true},
		{"long namespace over the key limit", item(strings.Repeat("n", pebblestore.MaxKeySize-4), "k", "i", "v", 1), 0, false},
		{"long kind over the key limit", item("ns", strings.Repeat("k", pebblestore.MaxKeySize), "i", "v", 1), 0, false},
		{"batch just under pebble's limit", item("ns", "k", "i", "v", 1), batchSizeOf("ns", "k", "i", "v", 1) + 1, true},
		{"batch at pebble's limit", item("ns", "k", "i", "v", 1), batchSizeOf("ns", "k", "i", "v", 1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.maxBatch > 0 {
				t.Cleanup(pebblestore.SetMaxBatchBytes(tt.maxBatch))
			}
			s := open(t, pebblestore.WithNoSync())
			batch := unionstore.Changes[storetest.Item]{tt.change}
			checkErr := s.Check(batch)
			saveErr := s.Save(context.Background(), batch)
			for what, err := range map[string]error{"Check": checkErr, "Save": saveErr} {
				switch {
				case tt.ok && err != nil:
					t.Errorf("%s = %v, want nil", what, err)
				case !tt.ok && (!errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, pebblestore.ErrTooLarge)):
					t.Errorf("%s = %v, want ErrInvalidChange and ErrTooLarge", what, err)
				case !tt.ok && !strings.Contains(err.Error(), "change 0"):
					t.Errorf("%s = %v, want it to name change 0", what, err)
				}
			}
			got, err := s.Load(context.Background(), tt.change.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.ok]; len(got) != want {
				t.Fatalf("Load after Save = %d changes, want %d", len(got), want)
			}
		})
	}
}

// batchSizeOf returns the size a batch of this one change counts against
// pebble's batch limit.
func batchSizeOf(ns, kind, id, value string, n int) int64 {
	c := item(ns, kind, id, value, n)
	payload, err := unionstore.JSONCodec[storetest.Item]().Encode(c.Entity)
	if err != nil {
		panic(err)
	}
	return pebblestore.BatchSize(ns, len(pebblestore.RecordKey(ns, kind, id)), pebblestore.HeaderSize+len(payload))
}

// TestCheckRefusesWhatSaveRefuses checks a batch whose second change is too
// large: nothing of it may be written.
func TestCheckRefusesWhatSaveRefuses(t *testing.T) {
	s := open(t, pebblestore.WithNoSync())
	batch := unionstore.Changes[storetest.Item]{item("ns", "k", "fine", "v", 1), item("ns", "k", strings.Repeat("x", pebblestore.MaxKeySize), "v", 1)}
	if err := s.Check(batch); !errors.Is(err, pebblestore.ErrTooLarge) || !strings.Contains(err.Error(), "change 1") {
		t.Fatalf("Check = %v, want ErrTooLarge naming change 1", err)
	}
	if err := s.Save(context.Background(), batch); !errors.Is(err, pebblestore.ErrTooLarge) {
		t.Fatalf("Save = %v, want ErrTooLarge", err)
	}
	if got, _ := s.Load(context.Background(), "ns"); len(got) != 0 {
		t.Fatalf("Load after a refused batch = %d changes, want 0", len(got))
	}
	stats, err := s.Namespaces(context.Background())
	if err != nil || len(stats) != 0 {
		t.Fatalf("Namespaces after a refused batch = %v, %v; want none", stats, err)
	}
}

// TestSaveRefusesABatchOverTheLimitTogether saves two changes that each
// fit in a batch alone but not together: Check accepts each and refuses
// the two, and Save refuses the two whole, writing nothing.
func TestSaveRefusesABatchOverTheLimitTogether(t *testing.T) {
	a, b := item("ns", "k", "a", "v", 1), item("ns", "k", "b", "v", 1)
	t.Cleanup(pebblestore.SetMaxBatchBytes(batchSizeOf("ns", "k", "a", "v", 1) + 1))
	s := open(t, pebblestore.WithNoSync())
	for _, c := range []unionstore.Change[storetest.Item]{a, b} {
		if err := s.Check(unionstore.Changes[storetest.Item]{c}); err != nil {
			t.Fatalf("Check(%s) = %v, want nil", c.Entity.ID, err)
		}
	}
	if err := s.Check(unionstore.Changes[storetest.Item]{a, b}); !errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, pebblestore.ErrTooLarge) {
		t.Fatalf("Check of both = %v, want ErrInvalidChange and ErrTooLarge", err)
	}
	err := s.Save(context.Background(), unionstore.Changes[storetest.Item]{a, b})
	if !errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, pebblestore.ErrTooLarge) {
		t.Fatalf("Save of both = %v, want ErrInvalidChange and ErrTooLarge", err)
	}
	if got, err := s.Load(context.Background(), "ns"); err != nil || len(got) != 0 {
		t.Fatalf("Load after the refused batch = %v, %v; want nothing", describe(got), err)
	}
}
