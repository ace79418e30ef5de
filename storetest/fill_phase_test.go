package storetest

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// TestFillPhase checks the batches FillPhase saves, the time it counts and
// its failure at an error of the save.
func TestFillPhase(t *testing.T) {
	const pause = 2 * time.Millisecond
	for _, tc := range []struct {
		name      string
		n, batch  int
		failAt    int   // the save that fails, from 1; 0 for none
		wantSizes []int // the sizes of the batches saved
		wantFail  string
	}{
		{"batches that divide the ids", 6, 2, 0, []int{2, 2, 2}, ""},
		{"a shorter last batch", 7, 3, 0, []int{3, 3, 1}, ""},
		{"one batch for all", 4, 10, 0, []int{4}, ""},
		{"no ids", 0, 3, 0, nil, ""},
		{"a save that fails", 6, 2, 2, []int{2, 2}, "fatal: Save of 2 entities: refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := FillIDs(rand.New(rand.NewPCG(1, 2)), tc.n)
			var sizes []int
			var saved []string
			var took time.Duration
			var ts time.Time
			var r checkRecorder
			failures := r.run(func(tb testing.TB) {
				took = FillPhase(tb, rand.New(rand.NewPCG(3, 4)), "fill", ids, tc.batch, func(changes unionstore.Changes[Item]) error {
					sizes = append(sizes, len(changes))
					for _, c := range changes {
						if ts.IsZero() {
							ts = c.Timestamp
						}
						if c.Namespace != "fill" || c.ChangeType != unionstore.ChangeTypeSet || !c.Timestamp.Equal(ts) {
							t.Errorf("FillPhase saved %+v, want sets of namespace fill at one timestamp", c)
						}
						saved = append(saved, c.Entity.ID)
					}
					time.Sleep(pause)
					if len(sizes) == tc.failAt {
						return errors.New("refused")
					}
					return nil
				})
			})
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("FillPhase saved batches of %v, want %v", sizes, tc.wantSizes)
			}
			if tc.wantFail != "" {
				if len(failures) != 1 || failures[0] != tc.wantFail {
					t.Errorf("FillPhase failed %q, want %q", failures, tc.wantFail)
				}
				return
			}
			if len(failures) > 0 {
				t.Fatalf("FillPhase failed %q, want no failure", failures)
			}
			if !slices.Equal(saved, ids) {
				t.Errorf("FillPhase saved ids %q, want %q in order", saved, ids)
			}
			if want := time.Duration(len(sizes)) * pause; took < want {
				t.Errorf("FillPhase = %v, want at least the %v its saves took", took, want)
			}
		})
	}
}
