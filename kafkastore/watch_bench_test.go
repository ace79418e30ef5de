package kafkastore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch is [storetest.BenchmarkWatch]: it saves b.N single-change
// batches while a Watch of their namespace runs, and reports the delivery
// latency from Save returning to the event arriving (p50-µs, p99-µs) and
// the events per second, from the first save to the last event. Beside
// it, the same for the ceiling, a plain franz-go consumer of the
// namespace's partition whose fetches wait at the broker as long as the
// store's do, saves going through the store as well (raw-p50-µs,
// raw-p99-µs, raw-events/s).
func BenchmarkWatch(b *testing.B) {
	s := open(b, newTopic(b))
	storetest.BenchmarkWatch(b, s, storetest.PollFeed(s, rawWatch(setup(b), s)))
}

// rawWatch returns a feed that consumes the partition of a namespace of s
// from the offset of a cursor of s, through a client of its own on
// brokers, and hands over the id of each record of the namespace.
func rawWatch(brokers []string, s *kafkastore.Store[storetest.Item]) storetest.RawWatch {
	return func(ctx context.Context, namespace string, after unionstore.Cursor, arrive func(string)) error {
		// A cursor ends in the offset it resumes at.
		c := string(after)
		from, err := strconv.ParseInt(c[strings.LastIndexByte(c, ':')+1:], 10, 64)
		if err != nil {
			return fmt.Errorf("cursor %q: %w", c, err)
		}
		cl, err := kgo.NewClient(
			kgo.SeedBrokers(brokers...),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.Topic(): {kafkastore.PartitionOf(s, namespace): kgo.NewOffset().At(from)}}),
			kgo.FetchMaxWait(kafkastore.WatchWait),
		)
		if err != nil {
			return err
		}
		defer cl.Close()
		for {
			fetches := cl.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fetches.Err0(); err != nil {
				return err
			}
			fetches.EachRecord(func(r *kgo.Record) {
				if ns, _, id, err := kafkastore.KeyIdentity(r.Key); err == nil && ns == namespace {
					arrive(id)
				}
			})
		}
	}
}
