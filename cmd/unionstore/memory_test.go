package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
)

// peakRSS runs the command with stdin from feed (if not nil) and stdout
// counted and dropped, and returns the peak resident memory of the child
// in bytes, as the kernel reports it on exit.
func peakRSS(t *testing.T, dir string, feed func(io.Writer) error, args ...string) (rss, out int64) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var counted countWriter
	cmd.Stdout = &counted
	stderr := new(countWriter)
	cmd.Stderr = stderr
	var feedErr chan error
	if feed != nil {
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		feedErr = make(chan error, 1)
		go func() {
			w := bufio.NewWriter(in)
			err := feed(w)
			if err == nil {
				err = w.Flush()
			}
			in.Close()
			feedErr <- err
		}()
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if feedErr != nil {
		if ferr := <-feedErr; ferr != nil {
			t.Fatalf("feeding unionstore %q: %v", args, ferr)
		}
	}
	if err != nil {
		t.Fatalf("unionstore %q: %v", args, err)
	}
	usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no resource usage on this platform")
	}
	return usage.Maxrss * 1024, counted.n // Linux reports kilobytes
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// records writes n JSON lines for put, generated as they are written.
func records(n int) func(io.Writer) error {
	return func(w io.Writer) error {
		for i := range n {
			if _, err := fmt.Fprintf(w, `{"kind":"customer","id":"c%09d","body":{"id":"c%09d","name":"customer number %d","tags":["a","b","c"]}}`+"\n", i, i, i); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestPutAndLoadMemoryStaysFlat puts and loads a small and a ten times
// larger set of records and compares the peak memory of the command:
// streaming keeps it flat. The larger size is UNIONSTORE_CLI_RECORDS
// (default 100000); run it with 2000000 for the full-size check.
//
// The records go to PostgreSQL, whose memory is the server's: a bolt file
// is mapped into the process, and its resident size then grows with the
// file, not with what the command holds.
func TestPutAndLoadMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("puts and loads over 100000 records")
	}
	large := 100_000
	if v := os.Getenv("UNIONSTORE_CLI_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			t.Fatalf("UNIONSTORE_CLI_RECORDS=%q: want a number from 1000", v)
		}
		large = n
	}
	small := large / 10
	base := postgresURL(t)
	dir := t.TempDir()
	putRSS, loadRSS := map[int]int64{}, map[int]int64{}
	for _, n := range []int{small, large} {
		pg := postgresTable(t, base)
		putRSS[n], _ = peakRSS(t, dir, records(n), "put", "--quiet", "--store", pg, "shop")
		var out int64
		loadRSS[n], out = peakRSS(t, dir, nil, "load", "--quiet", "--json", "--store", pg, "shop")
		if out < int64(n)*100 {
			t.Fatalf("load of %d records printed only %d bytes", n, out)
		}
	}
	t.Logf("put peak RSS: %d records %.1f MiB, %d records %.1f MiB", small, mib(putRSS[small]), large, mib(putRSS[large]))
	t.Logf("load peak RSS: %d records %.1f MiB, %d records %.1f MiB", small, mib(loadRSS[small]), large, mib(loadRSS[large]))
	checkFlat(t, "put", putRSS[small], putRSS[large])
	checkFlat(t, "load", loadRSS[small], loadRSS[large])
}

// checkFlat fails when ten times the records cost more than a quarter
// more peak memory, plus 8 MiB for buffers that settle late.
func checkFlat(t *testing.T, what string, small, large int64) {
	t.Helper()
	if limit := small + small/4 + 8<<20; large > limit {
		t.Errorf("%s peak RSS grew from %.1f MiB to %.1f MiB for ten times the records, over %.1f MiB: it does not stream",
			what, mib(small), mib(large), mib(limit))
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
