package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// flakyFeed is a Memory whose first fails watches end at once with an
// error, as a member whose server is down would.
type flakyFeed struct {
	*unionstore.Memory[Item]
	fails atomic.Int32
}

var errFeedDown = errors.New("feed down")

func (f *flakyFeed) Watch(ctx context.Context, ns string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[Item], error] {
	if f.fails.Add(-1) >= 0 {
		return func(yield func(unionstore.WatchEvent[Item], error) bool) {
			yield(unionstore.WatchEvent[Item]{}, errFeedDown)
		}
	}
	return f.Memory.Watch(ctx, ns, after)
}

func newFlaky(fails int32) *flakyFeed {
	f := &flakyFeed{Memory: unionstore.NewMemory[Item]()}
	f.fails.Store(fails)
	return f
}

// firstErr walks a watch until its error.
func firstErr(seq iter.Seq2[unionstore.WatchEvent[Item], error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return errors.New("the watch ended without an error")
}

func TestUnionWatchFailures(t *testing.T) {
	tests := []struct {
		name    string
		members []unionstore.Store[Item]
		opts    []unionstore.Option
		want    error
	}{
		{"a strict union yields the member's failure", []unionstore.Store[Item]{unionstore.NewMemory[Item](), newFlaky(1000)}, nil, errFeedDown},
		{"a degraded union below its quorum yields ErrQuorum", []unionstore.Store[Item]{unionstore.NewMemory[Item](), newFlaky(1000), newFlaky(1000)},
			[]unionstore.Option{unionstore.DegradedReads(2)}, unionstore.ErrQuorum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := unionstore.New(tc.members...).With(tc.opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := firstErr(u.Watch(ctx, "ns", ""))
			var se *unionstore.StoreError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Index != 1 || se.Op != unionstore.OpWatch {
				t.Fatalf("Watch = %v, want %v naming store 1's watch", err, tc.want)
			}
		})
	}
}

// Under DegradedReads, a member whose feed fails is tried again while the
// others deliver, and its changes arrive once it is back.
func TestUnionWatchRetriesAFailedMember(t *testing.T) {
	healthy, flaky := unionstore.NewMemory[Item](), newFlaky(2)
	u := unionstore.New[Item](healthy, flaky).With(unionstore.DegradedReads(1))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, c, err := u.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	// Saved to the flaky member only: the union sees it once the member's
	// feed is back.
	if err := flaky.Save(ctx, batch(set("only-b", "v", at(1)))); err != nil {
		t.Fatal(err)
	}
	if err := healthy.Save(ctx, batch(set("only-a", "v", at(1)))); err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev, err := range u.Watch(ctx, "ns", c) {
		if err != nil {
			t.Fatalf("Watch after %v: %v", got, err)
		}
		got = append(got, ev.Change.Entity.ID)
		if len(got) == 2 {
			break
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"only-a", "only-b"}) {
		t.Fatalf("events = %v, want only-a and only-b", got)
	}
}

func TestUnionCursorsAreChecked(t *testing.T) {
	u := unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.NewMemory[Item]())
	_, c, err := u.Snapshot(context.Background(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	three := unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.NewMemory[Item](), unionstore.NewMemory[Item]())
	for _, bad := range []unionstore.Cursor{c, "u1.!!", "u1." + c[3:len(c)-2], "nonsense"} {
		if err := firstErr(three.Watch(context.Background(), "ns", bad)); !errors.Is(err, unionstore.ErrCursorExpired) {
			t.Errorf("Watch(%q) on a union of 3 = %v, want ErrCursorExpired", bad, err)
		}
	}
}

// A domain store keeps an in-memory cache of one namespace fresh with
// Follow: the cache is what Load of the source gives, as changes arrive.
func ExampleFollow() {
	ctx, cancel := context.WithCancel(context.Background())
	source := unionstore.NewMemory[Item]()
	_ = source.Save(ctx, batch(set("a", "first", at(1))))

	cache := unionstore.NewMemory[Item]()
	done := make(chan error, 1)
	go func() { done <- unionstore.Follow(ctx, source, "ns", cache) }()

	_ = source.Save(ctx, batch(set("a", "second", at(2)), set("b", "new", at(2))))
	for cache.EntityCount("ns") < 2 {
		time.Sleep(time.Millisecond)
	}
	for {
		got, _, _ := cache.Get(ctx, "ns", "k", "a")
		if got.Entity.Value == "second" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cached, _ := cache.Load(ctx, "ns")
	for _, c := range cached {
		fmt.Println(c.Entity.ID, c.Entity.Value)
	}
	cancel()
	fmt.Println(<-done)
	// Output:
	// a second
	// b new
	// context canceled
}
