package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// faultyStore is a store in memory whose save of batch number at goes
// wrong as the test says: it may end the command's context, as a Ctrl-C
// does while the batch is being committed, then commit or not, or wait
// for release before it returns, or fail with an error of its own.
type faultyStore struct {
	*unionstore.Memory[Record]
	saves   atomic.Int32
	at      int32
	cancel  context.CancelFunc // the command's context, ended as the save starts
	commit  bool               // commit the batch once the context ended
	release chan struct{}      // when not nil, wait for it before returning
	fail    error              // when not nil, fail with it, having written nothing
}

func (s *faultyStore) Save(ctx context.Context, changes unionstore.Changes[Record]) error {
	if s.saves.Add(1) != s.at {
		return s.Memory.Save(ctx, changes)
	}
	if s.fail != nil {
		return s.fail
	}
	if s.cancel != nil {
		s.cancel()
		<-ctx.Done()
	}
	if s.release != nil {
		<-s.release
	}
	if !s.commit {
		return ctx.Err()
	}
	return s.Memory.Save(context.WithoutCancel(ctx), changes)
}

func (s *faultyStore) Close() error { return nil }

func (s *faultyStore) count(t *testing.T) int {
	t.Helper()
	got, err := s.Memory.Load(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

// TestInterruptedPutSaysWhatItWrote interrupts put, or fails one of its
// stores, while the third batch of ten lines is being saved: the message
// says exactly what each store holds, or that the batch may or may not
// have been written, never that a batch a store holds was not written.
func TestInterruptedPutSaysWhatItWrote(t *testing.T) {
	defer func(d time.Duration) { settleWait = d }(settleWait)
	settleWait = 100 * time.Millisecond
	var input strings.Builder
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&input, `{"kind":"k","id":"r%02d","body":%d}`+"\n", i, i)
	}
	tests := []struct {
		name   string
		stores func(cancel context.CancelFunc) []*faultyStore
		status int
		want   string
		held   []int // records each store holds afterwards
	}{
		{
			name: "the store commits the batch as the command is interrupted",
			stores: func(cancel context.CancelFunc) []*faultyStore {
				return []*faultyStore{{at: 3, cancel: cancel, commit: true}}
			},
			status: exitInterrupted,
			want:   "interrupted; wrote lines 1 to 30 (30 changes) before it, and nothing after line 30",
			held:   []int{30},
		},
		{
			name: "the store gives up the batch with the end of the context",
			stores: func(cancel context.CancelFunc) []*faultyStore {
				return []*faultyStore{{at: 3, cancel: cancel}}
			},
			status: exitInterrupted,
			want:   "interrupted; wrote lines 1 to 20 (20 changes) before it; lines 21 to 30 may or may not have been written to test://0; nothing after line 30",
			held:   []int{20},
		},
		{
			name: "the store is still saving when the command gives up waiting",
			stores: func(cancel context.CancelFunc) []*faultyStore {
				return []*faultyStore{{at: 3, cancel: cancel, commit: true, release: make(chan struct{})}}
			},
			status: exitInterrupted,
			want:   "interrupted; wrote lines 1 to 20 (20 changes) before it; lines 21 to 30 may or may not have been written to test://0; nothing after line 30",
			held:   []int{30},
		},
		{
			name: "one store takes the batch and the other fails",
			stores: func(context.CancelFunc) []*faultyStore {
				return []*faultyStore{{at: 0}, {at: 3, fail: errors.New("disk full")}}
			},
			status: exitFailure,
			want:   "wrote lines 1 to 20 (20 changes) before it; lines 21 to 30 were written to test://0, and were not written to test://1; nothing after line 30",
			held:   []int{30, 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stores := tt.stores(cancel)
			args := []string{"put", "--batch", "10"}
			for i, s := range stores {
				s.Memory = unionstore.NewMemory[Record]()
				args = append(args, "--store", fmt.Sprintf("test://%d", i))
			}
			openers["test"] = func(_ context.Context, addr string, _ openOptions) (store, error) {
				var i int
				if _, err := fmt.Sscanf(addr, "test://%d", &i); err != nil || i >= len(stores) {
					return nil, fmt.Errorf("no test store %q", addr)
				}
				return stores[i], nil
			}
			defer delete(openers, "test")
			var stdout, stderr bytes.Buffer
			e := &env{stdin: strings.NewReader(input.String()), stdout: &stdout, stderr: &stderr}
			status := run(ctx, e, append(args, "shop"))
			for _, s := range stores {
				if s.release != nil {
					close(s.release)
				}
			}
			if status != tt.status {
				t.Fatalf("put = status %d, want %d:\n%s%s", status, tt.status, stdout.String(), stderr.String())
			}
			contains(t, "stderr of put", stderr.String(), tt.want)
			deadline := time.Now().Add(10 * time.Second)
			for i, s := range stores {
				// A released save commits on its own goroutine.
				for s.count(t) != tt.held[i] && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				if got := s.count(t); got != tt.held[i] {
					t.Errorf("store %d holds %d records, want %d", i, got, tt.held[i])
				}
			}
		})
	}
}
