package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// watchWait bounds how long a watch case waits for an event that must come.
const watchWait = 20 * time.Second

// The cases of a store that implements [unionstore.Watcher]; Run skips
// them, saying so, for one that does not.
var watchCases = []testCase{
	{"watch: a follower converges with concurrent writers", testFollowConverges},
	{"watch: resuming after any event leaves no gap", testResumeNoGap},
	{"watch: a cursor from before a purge, or of another store, expires", testCursorExpires},
	{"watch: cancel ends the watch with the context's error", testWatchCancel},
	{"watch: close ends the watch with ErrClosed", testWatchClose},
	{"watch: repeated events are harmless", testWatchRepeats},
	{"watch: a running watch that is up to date ends at a purge", testRunningWatchPurged},
	{"watch: a cursor behind a purged tombstone expires or delivers it", testTombstonePurgeNoGap},
	{"watch: snapshots and events carry edge values as load returns them", testWatchEdges},
	{"watch: snapshot stops on a done context and after close", testSnapshotStops},
	{"watch: a watch begun on a done context or after close ends with its error", testWatchBegunStopped},
}

func watcher(t *testing.T, s unionstore.Store[Item]) unionstore.Watcher[Item] {
	t.Helper()
	w := implements[unionstore.Watcher[Item]](t, s, "unionstore.Watcher")
	if _, _, err := w.Snapshot(context.Background(), "storetest-probe"); errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("%T has no change feed: %v", s, err)
	}
	return w
}

// WatchEvents reads the events of namespace after a cursor from w until it
// has read n of them, the watch ends or wait has passed, and returns them
// with the watch's error, which is the context's once wait has passed.
// The watch is ended when it returns.
func WatchEvents(w unionstore.Watcher[Item], namespace string, after unionstore.Cursor, n int, wait time.Duration) ([]unionstore.WatchEvent[Item], error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var out []unionstore.WatchEvent[Item]
	for ev, err := range w.Watch(ctx, namespace, after) {
		if err != nil {
			return out, err
		}
		if out = append(out, ev); len(out) == n {
			break
		}
	}
	return out, nil
}

// pull starts a watch of ns after cursor, ended by the test's end.
func pull(t *testing.T, w unionstore.Watcher[Item], ns string, after unionstore.Cursor) func() (unionstore.WatchEvent[Item], error) {
	t.Helper()
	return PullWatch(t, w, ns, after, watchWait)
}

// PullWatch starts a watch of namespace after a cursor, ended when the
// test ends or after wait, and returns a function that gives its next
// event, or its error: one that says so when the watch ended without an
// error.
func PullWatch(t testing.TB, w unionstore.Watcher[Item], namespace string, after unionstore.Cursor, wait time.Duration) func() (unionstore.WatchEvent[Item], error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	next, stop := iter.Pull2(w.Watch(ctx, namespace, after))
	t.Cleanup(func() {
		stop()
		cancel()
	})
	return func() (unionstore.WatchEvent[Item], error) {
		ev, err, ok := next()
		if !ok {
			return ev, errors.New("the watch ended without an error")
		}
		return ev, err
	}
}

// apply saves changes to a model with last-write-wins.
func apply(t *testing.T, model *unionstore.Memory[Item], changes ...unionstore.Change[Item]) {
	t.Helper()
	if len(changes) == 0 {
		return
	}
	if err := model.Save(context.Background(), changes); err != nil {
		t.Fatalf("model Save: %v", err)
	}
}

func eventChanges(evs []unionstore.WatchEvent[Item]) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], len(evs))
	for i, ev := range evs {
		out[i] = ev.Change
	}
	return out
}

func testFollowConverges(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	save(t, s, set("ns", "k", "before", "v", at(1)))
	follower := unionstore.NewMemory[Item]()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- unionstore.Follow(ctx, w, "ns", follower) }()
	var wg sync.WaitGroup
	for wr := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(wr), 7))
			for i := range 25 {
				c := set("ns", "k", fmt.Sprint("e", r.IntN(20)), fmt.Sprint(wr, "-", i), at(10+r.IntN(100)))
				if r.IntN(4) == 0 {
					c = unset("ns", "k", c.Entity.ID, c.Timestamp)
				}
				if err := s.Save(context.Background(), unionstore.Changes[Item]{c}); err != nil {
					t.Errorf("writer %d: %v", wr, err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := describe(load(t, s, "ns"))
	deadline := time.Now().Add(watchWait)
	for !slices.Equal(describe(load(t, follower, "ns")), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the follower did not converge:\ngot  %v\nwant %v", describe(load(t, follower, "ns")), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v, want context.Canceled", err)
	}
}

// converge reads events, applying each to model, until model loads
// want: a watch may repeat events (a union's members each deliver a
// change), so the test reads until the state is reached, not a count.
// It fails t when the watch ends or errs first.
func converge(t *testing.T, next func() (unionstore.WatchEvent[Item], error), model *unionstore.Memory[Item], want []string) []unionstore.WatchEvent[Item] {
	t.Helper()
	var out []unionstore.WatchEvent[Item]
	for !slices.Equal(describe(load(t, model, "ns")), want) {
		ev, err := next()
		if err != nil {
			t.Fatalf("after %d events, the model holds %v, want %v: %v", len(out), describe(load(t, model, "ns")), want, err)
		}
		apply(t, model, ev.Change)
		out = append(out, ev)
	}
	return out
}

func testResumeNoGap(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	save(t, s, set("ns", "k", "a", "1", at(1)))
	base, c0 := snapshot(t, w, "ns")
	for i := range 12 {
		save(t, s, set("ns", "k", fmt.Sprint("e", i%5), fmt.Sprint(i), at(10+i)))
	}
	want := describe(load(t, s, "ns"))
	model := unionstore.NewMemory[Item]()
	apply(t, model, base...)
	first := converge(t, pull(t, w, "ns", c0), model, want)
	for i := range first {
		model := unionstore.NewMemory[Item]()
		apply(t, model, base...)
		apply(t, model, eventChanges(first[:i+1])...)
		converge(t, pull(t, w, "ns", first[i].Cursor), model, want)
	}
}

func testCursorExpires(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	p := purger(t, s)
	save(t, s, set("ns", "k", "a", "1", at(1)))
	_, c := snapshot(t, w, "ns")
	save(t, s, set("ns", "k", "b", "2", at(2)))
	_, last := snapshot(t, w, "ns") // the cursor of a follower that is up to date
	if err := p.Purge(context.Background(), "ns"); err != nil {
		t.Fatal(err)
	}
	save(t, s, set("ns", "k", "c", "3", at(3)))
	for _, c := range []unionstore.Cursor{c, last} {
		WantExpired(t, "from a cursor before a purge", pull(t, w, "ns", c))
	}
	WantExpired(t, "from a foreign cursor", pull(t, w, "ns", "not a cursor of this store"))
}

func testWatchCancel(t *testing.T, s unionstore.Store[Item]) {
	ctx, cancel := context.WithCancel(context.Background())
	watchEnds(t, ctx, s, cancel, context.Canceled, "its context was cancelled")
}

func testWatchClose(t *testing.T, s unionstore.Store[Item]) {
	watchEnds(t, context.Background(), s, func() {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}, unionstore.ErrClosed, "Close")
}

// watchEnds watches "ns" of s under ctx from now, calls stop once the watch
// has had time to start, and requires that the watch then end, within
// watchWait, with an error wrapping want. stopped says what stop did.
func watchEnds(t *testing.T, ctx context.Context, s unionstore.Store[Item], stop func(), want error, stopped string) {
	t.Helper()
	w := watcher(t, s)
	_, c := snapshot(t, w, "ns")
	errs := make(chan error, 1)
	go func() {
		for _, err := range w.Watch(ctx, "ns", c) {
			if err != nil {
				errs <- err
				return
			}
		}
		errs <- errors.New("the watch ended without an error")
	}()
	time.Sleep(20 * time.Millisecond)
	stop()
	select {
	case err := <-errs:
		if !errors.Is(err, want) {
			t.Fatalf("Watch after %s = %v, want %v", stopped, err, want)
		}
	case <-time.After(watchWait):
		t.Fatalf("the watch did not end after %s", stopped)
	}
}

func testWatchRepeats(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	base, c := snapshot(t, w, "ns")
	save(t, s, set("ns", "k", "a", "1", at(1)), set("ns", "k", "b", "1", at(1)))
	save(t, s, unset("ns", "k", "a", at(2)))
	want := describe(load(t, s, "ns"))
	model := unionstore.NewMemory[Item]()
	apply(t, model, base...)
	once := converge(t, pull(t, w, "ns", c), model, want)
	apply(t, model, eventChanges(once)...)
	apply(t, model, eventChanges(once)...)
	if got := describe(load(t, model, "ns")); !slices.Equal(got, want) {
		t.Fatalf("events applied three times give %v, want %v", got, want)
	}
}

// testWatchAcrossReopen watches, from a cursor taken before the store was
// closed and reopened, the changes saved after.
func testWatchAcrossReopen(t *testing.T, s unionstore.Store[Item], reopen func(*testing.T, unionstore.Store[Item]) unionstore.Store[Item]) {
	w := watcher(t, s)
	save(t, s, set("ns", "k", "a", "1", at(1)))
	_, c := snapshot(t, w, "ns")
	save(t, s, set("ns", "k", "b", "2", at(2)))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	t.Cleanup(func() { s.Close() })
	save(t, s, set("ns", "k", "c", "3", at(3)))
	model := unionstore.NewMemory[Item]()
	apply(t, model, set("ns", "k", "a", "1", at(1)))
	converge(t, pull(t, watcher(t, s), "ns", c), model, describe(load(t, s, "ns")))
}

func testRunningWatchPurged(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	p := purger(t, s)
	save(t, s, set("ns", "k", "a", "1", at(1)))
	base, c := snapshot(t, w, "ns")
	next := pull(t, w, "ns", c)
	save(t, s, set("ns", "k", "b", "2", at(2)))
	model := unionstore.NewMemory[Item]()
	apply(t, model, base...)
	converge(t, next, model, describe(load(t, s, "ns")))
	if err := p.Purge(context.Background(), "ns"); err != nil {
		t.Fatal(err)
	}
	save(t, s, set("ns", "k", "c", "3", at(3)))
	// The follower holds a and b, which the purge removed: the watch must
	// not go on as if nothing had happened.
	for {
		ev, err := next()
		if errors.Is(err, unionstore.ErrCursorExpired) {
			return
		}
		if err != nil {
			t.Fatalf("the watch after a purge = %v, want ErrCursorExpired", err)
		}
		if ev.Change.Entity.ID == "c" {
			t.Fatalf("the watch went on past the purge to c, without expiring")
		}
	}
}

func testTombstonePurgeNoGap(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	tp := tombstonePurger(t, s)
	save(t, s, set("ns", "k", "a", "1", at(1)), set("ns", "k", "keep", "1", at(1)))
	base, c := snapshot(t, w, "ns")
	save(t, s, unset("ns", "k", "a", at(2)))
	if _, err := tp.PurgeTombstones(context.Background(), "ns", at(3)); err != nil {
		t.Fatal(err)
	}
	save(t, s, set("ns", "k", "z", "after", at(4)))
	// A follower from c holds a; it must learn that a is gone, or that its
	// cursor expired: never reach z with a still held.
	model := unionstore.NewMemory[Item]()
	apply(t, model, base...)
	next := pull(t, w, "ns", c)
	for {
		ev, err := next()
		if errors.Is(err, unionstore.ErrCursorExpired) {
			return
		}
		if err != nil {
			t.Fatalf("the watch after a tombstone purge = %v", err)
		}
		apply(t, model, ev.Change)
		if ev.Change.Entity.ID != "z" {
			continue
		}
		if got, _, _ := model.Get(context.Background(), "ns", "k", "a"); got.ChangeType == unionstore.ChangeTypeSet {
			t.Fatal("the watch reached z without the deletion of a, whose tombstone was purged, and without expiring")
		}
		return
	}
}

func testWatchEdges(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	base, c := snapshot(t, w, "ns")
	want := saveEdges(t, s)
	if got, _ := snapshot(t, w, "ns"); !slices.Equal(describe(got), describe(want)) {
		t.Fatalf("Snapshot = %v, want what Load returns: %v", describe(got), describe(want))
	}
	model := unionstore.NewMemory[Item]()
	apply(t, model, base...)
	converge(t, pull(t, w, "ns", c), model, describe(want))
}

func testSnapshotStops(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	save(t, s, set("ns", "k", "a", "v", at(1)))
	stopsWhenDone(t, s, "Snapshot", func(ctx context.Context) error {
		_, _, err := w.Snapshot(ctx, "ns")
		return err
	}, nil)
}

func testWatchBegunStopped(t *testing.T, s unionstore.Store[Item]) {
	w := watcher(t, s)
	save(t, s, set("ns", "k", "a", "v", at(1)))
	_, c := snapshot(t, w, "ns")
	stopsWhenDone(t, s, "Watch", func(ctx context.Context) error {
		// Nothing comes after c: a watch that does not end at once
		// ends at the deadline, with the wrong error.
		ctx, cancel := context.WithTimeout(ctx, watchWait)
		defer cancel()
		for ev, err := range w.Watch(ctx, "ns", c) {
			if err != nil {
				return err
			}
			return fmt.Errorf("an event, %v", describe(unionstore.Changes[Item]{ev.Change}))
		}
		return errors.New("the watch ended without an error")
	}, nil)
}
