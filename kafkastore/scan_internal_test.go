package kafkastore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
)

// scanStep is one record a test passes to a scan: a change of id, or a
// purge when purge is set.
type scanStep struct {
	id    string
	t     unionstore.ChangeType
	ts    int64
	purge *purge
}

func keep(id string, ts int64) scanStep { return scanStep{id: id, t: unionstore.ChangeTypeSet, ts: ts} }

func keepUnset(id string, ts int64) scanStep {
	return scanStep{id: id, t: unionstore.ChangeTypeUnset, ts: ts}
}

func drop(p purge) scanStep { return scanStep{purge: &p} }

// scanKey returns the key of (kind "k", id) after its namespace's prefix.
func scanKey(id string) []byte {
	ns := appendPrefix(nil, "ns")
	return appendKey(nil, "ns", "k", id)[len(ns):]
}

// TestScanAppliesPurgesToWhatItSpilled runs the same records through a scan
// that holds everything in memory and through scans that write runs, and
// checks that all walk the same latest records, purges applied.
func TestScanAppliesPurgesToWhatItSpilled(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []scanStep
		want  []string
	}{
		{
			"the latest record wins across runs",
			[]scanStep{keep("a", 2), keep("b", 1), keep("a", 1), keep("b", 3)},
			[]string{"a set at 2", "b set at 3"},
		},
		{
			"a Kafka tombstone removes its key from earlier runs",
			[]scanStep{keep("a", 1), keep("b", 2), keep("c", 3), drop(purge{key: scanKey("b")}), keep("d", 4)},
			[]string{"a set at 1", "c set at 3", "d set at 4"},
		},
		{
			"a Kafka tombstone read last still applies",
			[]scanStep{keep("a", 1), keep("b", 2), drop(purge{key: scanKey("a")})},
			[]string{"b set at 2"},
		},
		{
			"a purge of everything forgets the runs",
			[]scanStep{keep("a", 1), keep("b", 2), drop(purge{all: true}), keep("c", 3)},
			[]string{"c set at 3"},
		},
		{
			"a purge of old tombstones looks at the latest record",
			[]scanStep{keepUnset("a", 1), keepUnset("b", 1), keep("b", 2), keepUnset("c", 9), drop(purge{before: 5})},
			[]string{"b set at 2", "c unset at 9"},
		},
		{
			"a purge of old tombstones sees a tombstone held over a set spilled",
			[]scanStep{keep("a", 1), keep("x", 1), keepUnset("x", 2), drop(purge{before: 5})},
			[]string{"a set at 1"},
		},
	} {
		// A run at every record, a run every two records (each costs
		// about 140 bytes), and none.
		for _, threshold := range []int{0, 200, 1 << 30} {
			t.Run(fmt.Sprintf("%s/threshold=%d", tc.name, threshold), func(t *testing.T) {
				sc := newScan(t.TempDir(), threshold)
				defer sc.remove()
				for _, st := range tc.steps {
					var err error
					if st.purge != nil {
						err = sc.drop(*st.purge)
					} else {
						err = sc.keep(scanKey(st.id), entry{kind: "k", id: st.id, t: st.t, ts: st.ts, payload: []byte(st.id)})
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if spilled := sc.runs.Len() > 0; threshold != 200 && spilled != (threshold == 0) {
					t.Errorf("spilled = %v with a threshold of %d bytes", spilled, threshold)
				}
				var got []string
				ok, err := sc.walk(func(e *entry) bool {
					got = append(got, fmt.Sprintf("%s %s at %d", e.id, e.t, e.ts))
					return true
				})
				if err != nil || !ok {
					t.Fatalf("walk = %v, %v, want true, nil", ok, err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("walk yielded %q, want %q", got, tc.want)
				}
			})
		}
	}
}
