package main

import (
	"slices"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/unionstore/unionstore/boltstore
cpu: AMD EPYC
BenchmarkGroupCommit-2   	       3	  46834181 ns/op	     31667 concurrent-saves/s	        22.15 speedup	  970528 B/op	    8558 allocs/op
BenchmarkGroupCommit-2   	       3	  46834181 ns/op	     30000 concurrent-saves/s	        20.00 speedup	  970528 B/op	    8558 allocs/op
BenchmarkReportBatchSize/batch=10-2 	 690	    392385 ns/op	     25485 changes/s	   26105 B/op	     226 allocs/op
BenchmarkScanPeakHeap/10000-2 	 1	 5 ns/op	 0.54 peak-heap-MiB
--- BENCH: BenchmarkSomething
    log line
PASS
ok  	github.com/unionstore/unionstore/boltstore	0.066s
`

func TestParse(t *testing.T) {
	res := Results{}
	if err := res.Parse("boltstore", strings.NewReader(sampleOutput), "sample"); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, tc := range []struct {
		ref  Ref
		want []float64
	}{
		{Ref{"boltstore", "BenchmarkGroupCommit", "speedup", 0}, []float64{22.15, 20}},
		{Ref{"boltstore", "BenchmarkGroupCommit", "ns/op", 0}, []float64{46834181, 46834181}},
		{Ref{"boltstore", "BenchmarkReportBatchSize/batch=10", "allocs/op", 10}, []float64{22.6}},
		{Ref{"boltstore", "BenchmarkScanPeakHeap/10000", "peak-heap-MiB", 0}, []float64{0.54}},
		{Ref{"boltstore", "BenchmarkGroupCommit", "no-such-unit", 0}, nil},
		{Ref{"pgstore", "BenchmarkGroupCommit", "speedup", 0}, nil},
	} {
		if got := res.Values(tc.ref); !slices.Equal(got, tc.want) {
			t.Errorf("Values(%v) = %v, want %v", tc.ref, got, tc.want)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	res := Results{}
	err := res.Parse("m", strings.NewReader("BenchmarkX-2 \t 10 \t abc ns/op\n"), "bad")
	if err == nil || !strings.Contains(err.Error(), "bad:1") {
		t.Fatalf("Parse of a malformed line = %v, want an error naming bad:1", err)
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		values         []float64
		median, lo, hi float64
		ci             bool
	}{
		{[]float64{3, 1, 2}, 2, 1, 3, false},
		{[]float64{5}, 5, 5, 5, false},
		// Six or more: the 95% confidence interval of the median.
		{[]float64{1, 2, 3, 4, 5, 6}, 3.5, 1, 6, true},
	} {
		got := Summarize(tc.values)
		if got.Median != tc.median || got.Lo != tc.lo || got.Hi != tc.hi || got.CI != tc.ci || got.N != len(tc.values) {
			t.Errorf("Summarize(%v) = %+v, want median %v in [%v, %v], CI %v", tc.values, got, tc.median, tc.lo, tc.hi, tc.ci)
		}
	}
	if got := (Stat{Median: 2, Lo: 1, Hi: 2.5}).Spread(); got != 50 {
		t.Errorf("Spread = %v, want 50", got)
	}
}

func TestQuotients(t *testing.T) {
	for _, tc := range []struct{ num, den, want []float64 }{
		{[]float64{2, 6}, []float64{1, 3}, []float64{2, 2}},
		{[]float64{2, 6, 9}, []float64{1, 0}, []float64{2}},
		{nil, []float64{1}, []float64{}},
	} {
		if got := Quotients(tc.num, tc.den); !slices.Equal(got, tc.want) {
			t.Errorf("Quotients(%v, %v) = %v, want %v", tc.num, tc.den, got, tc.want)
		}
	}
}
