package boltstore

import (
	"context"
	"fmt"

	"github.com/unionstore/unionstore"
)

// encoded is a change ready to be written.
type encoded struct {
	namespace string
	key       []byte
	header    header
	value     []byte
}

// Save writes the batch in one bbolt transaction: all of it or none. A
// change replaces the stored version of its identity unless that one has a
// later timestamp; on equal timestamps the change saved later wins, within a
// batch too. Changes with a zero timestamp are stamped first.
//
// Nothing is written, and the error says which change failed, when the batch
// is invalid ([unionstore.ErrInvalidChange], also with [ErrKeyTooLong] or
// [ErrValueTooLarge], or when the codec cannot encode an entity: what
// [Store.Check] refuses), after Close ([unionstore.ErrClosed]), or on a store
// opened with [WithReadOnly] ([unionstore.ErrReadOnly]).
//
// Save returns once the transaction is synced to disk. Saves that run at
// the same time are committed together, several batches to one transaction
// and one sync (group commit); each batch is still applied whole or not at
// all, and a batch that fails does not fail the others. When ctx ends while
// the batch waits for its turn, it is withdrawn and Save returns an error
// wrapping ctx.Err(); once its transaction has begun, Save waits for the
// commit and reports its outcome, so an error always means the batch was
// not applied. Save is safe for concurrent use; it encodes the batch on the
// caller's goroutine.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	unlock, err := s.use(ctx)
	if err != nil {
		return fmt.Errorf("boltstore: save: %w", err)
	}
	defer unlock()
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("boltstore: save: %w", err)
	}
	if len(changes) == 0 {
		return nil
	}
	if s.db.IsReadOnly() {
		return fmt.Errorf("boltstore: save to %q: %w: opened read-only", s.path, unionstore.ErrReadOnly)
	}
	batch, err := s.encode(changes.Stamped())
	if err != nil {
		return fmt.Errorf("boltstore: save: %w", err)
	}
	if err := s.commit(ctx, batch); err != nil {
		return fmt.Errorf("boltstore: save to %q: %w", s.path, err)
	}
	return nil
}

// Check reports whether Save would accept the batch as far as the file's
// own limits go, without writing anything: nil, or an error wrapping
// [unionstore.ErrInvalidChange] and the limit's error ([ErrKeyTooLong],
// [ErrValueTooLarge]) that names the first change the file cannot hold. An
// entity that the codec cannot encode counts as such a change. Check does
// not repeat [unionstore.Changes.Validate], which a [unionstore.Union] runs
// first.
//
// Check encodes every entity, as Save does, so it costs about as much CPU
// as the encoding part of a Save; it does no I/O and is safe for concurrent
// use. Save refuses what Check refuses, with the same error, before it
// writes anything.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	if _, err := s.encode(changes); err != nil {
		return fmt.Errorf("boltstore: check: %w", err)
	}
	return nil
}

// encode checks the limits of the file and encodes every change before
// the transaction starts, so that a bad change rejects the batch without
// touching the file.
func (s *Store[E]) encode(changes unionstore.Changes[E]) ([]encoded, error) {
	out := make([]encoded, len(changes))
	for i, c := range changes {
		ns, kind, id := c.Key()
		if len(ns) > maxKeySize {
			return nil, fmt.Errorf("%w: change %d: %w: namespace of %d bytes, limit %d", unionstore.ErrInvalidChange, i, ErrKeyTooLong, len(ns), maxKeySize)
		}
		if n := keySize(kind, id); n > maxKeySize {
			return nil, fmt.Errorf("%w: change %d: %w: kind %.20q and id %.20q encode to %d bytes, limit %d", unionstore.ErrInvalidChange, i, ErrKeyTooLong, kind, id, n, maxKeySize)
		}
		payload, err := s.codec.Encode(c.Entity)
		if err != nil {
			return nil, fmt.Errorf("%w: change %d: encode kind %q id %q: %w", unionstore.ErrInvalidChange, i, kind, id, err)
		}
		h := headerOf(c.ChangeType, c.Timestamp)
		v := encodeValue(h, payload, s.compress)
		if len(v) > s.maxValue {
			return nil, fmt.Errorf("%w: change %d: %w: kind %.20q id %.20q stores %d bytes, limit %d", unionstore.ErrInvalidChange, i, ErrValueTooLarge, kind, id, len(v), s.maxValue)
		}
		out[i] = encoded{namespace: ns, key: encodeKey(nil, kind, id), header: h, value: v}
	}
	return out, nil
}

// ctxCheckEvery is how many records Load reads between looks at ctx.
const ctxCheckEvery = 1024
