package readahead

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

var (
	errStalled = errors.New("stalled")
	errBoom    = errors.New("boom")
)

// contain is what the root package gives Start: a panic becomes an error.
func contain(f func() (err error)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panicked: %v", r)
		}
	}()
	return f()
}

// ints yields 0 to n-1, then ends with err (if not nil), or panics with
// panicWith (if not nil).
func ints(n int, err error, panicWith any) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			if !yield(i, nil) {
				return
			}
		}
		if panicWith != nil {
			panic(panicWith)
		}
		if err != nil {
			yield(0, err)
		}
	}
}

// drain reads r to its end or its first error.
func drain(r *Reader[int]) ([]int, error) {
	var got []int
	for {
		v, err, ok := r.Next()
		if !ok || err != nil {
			return got, err
		}
		got = append(got, v)
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name       string
		seq        iter.Seq2[int, error]
		want       int // values read: 0 to want-1
		wantErr    string
		wantFailed bool // what answered is told
	}{
		{"an empty sequence", ints(0, nil, nil), 0, "", false},
		{"values over several chunks", ints(2*Size+3, nil, nil), 2*Size + 3, "", false},
		{"values then an error", ints(Size+1, errBoom, nil), Size + 1, "boom", false},
		{"an error at once", ints(0, errBoom, nil), 0, "boom", true},
		// A panic loses the values of the chunk being filled, unlike an
		// error: the reader sends only the panic's error.
		{"a panic is contained", ints(3, nil, "oops"), 0, "panicked: oops", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls, failed atomic.Int32
			r := Start(context.Background(), tt.seq, func(f bool) {
				calls.Add(1)
				if f {
					failed.Add(1)
				}
			}, contain)
			defer r.Stop()
			got, err := drain(r)
			if want := seqOf(tt.want); !slices.Equal(got, want) {
				t.Fatalf("read %d values, want %d", len(got), len(want))
			}
			if gotErr := errText(err); gotErr != tt.wantErr {
				t.Fatalf("error %q, want %q", gotErr, tt.wantErr)
			}
			// The goroutine tells answered before it ends, and it ends
			// before Next reports the end.
			for _, _, ok := r.Next(); ok; _, _, ok = r.Next() {
			}
			if calls.Load() != 1 || (failed.Load() == 1) != tt.wantFailed {
				t.Fatalf("answered called %d times, %d failed; want once, failed %v", calls.Load(), failed.Load(), tt.wantFailed)
			}
		})
	}
}

func seqOf(n int) []int {
	var out []int
	for i := range n {
		out = append(out, i)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// stallsAfter yields a full chunk, then waits for release before it
// yields one more value.
func stallsAfter(release <-chan struct{}) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range Size {
			if !yield(i, nil) {
				return
			}
		}
		<-release
		yield(Size, nil)
	}
}

// The stall rule: a reader that keeps its consumer waiting past
// StallAfter fails with an error wrapping Stalled when CanDrop says the
// consumer can go on without it, and is otherwise waited for.
func TestReaderStall(t *testing.T) {
	for _, canDrop := range []bool{true, false} {
		t.Run(fmt.Sprintf("canDrop=%v", canDrop), func(t *testing.T) {
			release := make(chan struct{})
			answered := make(chan struct{})
			r := Start(context.Background(), stallsAfter(release), func(bool) { close(answered) }, contain)
			defer r.Stop()
			// The rule applies once the sequence has answered, as the
			// union sets it: a first chunk slower than StallAfter on a
			// busy machine is not a stall.
			<-answered
			r.StallAfter, r.Stalled = time.Millisecond, errStalled
			asked := make(chan struct{}, 1)
			r.CanDrop = func() bool {
				asked <- struct{}{}
				return canDrop
			}
			go func() {
				<-asked // the reader has waited past StallAfter
				close(release)
			}()
			got, err := drain(r)
			switch {
			case canDrop && (!errors.Is(err, errStalled) || len(got) != Size):
				t.Fatalf("read %d values, error %v; want %d, then an error wrapping %v", len(got), err, Size, errStalled)
			case !canDrop && (err != nil || len(got) != Size+1):
				t.Fatalf("read %d values, error %v; want all %d", len(got), err, Size+1)
			}
		})
	}
}

// Next returns when the reader's context ends, even while the sequence
// is blocked.
func TestReaderContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	r := Start(ctx, stallsAfter(release), func(bool) {}, contain)
	defer r.Stop()
	for range Size {
		r.Next()
	}
	cancel()
	if _, err, ok := r.Next(); !ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, %v after the context ended, want an error wrapping %v", err, ok, context.Canceled)
	}
}

// Stop ends the goroutine at the sequence's next yield.
func TestReaderStop(t *testing.T) {
	ended := make(chan struct{})
	endless := func(yield func(int, error) bool) {
		defer close(ended)
		for i := 0; yield(i, nil); i++ {
		}
	}
	r := Start(context.Background(), endless, func(bool) {}, contain)
	r.Next()
	r.Stop()
	<-ended
}
