package kafkastore

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
)

// Save appends the batch to the topic, one record per identity: the batch
// is compacted first (the latest change per identity, the later one on
// equal timestamps), and each record goes to the partition of its
// namespace. Save returns once every record is acknowledged by all in-sync
// replicas, through the client's idempotent producer.
//
// Nothing is sent, and the error wraps [unionstore.ErrInvalidChange] and
// names the change, when the batch fails [unionstore.Changes.Validate] or
// when [Store.Check] refuses it: a record larger than the topic allows, or
// an entity the codec cannot encode. It returns [unionstore.ErrClosed]
// after Close and an error wrapping ctx.Err() if ctx is done before
// anything is sent.
//
// When the cluster refuses a record, Save waits for the others and returns
// an error that counts the refused records and wraps the first cause, such
// as [github.com/twmb/franz-go/pkg/kerr.MessageTooLarge]. Kafka has no
// atomic write across batches and partitions without transactions, so the
// other records of a failed Save may have been written: saving the same
// batch again is harmless, since readers keep the latest change.
//
// On a compacted topic Save first reads what the partitions it writes to
// gained since it last looked, and leaves out any change older than the
// latest it knows for its identity; see the package doc.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("kafkastore: save to %q: %w", s.topic, err)
	}
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("kafkastore: save to %q: %w", s.topic, err)
	}
	if len(changes) == 0 {
		return nil
	}
	changes = changes.Stamped()
	recs, err := s.encode(changes)
	if err != nil {
		return fmt.Errorf("kafkastore: save to %q: %w", s.topic, err)
	}
	if s.guard != nil {
		err = s.guard.save(ctx, s, recs)
	} else {
		err = s.produce(ctx, recs)
	}
	if err != nil {
		return fmt.Errorf("kafkastore: save %d records to %q: %w", len(recs), s.topic, s.life.Wrap(ctx, err))
	}
	return nil
}

// Check reports whether [Store.Save] would accept the batch, which has
// passed [unionstore.Changes.Validate], without sending anything: nil, or
// an error wrapping [unionstore.ErrInvalidChange] that names the first
// change whose record's key and value together exceed
// [Store.MaxRecordBytes], or whose entity the codec cannot encode. It
// encodes every change, so it costs what the codec does; it is safe for
// concurrent use.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	var buf []byte
	for i := range changes {
		var err error
		if buf, _, err = s.appendRecord(buf[:0], i, &changes[i]); err != nil {
			return fmt.Errorf("kafkastore: check for %q: %w", s.topic, err)
		}
	}
	return nil
}

// appendRecord appends the key then the value of change i to buf, and
// returns the length of the key, or an error wrapping ErrInvalidChange if
// the store cannot hold the change.
func (s *Store[E]) appendRecord(buf []byte, i int, c *unionstore.Change[E]) ([]byte, int, error) {
	ns, kind, id := c.Key()
	payload, err := s.codec.Encode(c.Entity)
	if err != nil {
		return buf, 0, fmt.Errorf("%w: change %d (namespace %q kind %q id %q): encode: %w", unionstore.ErrInvalidChange, i, ns, kind, id, err)
	}
	start := len(buf)
	buf = appendKey(buf, ns, kind, id)
	keyLen := len(buf) - start
	buf = appendValue(buf, c.ChangeType, c.Timestamp.UnixNano(), payload)
	if len(buf)-start > s.maxRecord {
		return buf, 0, fmt.Errorf("%w: change %d (namespace %q kind %q id %q): its record of %d bytes (key and value) exceeds the topic's limit of %d",
			unionstore.ErrInvalidChange, i, ns, kind, id, len(buf)-start, s.maxRecord)
	}
	return buf, keyLen, nil
}

// encode turns a stamped batch into one record per identity, checking every
// change as [Store.Check] does. The records follow the batch's order of
// first appearance.
func (s *Store[E]) encode(changes unionstore.Changes[E]) ([]*kgo.Record, error) {
	type winner struct {
		rec *kgo.Record
		ts  int64
	}
	var (
		order []string
		byKey = make(map[string]winner, len(changes))
	)
	for i := range changes {
		c := &changes[i]
		buf, keyLen, err := s.appendRecord(nil, i, c)
		if err != nil {
			return nil, err
		}
		k := string(buf[:keyLen])
		ts := c.Timestamp.UnixNano()
		cur, seen := byKey[k]
		// The later change wins on equal timestamps, as within a batch
		// everywhere.
		if seen && ts < cur.ts {
			continue
		}
		if !seen {
			order = append(order, k)
		}
		byKey[k] = winner{ts: ts, rec: &kgo.Record{
			Topic:     s.topic,
			Partition: partitionFor(c.Namespace, s.info.partitions),
			Key:       buf[:keyLen:keyLen],
			Value:     buf[keyLen:],
			Context:   recordContext,
		}}
	}
	recs := make([]*kgo.Record, len(order))
	for i, k := range order {
		recs[i] = byKey[k].rec
	}
	return recs, nil
}

// produce sends recs and waits for every acknowledgement. It returns nil, or
// an error counting the refused records and wrapping the first cause.
func (s *Store[E]) produce(ctx context.Context, recs []*kgo.Record) error {
	if len(recs) == 0 {
		return nil
	}
	results := s.cl.ProduceSync(ctx, recs...)
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
