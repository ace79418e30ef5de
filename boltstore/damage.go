package boltstore

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Damaged records. A stored key or value that does not follow the layout
// must not stop a read: the store reports it as a
// [unionstore.DecodeError] that names it and wraps [ErrCorrupt], and goes
// on with the other records. The driver hands such a record to
// [backend.Store] as a set whose payload is damageMark followed by the
// reason, and the store's codec, wrapped by layoutCodecOf, gives the
// reason back as the decode error instead of decoding it. damageMark is
// drawn at random for the process and never written to a file, so no
// stored payload can begin with it.
var damageMark = func() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}()

// damaged returns the record for a key or value of namespace that does
// not follow the layout, err saying why.
func damaged(namespace, kind, id string, err error) backend.Record {
	payload := append(bytes.Clone(damageMark), err.Error()...)
	return backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: unionstore.ChangeTypeSet, Payload: payload}
}

// damageError is the decode error of a damaged record: its reason,
// wrapping ErrCorrupt.
type damageError struct{ reason string }

func (e *damageError) Error() string { return e.reason }
func (e *damageError) Unwrap() error { return ErrCorrupt }

// layoutCodec is the codec of a store: the checked codec of its options,
// which decodes a damaged record's payload into its damageError.
type layoutCodec[E unionstore.Entity] struct {
	unionstore.Codec[E]
}

func (c layoutCodec[E]) Decode(kind, id string, data []byte) (E, error) {
	if reason, ok := bytes.CutPrefix(data, damageMark); ok {
		var zero E
		return zero, &damageError{string(reason)}
	}
	return c.Codec.Decode(kind, id, data)
}

// layoutCodecOf returns a codec slot holding the layoutCodec of the codec
// in slot, or an error when that codec is for another entity type.
func layoutCodecOf[E unionstore.Entity](slot backend.Codec) (backend.Codec, error) {
	codec, err := backend.CodecOf[E](slot)
	if err != nil {
		return backend.Codec{}, err
	}
	var out backend.Codec
	if err := backend.SetCodec[E](&out, layoutCodec[E]{codec}); err != nil {
		return backend.Codec{}, fmt.Errorf("codec: %w", err)
	}
	return out, nil
}
