// Command benchreport runs the benchmarks of every module of unionstore
// with repetitions and writes BENCHMARKS.md: for each figure its value
// (the median over the repetitions), its spread, its ratio against the
// baseline or limit measured in the same run, its target and whether the
// target is met, with the machine it ran on and the command that
// reproduces it. Where a curve says more than a table (the streaming
// merge's heap against the number of entities, each backend's throughput
// against the batch size, single-change saves against concurrency) it
// draws an SVG chart that the report shows.
//
// Run it from the repository root:
//
//	go run ./benchreport                 # the full report, into docs/benchmarks
//	go run ./benchreport -short          # one iteration of each benchmark, into a temporary directory
//	go run ./benchreport -modules .,boltstore -out bench-out
//
// # Figures and targets
//
// Every figure, its target and the reason a known miss is missed are in
// one table, [figures], in targets.go; the benchmark runs that feed them
// are [runs] and the charts [charts], in the same file. A figure whose
// benchmark did not run (a server that was unreachable, a module left out
// with -modules) is listed as not measured. Each figure has an ID, the
// anchor of its row, which other documents link to.
//
// # Verdicts
//
// A target is met when the figure's whole spread reaches it, missed when
// none of it does, and inconclusive when the spread crosses it. The
// benchmarks of inconclusive figures run again, narrowed to them, up to
// [extraRounds] more rounds, and the figures are summarized over every
// repetition.
//
// # Ratios
//
// A ratio is either one that a benchmark measures itself, in the same
// iterations as its subject (such as union/baseline), or the quotient of
// two benchmarks' figures of the same go test run, taken repetition by
// repetition and summarized like any other figure.
//
// # Output
//
// The output directory receives BENCHMARKS.md, one SVG file per chart and
// raw.txt, the benchmark output of every run in the Go benchmark format,
// which benchstat reads.
package main
