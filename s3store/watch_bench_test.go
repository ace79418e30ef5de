package s3store_test

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// benchID finds the identity of a change of BenchmarkWatch in a
// segment's bytes.
var benchID = regexp.MustCompile(`id(-?[0-9]{6,7})`)

// BenchmarkWatch saves b.N single-change batches, one after the other, to
// the in-process server, while a Watch of the namespace and, as the
// ceiling, a plain loop that lists the namespace after the last key it
// saw and GETs each new object, both at the same poll interval, run. It
// reports for each the delivery latency from Save returning to the event
// arriving (median and 99th percentile; an event that arrives before its
// Save returns counts as 0) and the events per second from the first Save
// to the last event. Automatic compaction is off, so that the plain loop
// finds every segment.
func BenchmarkWatch(b *testing.B) {
	for _, poll := range []time.Duration{100 * time.Millisecond, s3store.DefaultPollInterval} {
		b.Run(fmt.Sprint("poll=", poll), func(b *testing.B) { benchmarkWatch(b, poll) })
	}
}

func benchmarkWatch(b *testing.B, poll time.Duration) {
	ctx := context.Background()
	f := newFakeS3(b, false).server()
	s, _ := f.newStore(b, s3store.WithMaxSegments(0), s3store.WithPollInterval(poll))
	const ns = "bench"
	n := b.N
	change := func(i int) unionstore.Change[storetest.Item] {
		return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: storetest.Item{Kind: "k", ID: fmt.Sprintf("id%07d", i), Value: "v"}, Timestamp: at(i + 1)}
	}
	index := func(id string) int {
		i, _ := strconv.Atoi(id[2:])
		return i
	}
	_, cursor, err := s.Snapshot(ctx, ns)
	if err != nil {
		b.Fatal(err)
	}
	var (
		saved   = make([]time.Time, n)
		watched = make([]time.Time, n)
		rawSeen = make([]time.Time, n)
		warm    sync.WaitGroup // both readers saw the warm-up change
		readers sync.WaitGroup
	)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	warm.Add(2)
	readers.Go(func() {
		seen := map[int]bool{}
		for ev, err := range s.Watch(wctx, ns, cursor) {
			if err != nil {
				b.Errorf("Watch after %d events: %v", len(seen), err)
				return
			}
			i := index(ev.Change.Entity.ID)
			if seen[i] { // a repeat of the watch window
				continue
			}
			seen[i] = true
			if i < 0 {
				warm.Done()
			} else {
				watched[i] = time.Now()
			}
			if len(seen) == n+1 {
				return
			}
		}
	})
	readers.Go(func() {
		c := s3store.ClientOf(s)
		prefix := s.Prefix() + ns + "/"
		last := ""
		for got := 0; got < n+1; {
			in := &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket()), Prefix: aws.String(prefix)}
			if last != "" {
				in.StartAfter = aws.String(last)
			}
			out, err := c.ListObjectsV2(wctx, in)
			if err != nil {
				b.Errorf("raw feed after %d objects: %v", got, err)
				return
			}
			for _, o := range out.Contents {
				last = aws.ToString(o.Key)
				obj, err := c.GetObject(wctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket()), Key: o.Key})
				if err != nil {
					b.Errorf("raw feed: %v", err)
					return
				}
				data, err := io.ReadAll(obj.Body)
				obj.Body.Close()
				if err != nil {
					b.Errorf("raw feed: %v", err)
					return
				}
				now := time.Now()
				m := benchID.FindSubmatch(data)
				if m == nil {
					b.Errorf("raw feed: no identity in %s", last)
					return
				}
				if i := index("id" + string(m[1])); i < 0 {
					warm.Done()
				} else {
					rawSeen[i] = now
				}
				got++
			}
			if aws.ToBool(out.IsTruncated) {
				continue
			}
			select {
			case <-wctx.Done():
				b.Error(wctx.Err())
				return
			case <-time.After(poll):
			}
		}
	})
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{change(-1)}); err != nil {
		b.Fatal(err)
	}
	warm.Wait()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range n {
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{change(i)}); err != nil {
			b.Fatalf("Save %d: %v", i, err)
		}
		saved[i] = time.Now()
	}
	readers.Wait()
	b.StopTimer()
	if b.Failed() {
		return
	}
	report := func(prefix string, seen []time.Time) {
		lat := make([]time.Duration, n)
		last := start
		for i := range n {
			lat[i] = max(seen[i].Sub(saved[i]), 0)
			if seen[i].After(last) {
				last = seen[i]
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[n/2].Microseconds()), prefix+"p50-µs")
		b.ReportMetric(float64(lat[min(n-1, n*99/100)].Microseconds()), prefix+"p99-µs")
		b.ReportMetric(float64(n)/last.Sub(start).Seconds(), prefix+"events/s")
	}
	report("", watched)
	report("raw-", rawSeen)
}
