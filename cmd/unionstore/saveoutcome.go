package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/unionstore/unionstore"
)

// saveTracker follows each store's save of the batch being written. A
// union's Save returns at once when its context ends, while a store may
// still be committing the batch, and a strict Save fails when one store
// fails while others took the batch: in both cases the tracker tells which
// stores hold it, once their saves have returned.
type saveTracker struct {
	mu      sync.Mutex
	batch   []saveOutcome // per store, for the batch being written
	running sync.WaitGroup
}

// saveOutcome is what became of one store's save of a batch.
type saveOutcome struct {
	started, ended bool
	err            error
}

// settleWait is how long an interrupted put waits for the stores' saves
// still running to return, so as to say whether they wrote their batch.
var settleWait = 5 * time.Second

// start readies the tracker for a batch saved to n stores.
func (t *saveTracker) start(n int) {
	t.mu.Lock()
	t.batch = make([]saveOutcome, n)
	t.mu.Unlock()
}

// hook returns the union hook that tells the tracker of each store's save.
func (t *saveTracker) hook() unionstore.Hook {
	return unionstore.Hook{Member: func(_ context.Context, ev unionstore.Event) (context.Context, func(unionstore.Event)) {
		if ev.Op != unionstore.OpSave {
			return nil, nil
		}
		t.mu.Lock()
		batch := t.batch
		batch[ev.Index].started = true
		t.running.Add(1)
		t.mu.Unlock()
		return nil, func(end unionstore.Event) {
			t.mu.Lock()
			batch[ev.Index].ended, batch[ev.Index].err = true, end.Err
			t.mu.Unlock()
			t.running.Done()
		}
	}}
}

// settle waits, at most wait, for the saves still running to return, and
// returns each store's outcome.
func (t *saveTracker) settle(wait time.Duration) []saveOutcome {
	done := make(chan struct{})
	go func() {
		t.running.Wait()
		close(done)
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]saveOutcome(nil), t.batch...)
}

// stored says whether the store holds the batch: yes when its save
// returned nil, no when it failed with an error of its own (a store writes
// a batch whole or not at all), and unknown when it was still running or
// ended with the end of the command's context, which may have come as it
// committed.
func (o saveOutcome) stored() (yes, known bool) {
	switch {
	case !o.started:
		return false, true
	case !o.ended:
		return false, false
	case o.err == nil:
		return true, true
	case errors.Is(o.err, context.Canceled) || errors.Is(o.err, context.DeadlineExceeded):
		return false, false
	}
	return false, true
}

// partialBatch is a batch that a failed or interrupted save left written
// to some stores, or of unknown outcome in some.
type partialBatch struct {
	first, last int // its lines of standard input; 0 for arguments
	count       int // its changes
	written     []string
	unknown     []string
	notWritten  []string
}

// words says where the batch was written, as in "lines 24001 to 25000 may
// or may not have been written to s.db".
func (p *partialBatch) words() string {
	what := "the change "
	switch {
	case p.last > 0:
		what = fmt.Sprintf("lines %d to %d ", p.first, p.last)
	case p.count > 1:
		what = "the changes "
	}
	var parts []string
	if len(p.written) > 0 {
		parts = append(parts, "were written to "+strings.Join(p.written, ", "))
	}
	if len(p.unknown) > 0 {
		parts = append(parts, "may or may not have been written to "+strings.Join(p.unknown, ", "))
	}
	if len(p.notWritten) > 0 {
		parts = append(parts, "were not written to "+strings.Join(p.notWritten, ", "))
	}
	if what == "the change " {
		for i := range parts {
			parts[i] = strings.Replace(parts[i], "were", "was", 1)
		}
	}
	return what + strings.Join(parts, ", and ")
}
