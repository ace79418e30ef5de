package unionstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
)

// fixedLoad is a store that cannot scan: its Load returns changes as they
// are, or err, and counts its calls.
type fixedLoad struct {
	changes unionstore.Changes[Item]
	err     error
	loads   int
}

func (f *fixedLoad) Save(context.Context, unionstore.Changes[Item]) error { return nil }
func (f *fixedLoad) Close() error                                         { return nil }
func (f *fixedLoad) Load(context.Context, string) (unionstore.Changes[Item], error) {
	f.loads++
	return f.changes, f.err
}

// TestScanOf checks that ScanOf streams a Scanner through its Scan, and
// yields another store's Load sorted by (kind, id) with one change per
// entity, or its error alone, afresh on each walk.
func TestScanOf(t *testing.T) {
	boom := errors.New("boom")
	unsorted := batch(set("c", "3", at(3)), set("a", "1", at(1)), set("b", "old", at(1)), set("b", "new", at(2)))
	tests := []struct {
		name      string
		load      *fixedLoad
		scanned   unionstore.Changes[Item] // what a Scan yields; nil for a store that cannot scan
		want      []string
		wantErr   error
		wantLoads int // per walk
	}{
		{name: "a scanner is scanned, not loaded", load: &fixedLoad{changes: unsorted}, scanned: batch(set("z", "26", at(9))), want: []string{"z=26@9"}},
		{name: "a loaded store is sorted and compacted", load: &fixedLoad{changes: unsorted}, want: []string{"a=1@1", "b=new@2", "c=3@3"}, wantLoads: 1},
		{name: "an empty namespace yields nothing", load: &fixedLoad{}, want: []string{}, wantLoads: 1},
		{name: "a failed load yields its error alone", load: &fixedLoad{changes: unsorted, err: boom}, want: []string{}, wantErr: boom, wantLoads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var store unionstore.Store[Item] = tt.load
			if tt.scanned != nil {
				store = unordered{Store: tt.load, changes: tt.scanned}
			}
			seq := unionstore.ScanOf(context.Background(), store, "ns")
			for walk := 1; walk <= 2; walk++ {
				var got unionstore.Changes[Item]
				var gotErr error
				for c, err := range seq {
					if err != nil {
						gotErr = err
						continue
					}
					got = append(got, c)
				}
				if !errors.Is(gotErr, tt.wantErr) || (tt.wantErr == nil && gotErr != nil) {
					t.Errorf("walk %d: ScanOf error = %v, want %v", walk, gotErr, tt.wantErr)
				}
				if s := show(got); !slices.Equal(s, tt.want) {
					t.Errorf("walk %d: ScanOf = %v, want %v", walk, s, tt.want)
				}
			}
			if tt.load.loads != 2*tt.wantLoads {
				t.Errorf("Load called %d times in two walks, want %d", tt.load.loads, 2*tt.wantLoads)
			}
		})
	}
}

// TestScanOfStopsWhenTold checks that a walk of a loaded store ends when
// the loop breaks.
func TestScanOfStopsWhenTold(t *testing.T) {
	s := &fixedLoad{changes: batch(set("a", "1", at(1)), set("b", "2", at(2)), set("c", "3", at(3)))}
	var got unionstore.Changes[Item]
	for c, err := range unionstore.ScanOf(context.Background(), s, "ns") {
		if err != nil {
			t.Fatalf("ScanOf: %v", err)
		}
		got = append(got, c)
		if len(got) == 2 {
			break
		}
	}
	if s := show(got); !slices.Equal(s, []string{"a=1@1", "b=2@2"}) {
		t.Errorf("ScanOf until the second change = %v, want [a=1@1 b=2@2]", s)
	}
}
