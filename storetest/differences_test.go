package storetest

import (
	"fmt"
	"testing"
)

// TestExpectDifferences checks that ExpectDifferences stops at the first
// round with differences, and fails only when no round has any.
func TestExpectDifferences(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rounds     int
		firstDiffs int    // the first round that returns differences, -1 for none
		wantRuns   int    // the rounds run
		wantFail   string // what the failure says, "" for none
	}{
		{"differences at once", 5, 0, 1, ""},
		{"differences in a later round", 5, 3, 4, ""},
		{"differences in the last round", 3, 2, 3, ""},
		{"no differences", 4, -1, 4, "4 rounds without the check found no difference from the model: the model test cannot tell that it is missing"},
		{"differences after the last round", 2, 2, 2, "2 rounds without the check found no difference from the model: the model test cannot tell that it is missing"},
		{"no round", 0, 0, 0, "0 rounds without the check found no difference from the model: the model test cannot tell that it is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var runs []int
			run := func(round int) []string {
				runs = append(runs, round)
				if tc.firstDiffs >= 0 && round >= tc.firstDiffs {
					return []string{fmt.Sprintf("difference of round %d", round)}
				}
				return nil
			}
			r := &recorder{TB: t}
			failed := r.run(func(tb testing.TB) { ExpectDifferences(tb, "the check", tc.rounds, run) })
			if failed != tc.wantFail {
				t.Errorf("ExpectDifferences fails with %q, want %q", failed, tc.wantFail)
			}
			for i, round := range runs {
				if round != i {
					t.Fatalf("ExpectDifferences ran rounds %v, want 0 to %d in order", runs, tc.wantRuns-1)
				}
			}
			if len(runs) != tc.wantRuns {
				t.Errorf("ExpectDifferences ran %d rounds, want %d", len(runs), tc.wantRuns)
			}
		})
	}
}
