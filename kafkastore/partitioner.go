package kafkastore

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
)

// storeRecord marks the context of the records a store produces, so that
// [Partitioner] can tell them from the client's other records.
type storeRecord struct{}

// recordContext is the context of every record a store produces.
var recordContext = context.WithValue(context.Background(), storeRecord{}, true)

// Partitioner returns a [kgo.Partitioner] for a client shared between a
// [Store] made by [New] and other producers: it sends the store's records to
// the partition of their namespace and every other record where fallback
// sends it. A nil fallback means [kgo.StickyKeyPartitioner] with Kafka's
// murmur2 hash, as the Java client does for keyed records.
//
//	client, err := kgo.NewClient(
//		kgo.SeedBrokers("localhost:9092"),
//		kgo.RecordPartitioner(kafkastore.Partitioner(nil)),
//	)
//
// A client made with [kgo.ManualPartitioner] is not accepted by [New]: the
// store cannot tell it from other partitioners.
func Partitioner(fallback kgo.Partitioner) kgo.Partitioner {
	if fallback == nil {
		fallback = kgo.StickyKeyPartitioner(nil)
	}
	return &partitioner{fallback: fallback}
}

type partitioner struct{ fallback kgo.Partitioner }

func (p *partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return &topicPartitioner{fallback: p.fallback.ForTopic(topic)}
}

type topicPartitioner struct{ fallback kgo.TopicPartitioner }

func isStoreRecord(r *kgo.Record) bool {
	return r.Context != nil && r.Context.Value(storeRecord{}) != nil
}

func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return isStoreRecord(r) || p.fallback.RequiresConsistency(r)
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	if isStoreRecord(r) {
		return int(r.Partition)
	}
	return p.fallback.Partition(r, n)
}

func (p *topicPartitioner) OnNewBatch() {
	if f, ok := p.fallback.(kgo.TopicPartitionerOnNewBatch); ok {
		f.OnNewBatch()
	}
}
