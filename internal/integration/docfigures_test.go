package integration_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// reportPath is the generated benchmark report, relative to the
// repository root.
var reportPath = filepath.Join("docs", "benchmarks", "BENCHMARKS.md")

// ratio matches a quoted ratio: a number followed by ×, by x as a word of
// its own, or by " times" ("0.45×", "9x", "29 times"), and the range that
// ends in one ("1.2 to 1.3 times", "0.35x to 1.1x").
var ratio = regexp.MustCompile(`(?:[0-9]+(?:\.[0-9]+)?(?:×|x\b)? to )?[0-9]+(?:\.[0-9]+)?(?:×|x\b| times\b)`)

// number matches a number of a quoted ratio.
var number = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?`)

// reportLink matches a link into the report with an anchor.
var reportLink = regexp.MustCompile(`BENCHMARKS\.md#([^)\s"'>]+)`)

// Quote is a ratio a document quotes, with where.
type Quote struct {
	Line int
	Text string
}

// prose returns the lines of a document that are prose: a Markdown
// document without its fenced code blocks and inline code spans, which
// hold commands (-benchtime 20x) and raw benchmark output; a Go file's
// comment lines without their indented code blocks. Other lines are
// returned empty, so that line numbers stay.
func prose(name, text string) []string {
	lines := strings.Split(text, "\n")
	out := make([]string, len(lines))
	inline := regexp.MustCompile("`[^`]*`")
	if strings.HasSuffix(name, ".go") {
		for i, l := range lines {
			if c, ok := strings.CutPrefix(l, "//"); ok && !strings.HasPrefix(c, "\t") {
				out[i] = c
			}
		}
		return out
	}
	fenced := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out[i] = inline.ReplaceAllString(l, "")
		}
	}
	return out
}

// quotedRatios returns the ratios quoted in the prose of a document.
func quotedRatios(name, text string) []Quote {
	var out []Quote
	for i, l := range prose(name, text) {
		for _, m := range ratio.FindAllString(l, -1) {
			out = append(out, Quote{i + 1, m})
		}
	}
	return out
}

// ratioValues returns the numbers of a quoted ratio or range, so that
// "1.50×" and "1.5x" are the same ratio.
func ratioValues(quote string) []float64 {
	var out []float64
	for _, n := range number.FindAllString(quote, -1) {
		v, _ := strconv.ParseFloat(n, 64)
		out = append(out, v)
	}
	return out
}

// reportedRatios returns the numbers that the report gives as ratios,
// anywhere in it: its ratio column and the explanations of its misses.
func reportedRatios(report string) map[float64]bool {
	out := map[float64]bool{}
	for _, m := range ratio.FindAllString(report, -1) {
		for _, v := range ratioValues(m) {
			out[v] = true
		}
	}
	return out
}

// unreported returns the quotes whose ratio the report does not give.
func unreported(quotes []Quote, reported map[float64]bool) []Quote {
	var out []Quote
	for _, q := range quotes {
		for _, v := range ratioValues(q.Text) {
			if !reported[v] {
				out = append(out, q)
				break
			}
		}
	}
	return out
}

// reportAnchors returns the anchors of the report: the ids of its rows and
// runs, and the slugs of its headings as a Markdown renderer makes them.
func reportAnchors(report string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([^"]+)"></a>`).FindAllStringSubmatch(report, -1) {
		out[m[1]] = true
	}
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, l := range strings.Split(report, "\n") {
		if h, ok := strings.CutPrefix(strings.TrimLeft(l, "#"), " "); ok && strings.HasPrefix(l, "#") {
			out[strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(h), ""), " ", "-")] = true
		}
	}
	return out
}

// figureDocs returns the documents whose figures must come from the
// report: every README and every package's doc.go, relative to root.
func figureDocs(t *testing.T, root string) []string {
	t.Helper()
	docs := repoFiles(t, root, func(name string) bool { return name == "README.md" || name == "doc.go" })
	if len(docs) < 10 {
		t.Fatalf("found %d READMEs and package docs, want every module's: %v", len(docs), docs)
	}
	return docs
}

// TestDocsQuoteOnlyReportedRatios checks that every ratio the READMEs and
// package docs quote in their prose (0.45×, 9x, 29 times) is one the
// generated benchmark report gives: figures live in the report, which is
// measured in one run with its spread, and a document links to the
// report's row instead of quoting a figure that ages. Commands and raw
// benchmark output in code blocks are not prose.
func TestDocsQuoteOnlyReportedRatios(t *testing.T) {
	root := filepath.Join("..", "..")
	report, err := os.ReadFile(filepath.Join(root, reportPath))
	if err != nil {
		t.Fatalf("read the benchmark report: %v", err)
	}
	reported := reportedRatios(string(report))
	if len(reported) < 10 {
		t.Fatalf("the report %s gives %d ratios, want its ratio column", reportPath, len(reported))
	}
	anchors := reportAnchors(string(report))
	for _, doc := range figureDocs(t, root) {
		data, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range unreported(quotedRatios(doc, string(data)), reported) {
			t.Errorf("%s:%d quotes %q, a ratio the benchmark report does not give: link to its row in %s instead", doc, q.Line, q.Text, reportPath)
		}
		for i, l := range strings.Split(string(data), "\n") {
			for _, m := range reportLink.FindAllStringSubmatch(l, -1) {
				if !anchors[m[1]] {
					t.Errorf("%s:%d links to #%s, which the benchmark report %s does not have", doc, i+1, m[1], reportPath)
				}
			}
		}
	}
}

func TestQuotedRatios(t *testing.T) {
	reported := reportedRatios("| Union Load | 0.454× ±21% |\n| bolt: group commit | 16.6× ±11% |\n28 MiB of pages for 3 MB of records (9x); costs 2 to 2.5 times a plain insert\n")
	for _, tc := range []struct {
		name, doc, text string
		want            []Quote
	}{
		{"the report's ratios", "README.md", "Union Load takes 0.454× the old time, group commit 16.60x, 9× write amplification, 2.5 times an insert.", nil},
		{"a rounded ratio the report lacks", "README.md", "Union Load takes 0.45× the old time.", []Quote{{1, "0.45×"}}},
		{"a figure of a run by hand", "pebblestore/README.md", "many goroutines\n(29 times bbolt's rate from 64 goroutines", []Quote{{2, "29 times"}}},
		{"a range the report gives", "README.md", "a plain insert costs 2 to 2.5× the copy", nil},
		{"a range half of which the report lacks", "pebblestore/README.md", "large imports (1.2 to 1.3 times), 0.35x to 9x", []Quote{{1, "1.2 to 1.3 times"}, {1, "0.35x to 9x"}}},
		{"commands and raw output are not prose", "README.md", "run `go test -benchtime 20x`:\n```\nBenchmarkX 13.34x\n```\nthen 13x", []Quote{{5, "13x"}}},
		{"not ratios", "README.md", "0x1F, 10 xs, 4x4 grid, sometimes 3 timestamps", nil},
		{"a package doc's prose, not its code", "pgstore/doc.go", "// between runs (10.8x to 11.4x).\n//\tnew  220,000  16,400 (13.3x)", []Quote{{1, "10.8x to 11.4x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := unreported(quotedRatios(tc.doc, tc.text), reported)
			if len(got) != len(tc.want) {
				t.Fatalf("unreported ratios of %q = %v, want %v", tc.text, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("unreported ratios of %q = %v, want %v", tc.text, got, tc.want)
				}
			}
		})
	}
}

func TestReportAnchors(t *testing.T) {
	anchors := reportAnchors("## Embedded stores: boltstore against pebblestore\n\n| <a id=\"bolt-fill-inserts\"></a>bolt: 100k inserts | 1 |\n## Allocations per change (Save in batches of 1,000, Load of 10,000)\n<a id=\"run-3\"></a>3. `go test`\n")
	for _, want := range []string{"embedded-stores-boltstore-against-pebblestore", "bolt-fill-inserts", "allocations-per-change-save-in-batches-of-1000-load-of-10000", "run-3"} {
		if !anchors[want] {
			t.Errorf("reportAnchors lacks %q: %v", want, anchors)
		}
	}
}
