package s3store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

var _ unionstore.Watcher[storetest.Item] = (*s3store.Store[storetest.Item])(nil)

// set and unset make the tests' changes: see [storetest.Set].
var set, unset = storetest.Set, storetest.Unset

// loaded describes what s loads of ns, for comparison.
func loaded(t *testing.T, s unionstore.Store[storetest.Item], ns string) []string {
	t.Helper()
	got, err := s.Load(context.Background(), ns)
	if err != nil {
		t.Fatalf("Load(%q): %v", ns, err)
	}
	out := make([]string, len(got))
	for i, c := range got {
		out[i] = describe(c)
	}
	return out
}

// fastPoll makes watches poll often, so that the tests run fast.
var fastPoll = s3store.WithPollInterval(10 * time.Millisecond)

// pullWatch starts a watch of ns after cursor, ended by the test's end or
// after a few seconds.
func pullWatch(t *testing.T, s *s3store.Store[storetest.Item], ns string, after unionstore.Cursor) func() (unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	return storetest.PullWatch(t, s, ns, after, 3*time.Second)
}

// waitFor reads events until one of identity id, failing t when the watch
// ends or errs first.
func waitFor(t *testing.T, next func() (unionstore.WatchEvent[storetest.Item], error), id string) unionstore.WatchEvent[storetest.Item] {
	t.Helper()
	for {
		ev, err := next()
		if err != nil {
			t.Fatalf("waiting for %s: %v", id, err)
		}
		if ev.Change.Entity.ID == id {
			return ev
		}
	}
}

// copySegment copies the object at key to the segment key of namespace
// directory dir, named at time at with the randomness of the original,
// and returns its key: as if a Save had named it at that time.
func copySegment(t *testing.T, c *s3.Client, bucket, key, dir string, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(at.UnixNano()))
	name := key[strings.LastIndexByte(key, '/')+1:]
	dst := dir + hex.EncodeToString(ts[:]) + name[16:]
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(dst), Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("put %s: %v", dst, err)
	}
	return dst
}

// TestWatchReadsSlowSaves lands, under a running watch that has polled
// past it, a segment named seconds earlier, as a Save whose PUT was slow
// or whose writer's clock runs behind leaves: the watch still delivers it,
// because it lists the last watch window again at every poll.
func TestWatchReadsSlowSaves(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t, fastPoll)
	other, _ := f.newStore(t)
	c := s3store.ClientOf(s)
	_, cursor, err := s.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	next := pullWatch(t, s, "ns", cursor)
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "1", at(1))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, next, "a")
	// The slow Save is written elsewhere, then copied in under an
	// earlier name, so that the watch cannot read it before.
	if err := other.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "slow", "1", at(2))}); err != nil {
		t.Fatal(err)
	}
	src := f.keys(t, other.Prefix()+"ns/")
	if len(src) != 1 {
		t.Fatalf("the other store holds %q, want one segment", src)
	}
	time.Sleep(100 * time.Millisecond) // polls that move the floor
	copySegment(t, c, s.Bucket(), src[0], s.Prefix()+"ns/", time.Now().Add(-3*time.Second))
	waitFor(t, next, "slow")
}

// TestWatchBehindCompaction compacts a namespace while a watcher is behind
// it: the merged segment is named after every segment it replaces, so the
// watcher reads it and misses no latest change, even when a merged
// segment was named ahead of the compactor's clock and the watcher's
// floor is past the compactor's clock.
func TestWatchBehindCompaction(t *testing.T) {
	for _, tc := range []struct {
		name string
		// ahead names the last segment this far ahead of the clocks,
		// and the watcher's floor half as far.
		ahead time.Duration
	}{
		{"same clocks", 0},
		{"a segment named ahead of the compactor's clock", time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newServer(t)
			s, _ := f.newStore(t, fastPoll, s3store.WithMaxSegments(0))
			other, _ := f.newStore(t)
			_, cursor, err := s.Snapshot(ctx, "ns")
			if err != nil {
				t.Fatal(err)
			}
			saves := unionstore.Changes[storetest.Item]{
				set("ns", "k", "a", "1", at(1)),
				set("ns", "k", "b", "1", at(2)),
				unset("ns", "k", "a", at(3)),
			}
			for _, c := range saves {
				if err := s.Save(ctx, unionstore.Changes[storetest.Item]{c}); err != nil {
					t.Fatal(err)
				}
			}
			if err := other.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "last", "1", at(4))}); err != nil {
				t.Fatal(err)
			}
			src := f.keys(t, other.Prefix()+"ns/")[0]
			copySegment(t, s3store.ClientOf(s), s.Bucket(), src, s.Prefix()+"ns/", time.Now().Add(tc.ahead))
			if tc.ahead > 0 {
				// A watcher whose clock runs ahead has read up to
				// here, which holds a, b and the unset, not last.
				cursor = s3store.CursorAt(s, "ns", time.Now().Add(tc.ahead/2))
			}
			if err := s.Compact(ctx, "ns"); err != nil {
				t.Fatal(err)
			}
			if n := len(segmentKeys(f.keys(t, s.Prefix()+"ns/"))); n != 1 {
				t.Fatalf("after Compact the namespace has %d segments, want 1", n)
			}
			want := loaded(t, s, "ns")
			model := unionstore.NewMemory[storetest.Item]()
			if tc.ahead > 0 { // what the watcher had read
				if err := model.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "b", "1", at(2)), unset("ns", "k", "a", at(3))}); err != nil {
					t.Fatal(err)
				}
			}
			next := pullWatch(t, s, "ns", cursor)
			for !slices.Equal(loaded(t, model, "ns"), want) {
				ev, err := next()
				if err != nil {
					t.Fatalf("the watcher holds %v, want %v: %v", loaded(t, model, "ns"), want, err)
				}
				if err := model.Save(ctx, unionstore.Changes[storetest.Item]{ev.Change}); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestWatchPurgeMarkers purges a namespace twice: one marker is left, a
// cursor from before either purge expires, and a snapshot taken after the
// purges watches on rather than expiring at once.
func TestWatchPurgeMarkers(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t, fastPoll)
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "1", at(1))}); err != nil {
		t.Fatal(err)
	}
	_, before, err := s.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Purge(ctx, "ns"); err != nil {
			t.Fatal(err)
		}
	}
	keys := f.keys(t, s.Prefix()+"ns/")
	if len(keys) != 1 || !strings.HasSuffix(keys[0], ".purge") {
		t.Fatalf("after two purges the namespace holds %q, want one purge marker", keys)
	}
	storetest.WantExpired(t, "from before the purges", pullWatch(t, s, "ns", before))
	_, after, err := s.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	next := pullWatch(t, s, "ns", after)
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "b", "2", at(2))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, next, "b")
}

// TestWatchMissesNoSave has writers on several stores of one prefix,
// standing for several processes, save while a watcher on a store of its
// own polls often: see [storetest.WatchUnderWriters]. The writers compact
// past a few segments, so that the watcher also reads merged segments of
// changes it has not read yet.
func TestWatchMissesNoSave(t *testing.T) {
	f := newServer(t)
	w, _ := f.newStore(t, fastPoll)
	stores := make([]unionstore.Store[storetest.Item], 3)
	for i := range stores {
		stores[i] = f.reopen(t, w, s3store.WithMaxSegments(4))
	}
	storetest.WatchUnderWriters(t, stores, w, 6, 20)
}
