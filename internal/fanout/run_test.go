package fanout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

var (
	errOpen    = errors.New("open")
	errStalled = errors.New("stalled")
	errBoom    = errors.New("boom")

	errPanicked = errors.New("panicked")
)

// seen is what a test's Members saw: calls started, ended and recorded.
type seen struct {
	mu       sync.Mutex
	started  []int
	ended    map[int]error
	recorded map[int]error
	endedCh  chan int
}

// testMembers returns Members over a log, refusing the members in open.
func testMembers(open ...int) (*Members, *seen) {
	l := &seen{ended: map[int]error{}, recorded: map[int]error{}, endedCh: make(chan int, 16)}
	m := &Members{
		LabelFunc: func(i int) string { return fmt.Sprintf("m%d", i) },
		AdmitFunc: func(_ context.Context, _ Call, i int) error {
			if slices.Contains(open, i) {
				return errOpen
			}
			return nil
		},
		StartFunc: func(ctx context.Context, _ Call, i int) (context.Context, func(int, error)) {
			l.mu.Lock()
			l.started = append(l.started, i)
			l.mu.Unlock()
			return ctx, func(_ int, err error) {
				l.mu.Lock()
				l.ended[i] = err
				l.mu.Unlock()
				l.endedCh <- i
			}
		},
		RecordFunc: func(_ context.Context, i int, err error) {
			l.mu.Lock()
			l.recorded[i] = err
			l.mu.Unlock()
		},
		WrapFunc: func(c Call, i int, err error) error { return fmt.Errorf("m%d: %s: %w", i, c.Op, err) },
		PanicFunc: func(value any, stack []byte) error {
			if len(stack) == 0 {
				return errors.New("no stack")
			}
			return fmt.Errorf("%w at %v", errPanicked, value)
		},
		Stalled: errStalled,
	}
	return m, l
}

// behaviour is what a test member does when called.
type behaviour int

const (
	answer behaviour = iota // returns its index
	fail                    // returns errBoom
	block                   // waits for its context to end
	panics                  // panics with "oops"
)

func member(do map[int]behaviour) func(ctx context.Context, i int) (int, int, error) {
	return func(ctx context.Context, i int) (int, int, error) {
		switch do[i] {
		case fail:
			return 0, 0, errBoom
		case block:
			<-ctx.Done()
			return 0, 0, ctx.Err()
		case panics:
			panic("oops")
		}
		return i, 1, nil
	}
}

// outcome is a Result as a test compares it: the value and the error's
// text.
type outcome struct {
	index, value int
	err          string
}

func outcomes(rs []Result[int]) []outcome {
	var out []outcome
	for _, r := range rs {
		o := outcome{index: r.Index, value: r.Value}
		if r.Err != nil {
			o.err = r.Err.Error()
		}
		out = append(out, o)
	}
	return out
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		call    Call
		open    []int // refused by their breakers
		indexes []int
		do      map[int]behaviour
		want    []outcome
		// wantRecorded lists the members whose outcome is recorded for
		// their breakers, and wantStarted those called, in any order.
		wantRecorded, wantStarted []int
		wantIs                    map[int]error // what member errors wrap
	}{
		{
			name:         "results come in the order of indexes",
			call:         Call{Op: "load"},
			indexes:      []int{2, 0, 1},
			want:         []outcome{{index: 2, value: 2}, {index: 0, value: 0}, {index: 1, value: 1}},
			wantRecorded: []int{0, 1, 2}, wantStarted: []int{0, 1, 2},
		},
		{
			name:         "a strict call reports every failure and waits for every member",
			call:         Call{Op: "save"},
			indexes:      []int{0, 1, 2},
			do:           map[int]behaviour{1: fail},
			want:         []outcome{{index: 0}, {index: 1, err: "m1: save: boom"}, {index: 2, value: 2}},
			wantRecorded: []int{0, 1, 2}, wantStarted: []int{0, 1, 2},
			wantIs: map[int]error{1: errBoom},
		},
		{
			name:         "a panic becomes the member's error",
			call:         Call{Op: "get"},
			indexes:      []int{0, 1},
			do:           map[int]behaviour{0: panics},
			want:         []outcome{{index: 0, err: "m0: get: panicked at oops"}, {index: 1, value: 1}},
			wantRecorded: []int{0, 1}, wantStarted: []int{0, 1},
			wantIs: map[int]error{0: errPanicked},
		},
		{
			name:         "a member refused by its breaker is neither called nor recorded",
			call:         Call{Op: "load"},
			open:         []int{1},
			indexes:      []int{0, 1},
			want:         []outcome{{index: 0}, {index: 1, err: "m1: load: open"}},
			wantRecorded: []int{0}, wantStarted: []int{0},
			wantIs: map[int]error{1: errOpen},
		},
		{
			name:        "a call made always ignores the breakers and records nothing",
			call:        Call{Op: "close", Always: true},
			open:        []int{1},
			indexes:     []int{0, 1},
			want:        []outcome{{index: 0}, {index: 1, value: 1}},
			wantStarted: []int{0, 1},
		},
		{
			name:         "once the quorum succeeded, a member still running is cut off after the grace",
			call:         Call{Op: "save", Need: 1},
			indexes:      []int{0, 1},
			do:           map[int]behaviour{1: block},
			want:         []outcome{{index: 0}, {index: 1, err: "m1: save: stalled: no answer 0s after 1 of 2 stores had"}},
			wantRecorded: []int{0, 1}, wantStarted: []int{0, 1},
			wantIs: map[int]error{1: errStalled},
		},
		{
			name:    "a member refused by its breaker counts among the stores of the quorum",
			call:    Call{Op: "load", Need: 1},
			open:    []int{0},
			indexes: []int{0, 1, 2},
			do:      map[int]behaviour{2: block},
			want: []outcome{
				{index: 0, err: "m0: load: open"}, {index: 1, value: 1}, {index: 2, err: "m2: load: stalled: no answer 0s after 1 of 3 stores had"},
			},
			wantRecorded: []int{1, 2}, wantStarted: []int{1, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, l := testMembers(tt.open...)
			got, err := Run(context.Background(), m, tt.call, tt.indexes, member(tt.do))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if o := outcomes(got); !slices.Equal(o, tt.want) {
				t.Fatalf("Run = %+v, want %+v", o, tt.want)
			}
			for _, r := range got {
				if want := tt.wantIs[r.Index]; want != nil && !errors.Is(r.Err, want) {
					t.Errorf("member %d: %v does not wrap %v", r.Index, r.Err, want)
				}
			}
			for range tt.wantStarted { // the calls cut off end later
				<-l.endedCh
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			slices.Sort(l.started)
			if !slices.Equal(l.started, tt.wantStarted) {
				t.Errorf("started %v, want %v", l.started, tt.wantStarted)
			}
			var recorded []int
			for i := range l.recorded {
				recorded = append(recorded, i)
			}
			slices.Sort(recorded)
			if !slices.Equal(recorded, tt.wantRecorded) {
				t.Errorf("recorded %v, want %v", recorded, tt.wantRecorded)
			}
		})
	}
}

// A member cut off after the grace ends, for observers, with its own
// error made to wrap the stalled sentinel.
func TestRunStalledMemberEndsAsStalled(t *testing.T) {
	m, l := testMembers()
	c := Call{Op: "save", Need: 1}
	if _, err := Run(context.Background(), m, c, []int{0, 1}, member(map[int]behaviour{1: block})); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for range 2 {
		<-l.endedCh
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.ended[1]; !errors.Is(err, errStalled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("the stalled call ended with %v, want an error wrapping %v and %v", err, errStalled, context.Canceled)
	}
	if err := l.recorded[1]; !errors.Is(err, errStalled) {
		t.Fatalf("the stalled call was recorded with %v, want an error wrapping %v", err, errStalled)
	}
}

// When the caller's context ends, Run returns at once, without waiting
// for a member that ignores its context, and names it.
func TestRunReturnsWhenTheContextEnds(t *testing.T) {
	m, l := testMembers()
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	fn := func(_ context.Context, i int) (int, int, error) {
		cancel()
		<-release // ignores its context
		return i, 1, nil
	}
	got, err := Run(ctx, m, Call{Op: "load"}, []int{0}, fn)
	close(release)
	<-l.endedCh
	if !errors.Is(err, context.Canceled) || err.Error() != "context canceled (still waiting for m0)" {
		t.Fatalf("Run = %v, %v; want an error wrapping %v that names m0", got, err, context.Canceled)
	}
	if len(got) != 0 {
		t.Fatalf("Run = %+v, want no results", got)
	}
}
