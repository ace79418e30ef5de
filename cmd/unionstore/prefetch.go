package main

import (
	"context"
)

// prefetch reads the next batch of a source while the current one is
// written, and lets the writer stop waiting for input when its context
// ends: reading standard input cannot be interrupted, so a Ctrl-C while
// put waits for input ends the command at once and leaves the read to
// the end of the process. At most two batches are held: the one being
// written and the one read ahead.
type prefetch struct {
	batches chan prefetched
	done    chan struct{}
	inner   source
}

type prefetched struct {
	b   batch
	err error
}

func startPrefetch(src source) *prefetch {
	p := &prefetch{batches: make(chan prefetched), done: make(chan struct{}), inner: src}
	go func() {
		for {
			b, err := src.next()
			select {
			case p.batches <- prefetched{b, err}:
			case <-p.done:
				return
			}
			if err != nil || len(b.changes) == 0 {
				return
			}
		}
	}()
	return p
}

// stop lets the reading goroutine end once its read returns.
func (p *prefetch) stop() { close(p.done) }

// ctx returns the prefetched batches as a source that ends with ctx's
// error when ctx ends first.
func (p *prefetch) ctx(ctx context.Context) source { return &prefetchSource{p, ctx} }

type prefetchSource struct {
	p   *prefetch
	ctx context.Context
}

func (s *prefetchSource) stdin() bool { return s.p.inner.stdin() }

func (s *prefetchSource) next() (batch, error) {
	select {
	case r := <-s.p.batches:
		return r.b, r.err
	case <-s.ctx.Done():
		return batch{}, s.ctx.Err()
	}
}
