package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// rangeLog records the Range header of every GET of an object that a
// fake server serves.
type rangeLog struct {
	mu     sync.Mutex
	ranges []string
}

func (l *rangeLog) watch(f *fakeS3) {
	f.setBefore(func(r *http.Request) {
		if r.Method == http.MethodGet && !r.URL.Query().Has("list-type") {
			l.mu.Lock()
			l.ranges = append(l.ranges, r.Header.Get("Range"))
			l.mu.Unlock()
		}
	})
}

// take returns the ranges so far and starts again.
func (l *rangeLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.ranges
	l.ranges = nil
	return r
}

// rangeBytes returns the length of a "bytes=FIRST-LAST" range, or -1.
func rangeBytes(r string) int {
	first, last, ok := strings.Cut(strings.TrimPrefix(r, "bytes="), "-")
	a, err1 := strconv.Atoi(first)
	b, err2 := strconv.Atoi(last)
	if !strings.HasPrefix(r, "bytes=") || !ok || err1 != nil || err2 != nil || b < a {
		return -1
	}
	return b - a + 1
}

// TestGetReadsOneBlockPerSegment gets entities of a namespace of two
// segments of about 1.3 MB, the second overwriting every 10th entity of
// the first: each Get lists the namespace and reads at most one block of
// each segment that holds the entity, by a ranged GET, once the first Get
// has read the segments' ends; a Get of an entity no segment holds reads
// nothing more than the listing. Every Get returns the newest change.
func TestGetReadsOneBlockPerSegment(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, false)
	s, reqs := f.server().newStore(t, s3store.WithMaxSegments(0))
	var log rangeLog
	log.watch(f)
	first := batch("ns", 0, 20_000)
	var second unionstore.Changes[storetest.Item]
	for i := 0; i < 20_000; i += 10 {
		second = append(second, item("ns", fmt.Sprintf("%06d", i), 100_000+i))
	}
	for _, b := range []unionstore.Changes[storetest.Item]{first, second} {
		if err := s.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]unionstore.Change[storetest.Item]{}
	for _, c := range unionstore.Compact(append(first, second...)) {
		want[c.Entity.ID] = c
	}
	const slack = 1024 // a block closes at its first record past 64 KiB
	for step, i := range []int{5, 0, 1, 10, 9_999, 10_000, 12_345, 19_990, 19_999, -1, 777} {
		reqs.take()
		log.take()
		id := fmt.Sprintf("%06d", i)
		if i < 0 {
			id = "absent"
		}
		c, ok, err := s.Get(ctx, "ns", "k", id)
		w, holds := want[id]
		if err != nil || ok != holds || ok && describe(c) != describe(w) {
			t.Fatalf("Get(%s) = %s, %v, %v; want %s, %v", id, describe(c), ok, err, describe(w), holds)
		}
		holders := 0
		if holds {
			holders = 1 + btoi(i%10 == 0)
		}
		ranges := log.take()
		if got := reqs.take(); got["LIST"] != 1 || len(got) > 2 {
			t.Errorf("Get(%s) sent %v, want one LIST and GETs", id, got)
		}
		if step == 0 { // the segments' ends: the index, and the block if it is there
			if len(ranges) < 2 || len(ranges) > 4 {
				t.Errorf("first Get(%s) read %v, want the end of each segment and a block", id, ranges)
			}
		} else if len(ranges) != holders {
			t.Errorf("Get(%s) read %v, want one block of each of the %d segments that hold it", id, ranges, holders)
		}
		for _, r := range ranges {
			if n := rangeBytes(r); n < 0 || n > 64<<10+slack {
				t.Errorf("Get(%s) read range %q, want at most a block", id, r)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestVersion1SegmentsStillRead puts a segment that the previous
// release's writer made (testdata/v1.seg, without an index) under a store,
// beside a segment of this release that sets again every 100th entity,
// and reads them with Get, Load, Scan and Namespaces, then once more
// after a compaction has merged them into a segment of version 2.
func TestVersion1SegmentsStillRead(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t, s3store.WithMaxSegments(0))
	old, err := os.ReadFile("testdata/v1.seg")
	if err != nil {
		t.Fatal(err)
	}
	c := s3store.ClientOf(s)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket()),
		Key:    aws.String(s.Prefix() + "v1/0000000000000001-0000000000000001.seg"),
		Body:   bytes.NewReader(old),
	})
	if err != nil {
		t.Fatal(err)
	}
	// What testdata/v1.seg holds: 1,500 entities, every 97th unset.
	var all unionstore.Changes[storetest.Item]
	for i := range 1500 {
		id := fmt.Sprintf("%06d", i)
		ch := unionstore.Change[storetest.Item]{Namespace: "v1", ChangeType: unionstore.ChangeTypeSet,
			Entity: storetest.Item{Kind: "k", ID: id, Value: "version one", N: i}, Timestamp: time.Unix(0, 1_700_000_000_000_000_000+int64(i))}
		if i%97 == 0 {
			ch.ChangeType, ch.Entity = unionstore.ChangeTypeUnset, storetest.Item{Kind: "k", ID: id}
		}
		all = append(all, ch)
	}
	var newer unionstore.Changes[storetest.Item]
	for i := 0; i < 1500; i += 100 {
		newer = append(newer, item("v1", fmt.Sprintf("%06d", i), 1_000_000+i))
	}
	if err := s.Save(ctx, newer); err != nil {
		t.Fatal(err)
	}
	all = append(all, newer...)
	want := map[string]unionstore.Change[storetest.Item]{}
	sets := 0
	for _, ch := range unionstore.Compact(all) {
		want[ch.Entity.ID] = ch
		if ch.ChangeType == unionstore.ChangeTypeSet {
			sets++
		}
	}

	check := func(stage string, s *s3store.Store[storetest.Item]) {
		t.Helper()
		for _, i := range []int{0, 1, 96, 97, 100, 194, 200, 750, 1499} {
			id := fmt.Sprintf("%06d", i)
			got, ok, err := s.Get(ctx, "v1", "k", id)
			if err != nil || !ok || describe(got) != describe(want[id]) {
				t.Errorf("%s: Get(%s) = %s, %v, %v; want %s", stage, id, describe(got), ok, err, describe(want[id]))
			}
		}
		if _, ok, err := s.Get(ctx, "v1", "k", "001500"); ok || err != nil {
			t.Errorf("%s: Get of an absent entity = %v, %v", stage, ok, err)
		}
		expectLoad(t, s, "v1", all)
		n := 0
		for _, err := range s.Scan(ctx, "v1") {
			if err != nil {
				t.Fatalf("%s: Scan: %v", stage, err)
			}
			n++
		}
		if n != len(want) {
			t.Errorf("%s: Scan = %d changes, want %d", stage, n, len(want))
		}
		stats, err := s.Namespaces(ctx)
		if wantStat := (unionstore.NamespaceStat{Namespace: "v1", Entities: sets, Tombstones: len(want) - sets}); err != nil || len(stats) != 1 || stats[0] != wantStat {
			t.Errorf("%s: Namespaces = %v, %v; want [%v]", stage, stats, err, wantStat)
		}
	}
	check("version 1 and 2", s)
	if err := s.Compact(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	keys := f.keys(t, s.Prefix()+"v1/")
	if len(keys) != 1 {
		t.Fatalf("after Compact: %d segments, want 1", len(keys))
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket()), Key: aws.String(keys[0]), Range: aws.String("bytes=0-7")})
	if err != nil {
		t.Fatal(err)
	}
	magic := make([]byte, 8)
	_, err = io.ReadFull(out.Body, magic)
	out.Body.Close()
	if err != nil || string(magic) != "uss3seg\x02" {
		t.Fatalf("compacted segment begins %q, %v; want version 2's magic", magic, err)
	}
	check("compacted", f.reopen(t, s))
}

// TestGetFromAServerThatIgnoresRanges gets from a server that answers a
// ranged GET with the whole object, as HTTP allows: Get skips to the
// bytes it asked for.
func TestGetFromAServerThatIgnoresRanges(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, false)
	s, _ := f.server().newStore(t, s3store.WithMaxSegments(0))
	in := batch("ns", 0, 5000)
	if err := s.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ignored := 0
	f.setBefore(func(r *http.Request) {
		if r.Header.Get("Range") != "" {
			r.Header.Del("Range")
			mu.Lock()
			ignored++
			mu.Unlock()
		}
	})
	for _, i := range []int{0, 2500, 4999} {
		c, ok, err := s.Get(ctx, "ns", "k", in[i].Entity.ID)
		if err != nil || !ok || describe(c) != describe(in[i]) {
			t.Fatalf("Get(%s) = %s, %v, %v; want %s", in[i].Entity.ID, describe(c), ok, err, describe(in[i]))
		}
	}
	if ignored < 4 { // the end, then a block per Get
		t.Errorf("%d ranges ignored, want at least 4", ignored)
	}
}

// TestWithSegmentVersion1 writes with a store that WithSegmentVersion(1)
// keeps at the format earlier releases read, through Save and Compact,
// checks that every segment it wrote is of version 1 and ends at its end
// block, with no trailer, and reads them with a store of the default
// version, whose own compaction then writes version 2.
func TestWithSegmentVersion1(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	old, _ := f.newStore(t, s3store.WithMaxSegments(0), s3store.WithSegmentVersion(1))
	var all unionstore.Changes[storetest.Item]
	for batch := range 3 {
		var changes unionstore.Changes[storetest.Item]
		for i := range 200 {
			changes = append(changes, item("ns", fmt.Sprintf("%04d", i*3+batch), batch*1000+i))
		}
		if err := old.Save(ctx, changes); err != nil {
			t.Fatal(err)
		}
		all = append(all, changes...)
	}
	c := s3store.ClientOf(old)
	versions := func(stage string, want byte) {
		t.Helper()
		for _, key := range f.keys(t, old.Prefix()+"ns/") {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(old.Bucket()), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 8 || string(b[:7]) != "uss3seg" || b[7] != want {
				t.Errorf("%s: %s begins %q, want version %d", stage, key, b[:min(len(b), 8)], want)
			}
			if hasTrailer := bytes.HasSuffix(b, []byte("usix")); hasTrailer != (want >= 2) {
				t.Errorf("%s: %s has a trailer: %v, want %v", stage, key, hasTrailer, want >= 2)
			}
		}
	}
	versions("saved", 1)
	if err := old.Compact(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	versions("compacted", 1)
	current := f.reopen(t, old)
	expectLoad(t, current, "ns", all)
	for _, i := range []int{0, 1, 2, 299, 599} {
		id := fmt.Sprintf("%04d", i)
		if got, ok, err := current.Get(ctx, "ns", "k", id); err != nil || !ok || got.Entity.ID != id {
			t.Errorf("Get(%s) of a version 1 segment = %v, %v, %v", id, got, ok, err)
		}
	}
	if err := current.Save(ctx, unionstore.Changes[storetest.Item]{item("ns", "new", 5000)}); err != nil {
		t.Fatal(err)
	}
	if err := current.Compact(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	versions("compacted by a store of the default version", 2)
}

// TestWithSegmentVersionRefusesOthers checks that only the two versions
// this release writes are taken.
func TestWithSegmentVersionRefusesOthers(t *testing.T) {
	f := newServer(t)
	c, _ := f.client(t)
	for _, v := range []int{0, 3, -1} {
		_, err := s3store.New[storetest.Item](context.Background(), c, f.bucket, f.newPrefix(), s3store.WithSegmentVersion(v))
		if want := fmt.Sprintf("segment version %d: must be 1 or 2", v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New with WithSegmentVersion(%d) = %v, want an error saying %q", v, err, want)
		}
	}
}
