package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/unionstore/unionstore"
)

// Op names an operation of a store, for [Faulty]: the core's
// [unionstore.Op], so that an operation a Faulty store failed compares
// equal to the one a union names in its events and errors.
type Op = unionstore.Op

// The operations a [Faulty] store can fail.
const (
	OpSave  = unionstore.OpSave
	OpLoad  = unionstore.OpLoad
	OpScan  = unionstore.OpScan
	OpGet   = unionstore.OpGet
	OpClose = unionstore.OpClose
)

// AllOps lists every operation, for an outage: f.Set(f.AllOps...).
var AllOps = []Op{OpSave, OpLoad, OpScan, OpGet, OpClose}

// ErrInjected is the error of an injected fault that names none.
var ErrInjected = errors.New("injected fault")

// Fault is what a [Faulty] store does instead of, or before, an operation.
// The zero Fault injects nothing.
type Fault struct {
	// Delay waits before the operation; a context that ends first ends the
	// operation with its error.
	Delay time.Duration
	// Hang blocks the operation until its context ends, then returns the
	// context's error, as a server that accepts and never answers. Close
	// has no context and does not hang.
	Hang bool
	// Panic, when not nil, makes the operation panic with it.
	Panic any
	// Err fails the operation with Err, or with [ErrInjected] when Err is
	// nil and Fail is set.
	Err  error
	Fail bool
	// Partial applies the first Partial changes of a Save's batch before
	// failing it (with Err, or ErrInjected): a store that broke its
	// whole-or-nothing promise.
	Partial int
	// Times limits the fault to that many calls; 0 means until it is
	// cleared.
	Times int
}

func (f Fault) err() error {
	if f.Err != nil {
		return f.Err
	}
	if f.Fail || f.Partial > 0 {
		return ErrInjected
	}
	return nil
}

// Faulty wraps a store and injects faults into its operations: errors,
// latency, hangs until the context ends, panics, batches applied in part,
// and outages that end. It is meant for tests of code that must survive a
// failing store, such as a [unionstore.Union] under its policies.
//
// Faulty implements [unionstore.Scanner], [unionstore.Getter] and
// [unionstore.Checker] whatever the wrapped store does: it streams, reads
// one entity or checks a batch through the wrapped store when it can, and
// otherwise through its Load (Check then accepts every batch). Faulty is
// safe for concurrent use when the wrapped store is.
type Faulty[E unionstore.Entity] struct {
	store unionstore.Store[E]
	mu    sync.Mutex
	fault map[Op]Fault
	calls map[Op]int
}

var (
	_ unionstore.Store[Item]   = (*Faulty[Item])(nil)
	_ unionstore.Scanner[Item] = (*Faulty[Item])(nil)
	_ unionstore.Getter[Item]  = (*Faulty[Item])(nil)
	_ unionstore.Checker[Item] = (*Faulty[Item])(nil)
)

// NewFaulty returns s with no fault injected.
func NewFaulty[E unionstore.Entity](s unionstore.Store[E]) *Faulty[E] {
	return &Faulty[E]{store: s, fault: map[Op]Fault{}, calls: map[Op]int{}}
}

// Set injects fault into the operations ops from the next call on,
// replacing what was set for them.
func (f *Faulty[E]) Set(fault Fault, ops ...Op) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, op := range ops {
		f.fault[op] = fault
	}
}

// Clear removes the faults of ops, or of every operation when none is
// given: the outage ends.
func (f *Faulty[E]) Clear(ops ...Op) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(ops) == 0 {
		clear(f.fault)
	}
	for _, op := range ops {
		delete(f.fault, op)
	}
}

// Calls returns how many times op was called, faulty or not.
func (f *Faulty[E]) Calls(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Unwrap returns the wrapped store.
func (f *Faulty[E]) Unwrap() unionstore.Store[E] { return f.store }

// begin counts a call of op and applies its fault's delay, hang and
// panic. It returns the fault for the caller to apply its error, or the
// context's error.
func (f *Faulty[E]) begin(ctx context.Context, op Op) (Fault, error) {
	f.mu.Lock()
	f.calls[op]++
	fault := f.fault[op]
	if fault.Times > 0 {
		if fault.Times == 1 {
			delete(f.fault, op)
		} else {
			t := fault
			t.Times--
			f.fault[op] = t
		}
	}
	f.mu.Unlock()
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fault, fmt.Errorf("storetest: %s: %w", op, ctx.Err())
		}
	}
	if fault.Hang && ctx.Done() != nil { // Close has no context to end a hang
		<-ctx.Done()
		return fault, fmt.Errorf("storetest: %s hung until: %w", op, ctx.Err())
	}
	if fault.Panic != nil {
		panic(fault.Panic)
	}
	return fault, nil
}

// Save saves through the wrapped store unless a fault says otherwise.
func (f *Faulty[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	fault, err := f.begin(ctx, OpSave)
	if err != nil {
		return err
	}
	if fault.Partial > 0 {
		n := min(fault.Partial, len(changes))
		if err := f.store.Save(ctx, changes[:n]); err != nil {
			return err
		}
	}
	if err := fault.err(); err != nil {
		return fmt.Errorf("storetest: save: %w", err)
	}
	return f.store.Save(ctx, changes)
}

// Load loads through the wrapped store unless a fault says otherwise.
func (f *Faulty[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	fault, err := f.begin(ctx, OpLoad)
	if err != nil {
		return nil, err
	}
	if err := fault.err(); err != nil {
		return nil, fmt.Errorf("storetest: load: %w", err)
	}
	return f.store.Load(ctx, namespace)
}

// Scan streams through the wrapped store, or its Load, unless a fault
// says otherwise. The fault applies when the walk begins.
func (f *Faulty[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		fault, err := f.begin(ctx, OpScan)
		if err == nil {
			err = fault.err()
		}
		if err != nil {
			yield(unionstore.Change[E]{}, fmt.Errorf("storetest: scan: %w", err))
			return
		}
		for c, err := range unionstore.ScanOf(ctx, f.store, namespace) {
			if !yield(c, err) || err != nil {
				return
			}
		}
	}
}

// Get reads one entity through the wrapped store, or its Load, unless a
// fault says otherwise.
func (f *Faulty[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	fault, err := f.begin(ctx, OpGet)
	if err != nil {
		return unionstore.Change[E]{}, false, err
	}
	if err := fault.err(); err != nil {
		return unionstore.Change[E]{}, false, fmt.Errorf("storetest: get: %w", err)
	}
	if g, ok := f.store.(unionstore.Getter[E]); ok {
		return g.Get(ctx, namespace, kind, id)
	}
	changes, err := f.store.Load(ctx, namespace)
	if err != nil {
		return unionstore.Change[E]{}, false, err
	}
	for _, c := range changes {
		if k, i := c.Entity.CompactionKey(); k == kind && i == id {
			return c, true, nil
		}
	}
	return unionstore.Change[E]{}, false, nil
}

// Check checks through the wrapped store when it implements
// [unionstore.Checker], and accepts the batch otherwise. No fault applies
// to it.
func (f *Faulty[E]) Check(changes unionstore.Changes[E]) error {
	if c, ok := f.store.(unionstore.Checker[E]); ok {
		return c.Check(changes)
	}
	return nil
}

// Close closes the wrapped store unless a fault says otherwise; with a
// fault, the wrapped store is closed all the same.
func (f *Faulty[E]) Close() error {
	fault, err := f.begin(context.Background(), OpClose)
	if cerr := f.store.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if ferr := fault.err(); ferr != nil {
			err = fmt.Errorf("storetest: close: %w", ferr)
		}
	}
	return err
}
