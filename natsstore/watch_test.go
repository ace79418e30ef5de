package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// watchWait bounds how long these tests wait for an event or an end that
// must come.
const watchWait = 5 * time.Second

// pullWatch starts a watch of namespace after cursor, ended by the test's
// end or after watchWait.
func pullWatch(t *testing.T, s *natsstore.Store[storetest.Item], namespace string, after unionstore.Cursor) func() (unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	return storetest.PullWatch(t, s, namespace, after, watchWait)
}

// ids returns the ids of changes, with "-" before those of unsets.
func ids(changes unionstore.Changes[storetest.Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Entity.ID
		if c.ChangeType == unionstore.ChangeTypeUnset {
			out[i] = "-" + out[i]
		}
	}
	return out
}

// TestPurgeEndsAnUpToDateWatch checks that a purge, which no event tells,
// ends a watch that has read every change, and expires the cursor of its
// last event: the floor marker is on the watched subjects.
func TestPurgeEndsAnUpToDateWatch(t *testing.T) {
	s := newStore(t)
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	_, c := storetest.Snapshot(t, s, "ns")
	next := pullWatch(t, s, "ns", c)
	storetest.Save(t, s, set("ns", "k", "b", "2", at(2)))
	ev := storetest.WantEvent(t, "the first event", next, "b")
	if err := s.Purge(context.Background(), "ns"); err != nil {
		t.Fatal(err)
	}
	storetest.WantExpired(t, "the up-to-date watch after Purge", next)
	storetest.WantExpired(t, "from the last event's cursor after Purge", pullWatch(t, s, "ns", ev.Cursor))
}

// TestSnapshotDuringPurgeExpires takes a snapshot after Purge's first
// marker and before its purge: the snapshot holds what the purge then
// removes, so its cursor must expire, which the second marker does.
func TestSnapshotDuringPurgeExpires(t *testing.T) {
	s := newStore(t)
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	var (
		during unionstore.Changes[storetest.Item]
		c      unionstore.Cursor
	)
	restore := natsstore.SetPurgeBegun(func() { during, c = storetest.Snapshot(t, s, "ns") })
	err := s.Purge(context.Background(), "ns")
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(during); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("the snapshot during the purge holds %v, want [a], the state before it", got)
	}
	storetest.WantExpired(t, "from a snapshot taken during Purge", pullWatch(t, s, "ns", c))
}

// TestPurgeFailingMidwayExpires ends a Purge between its first marker and
// its purge: the cursors before it expire all the same, since the caller
// cannot know how far the purge went.
func TestPurgeFailingMidwayExpires(t *testing.T) {
	s := newStore(t)
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	_, c := storetest.Snapshot(t, s, "ns")
	ctx, cancel := context.WithCancel(context.Background())
	restore := natsstore.SetPurgeBegun(cancel)
	err := s.Purge(ctx, "ns")
	restore()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Purge cancelled midway = %v, want context.Canceled", err)
	}
	storetest.WantExpired(t, "from a cursor before a failed Purge", pullWatch(t, s, "ns", c))
}

// TestPurgeTombstonesExpiresCursors checks that a watcher from before a
// removed tombstone, which would otherwise never learn of the unset,
// expires, and that a cursor after the purge still works.
func TestPurgeTombstonesExpiresCursors(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	_, before := storetest.Snapshot(t, s, "ns")
	storetest.Save(t, s, unset("ns", "k", "a", at(2)))
	_, upToDate := storetest.Snapshot(t, s, "ns")
	if n, err := s.PurgeTombstones(ctx, "ns", at(3)); n != 1 || err != nil {
		t.Fatalf("PurgeTombstones = %d, %v, want 1, nil", n, err)
	}
	for name, c := range map[string]unionstore.Cursor{"before the tombstone": before, "after the tombstone": upToDate} {
		storetest.WantExpired(t, "from a cursor "+name+", after PurgeTombstones", pullWatch(t, s, "ns", c))
	}
	changes, after := storetest.Snapshot(t, s, "ns")
	if len(changes) != 0 {
		t.Fatalf("Snapshot after PurgeTombstones = %v, want nothing", ids(changes))
	}
	next := pullWatch(t, s, "ns", after)
	storetest.Save(t, s, set("ns", "k", "b", "1", at(4)))
	storetest.WantEvent(t, "from a cursor after PurgeTombstones", next, "b")
	// Nothing old enough: no marker, cursors stay valid.
	if n, err := s.PurgeTombstones(ctx, "ns", at(3)); n != 0 || err != nil {
		t.Fatalf("second PurgeTombstones = %d, %v, want 0, nil", n, err)
	}
	storetest.Save(t, s, set("ns", "k", "c", "1", at(5)))
	storetest.WantEvent(t, "after a PurgeTombstones that removed nothing", pullWatch(t, s, "ns", after), "b")
}

// TestFloorMarkersAreNotChanges checks that the readers skip the floor
// markers that purges leave: no change, no decode error, no namespace.
func TestFloorMarkersAreNotChanges(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	storetest.Snapshot(t, s, "ns") // publishes the stream's floor marker
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)), set("other", "k", "x", "1", at(1)))
	for _, ns := range []string{"ns", "ghost"} {
		if err := s.Purge(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Save(t, s, set("ns", "k", "b", "1", at(2)), unset("ns", "k", "c", at(2)))
	if _, err := s.PurgeTombstones(ctx, "ns", at(3)); err != nil {
		t.Fatal(err)
	}
	want := []string{"b"}
	got, err := s.Load(ctx, "ns")
	if err != nil || !slices.Equal(ids(got), want) {
		t.Fatalf("Load = %v, %v, want %v, nil", ids(got), err, want)
	}
	for way, scanner := range map[string]*natsstore.Store[storetest.Item]{
		"within its threshold": s,
		"beyond its threshold": spillingStore(t, s, t.TempDir()),
	} {
		var scanned unionstore.Changes[storetest.Item]
		for c, err := range scanner.Scan(ctx, "ns") {
			if err != nil {
				t.Fatalf("Scan %s: %v", way, err)
			}
			scanned = append(scanned, c)
		}
		if !slices.Equal(ids(scanned), want) {
			t.Fatalf("Scan %s = %v, want %v", way, ids(scanned), want)
		}
	}
	stats, err := s.Namespaces(ctx)
	wantStats := []unionstore.NamespaceStat{{Namespace: "ns", Entities: 1}, {Namespace: "other", Entities: 1}}
	if err != nil || !slices.Equal(stats, wantStats) {
		t.Fatalf("Namespaces = %v, %v, want %v, nil", stats, err, wantStats)
	}
}

// TestWatchRefusesCursorsOfOtherStreams checks that a cursor of another
// stream, or of an earlier stream of the same name, expires.
func TestWatchRefusesCursorsOfOtherStreams(t *testing.T) {
	a, b := newStore(t), newStore(t)
	for _, s := range []*natsstore.Store[storetest.Item]{a, b} {
		storetest.Save(t, s, set("ns", "k", "a", "1", at(1)), set("ns", "k", "b", "1", at(1)))
	}
	_, ca := storetest.Snapshot(t, a, "ns")
	_, cb := storetest.Snapshot(t, b, "ns")
	// cb is <stream>:<epoch>:<sequence>.
	epoch := string(cb[:strings.LastIndexByte(string(cb), ':')])
	cases := map[string]unionstore.Cursor{
		"of another stream":         ca,
		"beyond the last sequence":  unionstore.Cursor(epoch + ":99"),
		"of another epoch":          unionstore.Cursor(b.Stream() + ":1:2"),
		"not a sequence":            unionstore.Cursor(epoch + ":x"),
		"without the epoch":         unionstore.Cursor(b.Stream() + ":2"),
		"without the stream's name": "2",
		"of a longer stream's name": unionstore.Cursor(strings.Replace(string(cb), b.Stream(), b.Stream()+"X", 1)),
	}
	for name, c := range cases {
		storetest.WantExpired(t, fmt.Sprintf("from a cursor %s (%q)", name, c), pullWatch(t, b, "ns", c))
	}
}

// TestWatchExpiresAfterTheStreamLostItsHistory checks that a cursor
// expires once the stream was purged by an operator, or deleted and made
// again, which no namespace's marker tells: the stream's floor marker is
// gone with the rest, and its successor was stored at another time.
func TestWatchExpiresAfterTheStreamLostItsHistory(t *testing.T) {
	ctx := context.Background()
	js := sharedJS(t)
	for _, how := range []string{"purged", "purged, then snapshot", "made again"} {
		t.Run(how, func(t *testing.T) {
			name := newStreamName(t, js)
			s := newStoreOn(t, js, name)
			storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
			_, c := storetest.Snapshot(t, s, "ns")
			if how != "made again" {
				st, err := js.Stream(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.Purge(ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := js.DeleteStream(ctx, name); err != nil {
					t.Fatal(err)
				}
				s = newStoreOn(t, js, name)
			}
			// The stream's sequences now reach past the cursor's.
			for i := range 4 {
				storetest.Save(t, s, set("ns", "k", "b", "1", at(2+i)))
			}
			if how != "purged" {
				// A new floor marker.
				storetest.Snapshot(t, s, "ns")
			}
			storetest.WantExpired(t, "from a cursor taken before the stream was "+how, pullWatch(t, s, "ns", c))
		})
	}
}

// TestSnapshotCursorPrecedesItsLoad saves a change between Snapshot's read
// of the stream's last sequence and its load: the change is in the
// snapshot or after its cursor, so that a watcher converges.
func TestSnapshotCursorPrecedesItsLoad(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	restore := natsstore.SetSnapshotBetween(func() { storetest.Save(t, s, set("ns", "k", "a", "2", at(2))) })
	base, c := storetest.Snapshot(t, s, "ns")
	restore()
	// Applied from now on: the change saved during the snapshot is
	// either in base or read again from the cursor.
	storetest.Save(t, s, set("ns", "k", "z", "1", at(3)))
	model := unionstore.NewMemory[storetest.Item]()
	if err := model.Save(ctx, base); err != nil {
		t.Fatal(err)
	}
	want, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	next := pullWatch(t, s, "ns", c)
	for {
		got, err := model.Load(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		if slices.EqualFunc(got, want, func(x, y unionstore.Change[storetest.Item]) bool { return x.Entity == y.Entity }) {
			return
		}
		ev, err := next()
		if err != nil {
			t.Fatalf("the watcher holds %v, want %v: %v", got, want, err)
		}
		if err := model.Save(ctx, unionstore.Changes[storetest.Item]{ev.Change}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchDeletesItsConsumer checks that a watch ended by a break or by
// its context leaves no consumer on the stream.
func TestWatchDeletesItsConsumer(t *testing.T) {
	s := newStore(t)
	_, c := storetest.Snapshot(t, s, "ns")
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	st, err := sharedJS(t).Stream(context.Background(), s.Stream())
	if err != nil {
		t.Fatal(err)
	}
	for ev, err := range s.Watch(context.Background(), "ns", c) {
		if err != nil || ev.Change.Entity.ID != "a" {
			t.Fatalf("first event = %v, %v, want the save of a", ev.Change, err)
		}
		break
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	for _, err := range s.Watch(ctx, "ns", "") {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Watch at its deadline = %v, want context.DeadlineExceeded", err)
		}
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Consumers; n != 0 {
		t.Fatalf("the stream has %d consumers after the watches ended, want 0", n)
	}
}

// TestWatchSurvivesARestart stops and starts the in-process server under a
// watch: the client recreates the watch's consumer after the last message
// it delivered, so the change saved after the restart arrives, and none
// saved before comes again.
func TestWatchSurvivesARestart(t *testing.T) {
	opts := serverOptions(t, t.TempDir())
	srv := startServer(t, opts)
	s := openOwned(t, serverAddr(opts))
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	_, c := storetest.Snapshot(t, s, "ns")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	next, stop := iter.Pull2(s.Watch(ctx, "ns", c))
	defer stop()
	storetest.Save(t, s, set("ns", "k", "b", "1", at(2)))
	if ev, err, _ := next(); err != nil || ev.Change.Entity.ID != "b" {
		t.Fatalf("event before the restart = %v, %v, want the save of b", ev.Change, err)
	}
	stopServer(srv)
	time.Sleep(300 * time.Millisecond)
	startServer(t, opts)
	waitFor(t, "a save after the restart", func() bool {
		sctx, scancel := context.WithTimeout(context.Background(), time.Second)
		defer scancel()
		return s.Save(sctx, unionstore.Changes[storetest.Item]{set("ns", "k", "c", "1", at(3))}) == nil
	})
	ev, err, _ := next()
	if err != nil || ev.Change.Entity.ID != "c" {
		t.Fatalf("event after the restart = %v, %v, want the save of c", ev.Change, err)
	}
}
