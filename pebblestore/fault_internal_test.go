package pebblestore

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
)

// TestFaultStopsTheStore raises each of the signs of damage that pebble
// can give a store, on an intact store, and checks that the process goes
// on, that a union with degraded reads reads on from its other member,
// that every operation then returns ErrCorrupt naming the directory, that
// Close releases the directory, and that the directory opens again.
func TestFaultStopsTheStore(t *testing.T) {
	for _, tt := range []struct {
		name  string
		raise func(t *testing.T, s *Store[fuzzItem])
	}{
		{"a fatal error of pebble", func(t *testing.T, s *Store[fuzzItem]) {
			logger{s.d.fault}.Fatalf("pebble: %s", "MANIFEST sync failed")
		}},
		{"a data corruption event", func(t *testing.T, s *Store[fuzzItem]) {
			eventListener(s.d.fault).DataCorruption(pebble.DataCorruptionInfo{Path: filepath.Join(s.d.dir, "000007.sst"), Details: errors.New("checksum mismatch")})
		}},
		{"a background error of damage", func(t *testing.T, s *Store[fuzzItem]) {
			eventListener(s.d.fault).BackgroundError(pebble.ErrCorruption)
		}},
		{"a panic of pebble inside an operation", func(t *testing.T, s *Store[fuzzItem]) {
			_ = s.d.guard("load", func() error { panic("index out of range") })
		}},
		{"a corruption error of pebble", func(t *testing.T, s *Store[fuzzItem]) {
			_ = s.d.guard("get", func() error { return pebble.ErrCorruption })
		}},
		{"a fatal error inside an operation that then succeeds", func(t *testing.T, s *Store[fuzzItem]) {
			err := s.d.guard("save", func() error {
				logger{s.d.fault}.Fatalf("pebble: fatal commit error: %v", "write failed")
				return nil
			})
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("the operation = %v, want ErrCorrupt", err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "store")
			s, err := Open[fuzzItem](dir)
			if err != nil {
				t.Fatal(err)
			}
			ch := unionstore.Changes[fuzzItem]{{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: fuzzItem{Kind: "k", ID: "a"}}}
			if err := s.Save(ctx, ch); err != nil {
				t.Fatal(err)
			}
			tt.raise(t, s)
			// A union with degraded reads reads on from its other member.
			mem := unionstore.NewMemory[fuzzItem]()
			if err := mem.Save(ctx, ch); err != nil {
				t.Fatal(err)
			}
			u := unionstore.New[fuzzItem](s, mem).With(unionstore.DegradedReads(1))
			if got, err := u.Load(ctx, "ns"); err != nil || len(got) != 1 {
				t.Errorf("union Load with degraded reads = %d changes, %v; want the other member's one", len(got), err)
			}
			_, loadErr := s.Load(ctx, "ns")
			_, _, getErr := s.Get(ctx, "ns", "k", "a")
			_, nsErr := s.Namespaces(ctx)
			var scanErr error
			for _, err := range s.Scan(ctx, "ns") {
				scanErr = err
			}
			for op, err := range map[string]error{
				"Load": loadErr, "Get": getErr, "Namespaces": nsErr, "Scan": scanErr,
				"Save": s.Save(ctx, ch), "Purge": s.Purge(ctx, "ns"), "Close": s.Close(),
			} {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), dir) {
					t.Errorf("%s after %s = %v, want ErrCorrupt naming %q", op, tt.name, err, dir)
				}
			}
			s2, err := Open[fuzzItem](dir)
			if err != nil {
				t.Fatalf("Open after Close of the stopped store = %v", err)
			}
			if got, err := s2.Load(ctx, "ns"); err != nil || len(got) != 1 {
				t.Errorf("Load after reopening = %d changes, %v; want the saved one", len(got), err)
			}
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
