package storetest

import "testing"

// ExpectDifferences shows that a model-based test can fail. run runs the
// test on a store with a safeguard removed (without names it in the
// messages) and returns the differences from the model, as
// [ConcurrentWriters] does. ExpectDifferences calls it for rounds 0, 1, …
// up to rounds rounds, and stops at the first round that returns some,
// which it logs with the first of them. It fails tb and stops it when no
// round returns any: the test cannot tell that the safeguard is missing.
// Races are random, and a store may keep every latest change of a round by
// luck, hence the rounds.
func ExpectDifferences(tb testing.TB, without string, rounds int, run func(round int) []string) {
	tb.Helper()
	for round := range rounds {
		if diffs := run(round); len(diffs) > 0 {
			tb.Logf("round %d without %s: %d differences from the model, the first: %s", round, without, len(diffs), diffs[0])
			return
		}
	}
	tb.Fatalf("%d rounds without %s found no difference from the model: the model test cannot tell that it is missing", rounds, without)
}
