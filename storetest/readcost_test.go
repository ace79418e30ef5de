package storetest

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// copying is a Memory whose Load copies the entities' values, as a
// durable store decodes them, instead of sharing the Memory's.
type copying struct{ *unionstore.Memory[Item] }

func (s copying) Load(ctx context.Context, ns string) (unionstore.Changes[Item], error) {
	got, err := s.Memory.Load(ctx, ns)
	out := make(unionstore.Changes[Item], len(got))
	for i, c := range got {
		c.Entity.Value = strings.Clone(c.Entity.Value)
		out[i] = c
	}
	return out, err
}

// hoarding is a store whose Scan loads the whole namespace before its
// first change, as a store that must sort what it read does.
type hoarding struct{ copying }

func (s hoarding) Scan(ctx context.Context, ns string) iter.Seq2[unionstore.Change[Item], error] {
	return func(yield func(unionstore.Change[Item], error) bool) {
		all, err := s.Load(ctx, ns)
		if err != nil {
			yield(unionstore.Change[Item]{}, err)
			return
		}
		for _, c := range all {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// bodies returns a Memory whose namespace "ns" holds n changes of 4 KiB
// bodies, 8 MiB in all, and whose namespace "other" holds one, with the
// size of a body.
func bodies(t *testing.T, n int) (*unionstore.Memory[Item], int) {
	ts := time.Unix(1_700_000_000, 0)
	m := unionstore.NewMemory[Item]()
	body := strings.Repeat("x", 4096)
	batch := make(unionstore.Changes[Item], n)
	for i := range batch {
		batch[i] = Set("ns", "k", fmt.Sprintf("%05d", i), body, ts)
	}
	Save(t, m, batch...)
	Save(t, m, Set("other", "k", "a", "", ts))
	return m, len(body)
}

// TestMeasureReads checks what the measures fail on, and that the live
// heap tells a streaming Scan from one that holds the namespace.
func TestMeasureReads(t *testing.T) {
	const n = 2000
	m, body := bodies(t, n)

	for _, tc := range []struct {
		name string
		call func(tb testing.TB)
		fail string
	}{
		{"Scan of as many as want", func(tb testing.TB) { MeasureScan(tb, m, "ns", n, false) }, ""},
		{"Scan of fewer than want", func(tb testing.TB) { MeasureScan(tb, m, "other", 2, false) }, `Scan("other") yielded 1 changes, want 2`},
		{"Scan that fails", func(tb testing.TB) { MeasureScan(tb, brokenScan{m}, "ns", 2, false) }, `Scan("ns"): broken`},
		{"Load of as many as want", func(tb testing.TB) { MeasureLoad(tb, m, "other", 1, false) }, ""},
		{"Load of more than want", func(tb testing.TB) { MeasureLoad(tb, m, "other", 0, false) }, `Load("other") = 1 changes, <nil>; want 0`},
	} {
		if got := new(recorder).run(tc.call); got != tc.fail {
			t.Errorf("%s: failed with %q, want %q", tc.name, got, tc.fail)
		}
	}

	// The Memory's Scan walks its sorted view, made by the first read and
	// kept: once it is made, a Scan holds none of the namespace, while a
	// copying Load, and a Scan that loads first, hold every body.
	MeasureScan(t, m, "ns", n, false)
	load := MeasureLoad(t, copying{m}, "ns", n, true)
	stream := MeasureScan(t, m, "ns", n, true)
	hoard := MeasureScan(t, hoarding{copying{m}}, "ns", n, true)
	t.Logf("live heap: Load %d B, streaming Scan %d B, hoarding Scan %d B", load.Live, stream.Live, hoard.Live)
	if min := uint64(n * body / 2); load.Live < min || hoard.Live < min {
		t.Errorf("Load holds %d B and the hoarding Scan %d B, want each at least %d B, half the bodies", load.Live, hoard.Live, min)
	}
	if stream.Live*4 > hoard.Live {
		t.Errorf("the streaming Scan holds %d B at its first change, the hoarding one %d B: want a quarter or less", stream.Live, hoard.Live)
	}
	if stream.First <= 0 || stream.Total < stream.First {
		t.Errorf("Scan took %v to its first change and %v in all, want 0 < first <= total", stream.First, stream.Total)
	}
}

// TestCheckScanMemory checks that CheckScanMemory passes a Scan that
// streams and fails one that loads the namespace first.
func TestCheckScanMemory(t *testing.T) {
	const n = 2000
	m, _ := bodies(t, n)
	MeasureScan(t, m, "ns", n, false) // the Memory's sorted view, made once
	for _, tc := range []struct {
		name     string
		spilling unionstore.Scanner[Item]
		want     []string // what each failure says, in part
	}{
		{"a streaming Scan", m, nil},
		{"a Scan that loads first", hoarding{copying{m}}, []string{"want at most 4 MiB", "more than a third of Load's"}},
	} {
		got := new(checkRecorder).run(func(tb testing.TB) { CheckScanMemory(tb, copying{m}, tc.spilling, "ns", n) })
		ok := len(got) == len(tc.want)
		for i := 0; ok && i < len(got); i++ {
			ok = strings.Contains(got[i], tc.want[i])
		}
		if !ok {
			t.Errorf("%s: CheckScanMemory failed with %q, want failures saying %q", tc.name, got, tc.want)
		}
	}
}
