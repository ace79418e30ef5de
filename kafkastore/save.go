package kafkastore

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Put appends one Kafka record per record to the topic, each to the
// partition of its namespace, and returns once every one is acknowledged
// by all in-sync replicas, through the client's idempotent producer.
// Readers keep the latest change of each identity whatever the order of
// the records, so Put needs no condition in the engine.
//
// When the cluster refuses a record, Put waits for the others and returns
// an error that counts the refused records and wraps the first cause, such
// as [github.com/twmb/franz-go/pkg/kerr.MessageTooLarge]. Kafka has no
// atomic write across batches and partitions without transactions, so the
// other records of a failed Put may have been written: saving the same
// batch again is harmless.
//
// On a compacted topic Put first reads what the partitions it writes to
// gained since it last looked, and leaves out any record older than the
// latest it knows for its identity; see the package doc.
func (d *driver) Put(ctx context.Context, records []backend.Record) error {
	recs := d.kafkaRecords(records)
	if d.guard != nil {
		return d.guard.save(ctx, d, recs)
	}
	return d.produce(ctx, recs)
}

// kafkaRecords returns the Kafka records of records, whose keys and values
// share one buffer, as the records do one array.
func (d *driver) kafkaRecords(records []backend.Record) []*kgo.Record {
	size := 0
	for _, r := range records {
		size += recordSize(r)
	}
	buf := make([]byte, 0, size)
	slab := make([]kgo.Record, len(records))
	recs := make([]*kgo.Record, len(records))
	var (
		part int32
		ns   string
	)
	for i, r := range records {
		if i == 0 || r.Namespace != ns {
			// The records come sorted by namespace.
			part, ns = partitionFor(r.Namespace, d.info.partitions), r.Namespace
		}
		start := len(buf)
		buf = appendKey(buf, r.Namespace, r.Kind, r.ID)
		keyEnd := len(buf)
		buf = appendValue(buf, r.Type, r.Timestamp, r.Payload)
		slab[i] = kgo.Record{
			Topic:     d.topic,
			Partition: part,
			Key:       buf[start:keyEnd:keyEnd],
			Value:     buf[keyEnd:len(buf):len(buf)],
			Context:   recordContext,
		}
		recs[i] = &slab[i]
	}
	return recs
}

// produce sends recs and waits for every acknowledgement. It returns nil, or
// an error counting the refused records and wrapping the first cause.
func (d *driver) produce(ctx context.Context, recs []*kgo.Record) error {
	if len(recs) == 0 {
		return nil
	}
	results := d.cl.ProduceSync(ctx, recs...)
	var (
		first   error
		refused int
	)
	for _, r := range results {
		if r.Err != nil {
			refused++
			if first == nil {
				first = r.Err
			}
		}
	}
	if first == nil {
		return nil
	}
	if errors.Is(first, kgo.ErrClientClosed) {
		first = fmt.Errorf("%w: %w", unionstore.ErrClosed, first)
	}
	return fmt.Errorf("%d of %d records refused: %w", refused, len(recs), first)
}
