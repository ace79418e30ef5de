package mysqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// upsertCases are the changes saved over a stored set of "old" at
// timestamp 10, and the row each must leave: all three columns follow the
// timestamp together.
var upsertCases = []struct {
	name   string
	change unionstore.Change[storetest.Item]
	want   storedRow
}{
	{"an older unset leaves the row whole", unset("ns", "k", "a", at(5)), storedRow{"set", at(10).UnixNano(), `"old"`}},
	{"an older set leaves the row whole", set("ns", "k", "a", "older", at(9)), storedRow{"set", at(10).UnixNano(), `"old"`}},
	{"an unset of the same timestamp replaces it", unset("ns", "k", "a", at(10)), storedRow{"unset", at(10).UnixNano(), `""`}},
	{"a set of the same timestamp replaces it", set("ns", "k", "a", "same", at(10)), storedRow{"set", at(10).UnixNano(), `"same"`}},
	{"a newer unset replaces it", unset("ns", "k", "a", at(11)), storedRow{"unset", at(11).UnixNano(), `""`}},
	{"a newer set replaces it", set("ns", "k", "a", "newer", at(20)), storedRow{"set", at(20).UnixNano(), `"newer"`}},
}

// upsertMismatches saves each of upsertCases over a fresh row of a table of
// its own through a store ending its saves with clause, and returns how the
// rows differ from the cases' wants, one sentence each.
func upsertMismatches(t *testing.T, clause string) []string {
	t.Helper()
	var out []string
	for _, tc := range upsertCases {
		table := newTable(t)
		s := newStoreOn(t, adminDB(t), table)
		defer mysqlstore.SetUpsert(s, clause)()
		save(t, s, set("ns", "k", "a", "old", at(10)))
		save(t, s, tc.change)
		got, ok := readRow(t, table, "ns", "k", "a")
		// Only the value's own field is compared of the payload.
		if ok {
			got.payload = valueOf(got.payload)
		}
		if !ok || got != tc.want {
			out = append(out, fmt.Sprintf("%s: row = %+v, want %+v", tc.name, got, tc.want))
		}
	}
	return out
}

// valueOf returns the "value" field of a stored item's JSON, quoted, or ""
// quoted when it has none.
func valueOf(payload string) string {
	const key = `"value":`
	i := strings.Index(payload, key)
	if i < 0 {
		return `""`
	}
	rest := payload[i+len(key):]
	if j := strings.IndexAny(rest, ",}"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestUpsertKeepsEachRowWhole checks that every column of a row follows
// the timestamp: an older change leaves the row as it was, a change of the
// same timestamp or a newer one replaces it whole.
func TestUpsertKeepsEachRowWhole(t *testing.T) {
	for _, m := range upsertMismatches(t, mysqlstore.Upsert) {
		t.Error(m)
	}
}

// TestUpsertCheckCatchesBrokenClauses shows that the check of
// TestUpsertKeepsEachRowWhole fails for the mistakes an upsert in MySQL
// invites: no condition, a strict comparison, which loses ties, and the
// timestamp assigned before the other columns with a strict comparison,
// after which they compare with the new timestamp and are never replaced.
//
// The timestamp assigned first with the store's own comparison (>=) is
// harmless, and listed so: the timestamp then becomes the new one exactly
// when the condition held, and the condition, asked again of the new
// timestamp, still holds; when it did not, nothing changed. No test can
// tell that order from the store's, so Upsert assigns ts last only so that
// each condition reads the stored row as it was.
func TestUpsertCheckCatchesBrokenClauses(t *testing.T) {
	const (
		cond   = "IF(VALUES(ts) >= ts, VALUES(%[1]s), %[1]s)"
		strict = "IF(VALUES(ts) > ts, VALUES(%[1]s), %[1]s)"
	)
	clause := func(form string, columns ...string) string {
		var sets []string
		for _, c := range columns {
			sets = append(sets, c+" = "+fmt.Sprintf(form, c))
		}
		return " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	}
	broken := []struct{ name, clause string }{
		{"no condition", clause("VALUES(%[1]s)", "change_type", "payload", "ts")},
		{"a strict comparison", clause(strict, "change_type", "payload", "ts")},
		{"ts first, strict comparison", clause(strict, "ts", "change_type", "payload")},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			if m := upsertMismatches(t, b.clause); len(m) == 0 {
				t.Errorf("no mismatch found with %s", b.clause)
			} else {
				t.Logf("caught: %s", strings.Join(m, "; "))
			}
		})
	}
	t.Run("ts first is harmless with >=", func(t *testing.T) {
		for _, m := range upsertMismatches(t, clause(cond, "ts", "change_type", "payload")) {
			t.Error(m)
		}
	})
}

// TestConcurrentWritersCatchAnUnconditionalUpsert shows that the model test
// of TestConcurrentWritersKeepTheLatest fails when the upsert's timestamp
// condition is removed: the stores then keep whatever was written last.
func TestConcurrentWritersCatchAnUnconditionalUpsert(t *testing.T) {
	const pools = 3
	table := newTable(t)
	stores := make([]unionstore.Store[storetest.Item], pools)
	for p := range stores {
		s := newStoreOn(t, newDB(t), table)
		defer mysqlstore.SetUpsert(s, " ON DUPLICATE KEY UPDATE change_type = VALUES(change_type), payload = VALUES(payload), ts = VALUES(ts)")()
		stores[p] = s
	}
	writes := storetest.Writes{Writers: pools * 4, SavesPerWriter: 25, MaxBatch: 20, IDs: 30, Timestamps: 200,
		Namespaces: []string{"a", "b"}, Seed: 1}
	storetest.ExpectDifferences(t, "the upsert's timestamp condition", 1, func(int) []string {
		return storetest.ConcurrentWriters(t, stores, stores[0], writes)
	})
}
