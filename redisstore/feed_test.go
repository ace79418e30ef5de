package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// feedWait bounds how long a test waits for an event or an error that
// must come.
const feedWait = 10 * time.Second

// watchFrom starts a watch of ns after cursor, stopped when the test
// ends, and returns its next pair.
func watchFrom(t *testing.T, s *redisstore.Store[storetest.Item], ns string, after unionstore.Cursor) func() (unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	return storetest.PullWatch(t, s, ns, after, feedWait)
}

// cursorOf returns the cursor of ns's feed now.
func cursorOf(t *testing.T, s *redisstore.Store[storetest.Item], ns string) unionstore.Cursor {
	t.Helper()
	_, c := storetest.Snapshot(t, s, ns)
	return c
}

// wantWatchGoesOn checks that a watch from the cursor of c's namespace now
// yields c once it is saved.
func wantWatchGoesOn(t *testing.T, s *redisstore.Store[storetest.Item], what string, c unionstore.Change[storetest.Item]) {
	t.Helper()
	next := watchFrom(t, s, c.Namespace, cursorOf(t, s, c.Namespace))
	storetest.Save(t, s, c)
	storetest.WantEvent(t, what, next, c.Entity.ID)
}

// TestWatchYieldsAppliedChanges checks that the log holds what the put
// script applied, and nothing it refused: a change older than the stored
// one is no event.
func TestWatchYieldsAppliedChanges(t *testing.T) {
	s := newStore(t)
	c := cursorOf(t, s, "ns")
	storetest.Save(t, s, set("ns", "k", "a", "new", at(5)))
	storetest.Save(t, s, set("ns", "k", "a", "old", at(4)), set("ns", "k", "b", "1", at(1)))
	next := watchFrom(t, s, "ns", c)
	if ev := storetest.WantEvent(t, "first", next, "a"); ev.Change.Entity.Value != "new" {
		t.Errorf("first event = %v, want the change of a at 5", ev.Change)
	}
	storetest.WantEvent(t, "second (the older a was refused)", next, "b")
}

// TestWatchTrimmedHistoryExpires checks that a cursor older than the
// history the log keeps expires, whether the watch starts there or
// reads past a trim, and that the last cursor goes on.
func TestWatchTrimmedHistoryExpires(t *testing.T) {
	s := newStore(t, redisstore.WithHistory(1))
	storetest.Save(t, s, set("ns", "k", "first", "v", at(1)))
	old := cursorOf(t, s, "ns")
	storetest.Save(t, s, set("ns", "k", "second", "v", at(1)))
	running := watchFrom(t, s, "ns", old)
	storetest.WantEvent(t, "before the trim", running, "second")
	// The server trims by whole nodes of 100 entries: 300 changes trim
	// the first ones, the next one of the running watch among them.
	for i := range 300 {
		storetest.Save(t, s, set("ns", "k", fmt.Sprint(i), "v", at(2+i)))
	}
	storetest.WantExpired(t, "a running watch reading past the trim", running)
	storetest.WantExpired(t, "from a cursor before the trimmed history", watchFrom(t, s, "ns", old))
	wantWatchGoesOn(t, s, "from the last cursor", set("ns", "k", "after", "v", at(1000)))
}

// TestPurgeExpiresUpToDateWatchers checks that a purge, with no save
// after it, ends the watches that are up to date, one blocked on the
// server when it comes and one that asks for more after it, and expires
// their cursor, while the cursor of the purge's snapshot goes on.
func TestPurgeExpiresUpToDateWatchers(t *testing.T) {
	s := newStore(t)
	empty := cursorOf(t, s, "ns")
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	last := cursorOf(t, s, "ns")
	running := watchFrom(t, s, "ns", empty)
	storetest.WantEvent(t, "before the purge", running, "a")
	blocked := watchFrom(t, s, "ns", last)
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		time.Sleep(100 * time.Millisecond) // blocked waits on the server
		if err := s.Purge(context.Background(), "ns"); err != nil {
			t.Errorf("Purge: %v", err)
		}
	}()
	storetest.WantExpired(t, "a watch blocked when the purge came", blocked)
	<-purged
	storetest.WantExpired(t, "a watch asking for more after the purge", running)
	storetest.WantExpired(t, "from the up-to-date cursor", watchFrom(t, s, "ns", last))
	wantWatchGoesOn(t, s, "from the cursor after the purge", set("ns", "k", "b", "2", at(2)))
}

func TestPurgeTombstonesExpiresOlderCursors(t *testing.T) {
	storetest.PurgeExpiresOlderCursors(t, newStore(t))
}

// TestWatchRefusesForeignCursors checks that a cursor of another prefix,
// of another namespace, of a feed whose keys were lost and made again,
// or not a cursor at all, expires, though its position may exist here.
func TestWatchRefusesForeignCursors(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix)
	other := newStore(t)
	for _, st := range []*redisstore.Store[storetest.Item]{s, other} {
		storetest.Save(t, st, set("ns", "k", "a", "1", at(1)), set("ns2", "k", "a", "1", at(1)))
	}
	storetest.Save(t, s, set("ns", "k", "b", "1", at(1)))
	lost := cursorOf(t, s, "ns") // at sequence number 2
	// The keys of the prefix are lost, as on a server restarted without
	// persistence, and the namespace is written again, with a log that
	// starts at sequence number 3: only the epoch tells the cursor's
	// position from that of the new feed.
	if err := adminClient(t).Unlink(ctx, prefixKeys(t, prefix)...).Err(); err != nil {
		t.Fatalf("unlink: %v", err)
	}
	time.Sleep(time.Millisecond) // a later epoch
	storetest.Save(t, s, unset("ns", "k", "x", at(1)), set("ns", "k", "c", "1", at(1)))
	if n, err := s.PurgeTombstones(ctx, "ns", at(2)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones = %d, %v, want 1", n, err)
	}
	storetest.Save(t, s, set("ns", "k", "d", "1", at(1)))
	cases := []struct {
		name   string
		cursor unionstore.Cursor
	}{
		{"of another prefix", cursorOf(t, other, "ns")},
		{"of another namespace", cursorOf(t, s, "ns2")},
		{"of a lost feed", lost},
		{"not a cursor", "1-1"},
		{"a damaged cursor", lost[:len(lost)-1]},
	}
	for _, c := range cases {
		storetest.WantExpired(t, c.name, watchFrom(t, s, "ns", c.cursor))
	}
}

// TestWatchEmptyNamespaceCursor checks that the cursor of a namespace
// without a feed yields the namespace's first changes, and expires once
// they are trimmed.
func TestWatchEmptyNamespaceCursor(t *testing.T) {
	s := newStore(t, redisstore.WithHistory(1))
	empty := cursorOf(t, s, "ns")
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	storetest.WantEvent(t, "the first change", watchFrom(t, s, "ns", empty), "a")
	for i := range 300 {
		storetest.Save(t, s, set("ns", "k", fmt.Sprint(i), "v", at(2+i)))
	}
	storetest.WantExpired(t, "after a trim", watchFrom(t, s, "ns", empty))
}

// TestHistoryBound checks that the log keeps at least the history asked
// for, and at most a node of the stream (100 entries) more.
func TestHistoryBound(t *testing.T) {
	const history = 150
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix, redisstore.WithHistory(history))
	for i := range 400 {
		storetest.Save(t, s, set("ns", "k", fmt.Sprint(i), "v", at(i)))
	}
	log, _ := redisstore.FeedKeys(prefix, "ns")
	n, err := adminClient(t).XLen(context.Background(), log).Result()
	if err != nil || n < history || n > history+100 {
		t.Errorf("XLEN of the log after 400 changes = %d, %v, want %d to %d", n, err, history, history+100)
	}
}
