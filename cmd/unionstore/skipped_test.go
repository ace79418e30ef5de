package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// TestSyncAndRepairListWhatTheyCouldNotCopy copies from a store in memory,
// which holds any portable key, to a bolt file, which refuses keys longer
// than bbolt's limit: the record is listed with why, everything else is
// copied, the exit status is 2, and a second run converges.
func TestSyncAndRepairListWhatTheyCouldNotCopy(t *testing.T) {
	dir := t.TempDir()
	src := newTestStore(t, 5, "shop")
	long := strings.Repeat("x", 40_000)
	if err := src.Save(context.Background(), unionstore.Changes[Record]{{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Record{Kind: "k", ID: long, Body: []byte(`"long"`)}}}); err != nil {
		t.Fatal(err)
	}
	useTestStores(t, map[string]*testStore{"src": src})
	for _, args := range [][]string{
		{"sync", "test://src", "dst.db"},
		{"repair", "--store", "test://src", "--store", "other.db"},
	} {
		for run := 1; run <= 2; run++ {
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, dir: dir}
			if status := runCommand(e, args); status != exitFailure {
				t.Fatalf("run %d of %q: status %d, want 2:\n%s%s", run, args, status, stdout.String(), stderr.String())
			}
			contains(t, "stderr of "+strings.Join(args, " "), stderr.String(),
				"shop: 1 record could not be copied to ", "  shop k xxxxx", "key too long",
				"1 record could not be copied (listed above, with why); everything else was copied")
			if run == 1 {
				contains(t, "stdout of "+strings.Join(args, " "), stdout.String(), "5 changes")
			}
		}
		var stdout bytes.Buffer
		e := &env{stdout: &stdout, stderr: new(bytes.Buffer), dir: dir}
		target := args[len(args)-1]
		if status := runCommand(e, []string{"load", "--store", target, "shop"}); status != exitOK || strings.Count(stdout.String(), "\n") != 6 {
			t.Errorf("%s after %q holds:\n%s\nwant the 5 storable records", target, args, stdout.String())
		}
	}
}

func runCommand(e *env, args []string) int { return run(context.Background(), e, args) }
