package boltstore

import (
	"context"
	"fmt"

	"github.com/unionstore/unionstore/backend"
)

// encoded is a record ready to be written.
type encoded struct {
	namespace string
	key       []byte
	header    header
	value     []byte
}

// Put encodes the records on the caller's goroutine, compressing their
// payloads if the store does, and hands them to the committer (see
// group.go), which applies them in one transaction, all or none, with
// the batches of the Puts running at the same time. A change replaces the
// stored version of its identity unless that one has a later timestamp.
func (d *driver) Put(ctx context.Context, records []backend.Record) error {
	unlock, err := d.writable()
	if err != nil {
		return err
	}
	defer unlock()
	return d.commit(ctx, d.encode(records))
}

// encode returns the records as the file stores them, each with room for
// its revision.
func (d *driver) encode(records []backend.Record) []encoded {
	out := make([]encoded, len(records))
	for i, r := range records {
		h := headerAt(r.Type, r.Timestamp)
		out[i] = encoded{namespace: r.Namespace, header: h}
		if compresses(d.compress, len(r.Payload)) {
			out[i].key, out[i].value = encodeKey(nil, r.Kind, r.ID), encodeValue(h, r.Payload, d.compress)
			continue
		}
		// A plain record and its key share one allocation.
		n := keySize(r.Kind, r.ID)
		buf := encodeKey(make([]byte, 0, n+fullHeaderSize+len(r.Payload)), r.Kind, r.ID)
		v := buf[n : n+fullHeaderSize]
		putHeader(v, recordPlain, h)
		out[i].key, out[i].value = buf[:n:n], append(v, r.Payload...)
	}
	return out
}

// CheckRecord refuses a record beyond bbolt's limits: a namespace, or a
// kind and id as encoded together, over its key limit ([ErrKeyTooLong]),
// and a record as stored over [MaxRecordSize] ([ErrValueTooLarge]).
func (d *driver) CheckRecord(r backend.Record) error {
	if len(r.Namespace) > maxKeySize {
		return fmt.Errorf("%w: namespace of %d bytes, limit %d", ErrKeyTooLong, len(r.Namespace), maxKeySize)
	}
	if n := keySize(r.Kind, r.ID); n > maxKeySize {
		return fmt.Errorf("%w: kind %.20q and id %.20q encode to %d bytes, limit %d", ErrKeyTooLong, r.Kind, r.ID, n, maxKeySize)
	}
	// A record is stored compressed only when that makes it smaller, so
	// it is encoded only when its plain size is over the limit.
	if n := fullHeaderSize + len(r.Payload); n > d.maxValue {
		if n = len(encodeValue(headerAt(r.Type, r.Timestamp), r.Payload, d.compress)); n > d.maxValue {
			return fmt.Errorf("%w: kind %.20q id %.20q stores %d bytes, limit %d", ErrValueTooLarge, r.Kind, r.ID, n, d.maxValue)
		}
	}
	return nil
}
