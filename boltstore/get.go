package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
)

// Get returns the latest change of the identity (namespace, kind, id), a
// tombstone included, and true; or a zero change and false when the file
// holds nothing for it. It is one key lookup in one read transaction: its
// cost grows with the logarithm of the namespace's size, not with the size.
//
// A record that does not decode gives a [unionstore.DecodeError] naming the
// identity; a damaged page gives an error wrapping [ErrCorrupt]. Get returns
// an error wrapping ctx.Err() when ctx is done before it starts, and
// [unionstore.ErrClosed] after Close. It is safe for concurrent use.
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	var ch unionstore.Change[E]
	unlock, err := s.use(ctx)
	if err != nil {
		return ch, false, fmt.Errorf("boltstore: get %q %q %q: %w", namespace, kind, id, err)
	}
	defer unlock()
	if len(namespace) > maxKeySize || keySize(kind, id) > maxKeySize {
		return ch, false, nil // Save refuses such keys, so none is stored
	}
	key := encodeKey(nil, kind, id)
	found := false
	err = contain(s.path, "get", func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			b := namespaceBucket(tx, namespace)
			if b == nil {
				return nil
			}
			v := b.Get(key)
			if v == nil {
				return nil
			}
			var buf []byte
			c, err := s.decode(namespace, key, v, &buf)
			if err != nil {
				return err
			}
			ch, found = c, true
			return nil
		})
	})
	if err != nil {
		return unionstore.Change[E]{}, false, fmt.Errorf("boltstore: get %q %q %q from %q: %w", namespace, kind, id, s.path, err)
	}
	return ch, found, nil
}
