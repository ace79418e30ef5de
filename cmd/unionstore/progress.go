package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unionstore/unionstore"
)

// progress draws a progress bar on a terminal while a long command reads
// its stores. It counts the records read from every store against the sum
// of the stores' counts. On anything but a terminal it does nothing.
type progress struct {
	w     io.Writer
	label string
	total int64
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex // serialises writes to w
}

// progressEvery is how often the bar is drawn.
var progressEvery = 200 * time.Millisecond

// startProgress starts a bar labelled label when e shows one. Only then
// does it call total, which may be slow, for the number of records to read.
func startProgress(e *env, label string, total func() int64) *progress {
	p := &progress{w: e.stderr, label: label, start: time.Now()}
	if !e.progress {
		return p
	}
	if p.total = total(); p.total <= 0 {
		return p
	}
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				p.draw() // the last frame, with the rate of the whole run
				p.mu.Lock()
				fmt.Fprint(p.w, "\r\033[K")
				p.mu.Unlock()
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 30
	done := min(p.done.Load(), p.total)
	filled := int(done * width / p.total)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d%s\033[K", p.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		done*100/p.total, done, p.total, rateAndETA(done, p.total, time.Since(p.start)))
}

// rateAndETA returns " 12.3k/s, 0:42 left" for done of total records read
// in elapsed, or "" until there is a rate to tell.
func rateAndETA(done, total int64, elapsed time.Duration) string {
	if done <= 0 || elapsed <= 0 {
		return ""
	}
	rate := float64(done) / elapsed.Seconds()
	left := time.Duration(float64(total-done) / rate * float64(time.Second))
	return fmt.Sprintf(" %s/s, %s left", humanCount(rate), clock(left))
}

// humanCount returns n with a k or M suffix: 950, 12.3k, 4.1M.
func humanCount(n float64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", n/1e3)
	}
	return fmt.Sprintf("%.0f", n)
}

// clock returns d as m:ss, or h:mm:ss from an hour.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// finish removes the bar.
func (p *progress) finish() {
	if p.stop != nil {
		close(p.stop)
		p.wg.Wait()
		p.stop = nil
	}
}

// counted wraps a store to count, in n, the records its scans yield. Its
// Scan streams a store that scans, and loads one that does not.
type counted struct {
	store
	n *atomic.Int64
}

func (c counted) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[Record], error] {
	return func(yield func(unionstore.Change[Record], error) bool) {
		for ch, err := range unionstore.ScanOf(ctx, c.store, namespace) {
			if err == nil {
				c.n.Add(1)
			}
			if !yield(ch, err) {
				return
			}
		}
	}
}

// recordCount returns how many records the stores hold in namespace, all
// stores added up, or 0 if a store cannot say. Each store is asked once
// per command (see [stores.namespaceStats]).
func (s *stores) recordCount(ctx context.Context, namespace string) int64 {
	var n int64
	for i := range s.list {
		stats, err := s.namespaceStats(ctx, i)
		if err != nil {
			return 0
		}
		for _, ns := range stats {
			if ns.Namespace == namespace {
				n += int64(ns.Entities + ns.Tombstones)
			}
		}
	}
	return n
}

// members returns the stores named by their addresses, counting their
// scans into p; roles may mark some read-only.
func (s *stores) members(p *progress, readOnly func(i int) bool) []unionstore.Store[Record] {
	out := make([]unionstore.Store[Record], len(s.list))
	for i, st := range s.list {
		out[i] = unionstore.Named(s.addrs[i], counted{st, &p.done})
		if readOnly != nil && readOnly(i) {
			out[i] = unionstore.ReadOnly(out[i])
		}
	}
	return out
}
