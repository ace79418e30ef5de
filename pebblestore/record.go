package pebblestore

import (
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// recordOf turns a stored record of namespace into a backend record, its
// payload copied into a; k and v may belong to pebble. A key or value that
// does not follow the layout gives a damaged record.
func recordOf(namespace string, k, v []byte, a *arena) backend.Record {
	kind, id, err := splitKey(k, namespace)
	if err != nil {
		return damaged(namespace, kind, fmt.Sprintf("%q", k), err)
	}
	h, payload, err := decodeValue(v)
	if err != nil {
		return damaged(namespace, kind, id, err)
	}
	return backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: h.changeType, Timestamp: h.nanos, Payload: a.copy(payload)}
}

// damaged returns the record of an identity whose stored form does not
// follow the layout: its change type, which no change has, is the reason,
// so that the store reports the record as undecodable, saying why, and
// goes on with the others.
func damaged(namespace, kind, id string, err error) backend.Record {
	return backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: unionstore.ChangeType(err.Error())}
}

// arena holds the payloads of records read together, in chunks of
// growing size, so that they take few allocations and no copying as they
// grow.
type arena struct{ buf []byte }

// Chunk sizes of an arena: the first, and the most it grows to.
const (
	arenaFirst = 1 << 10
	arenaMax   = 1 << 20
)

// copy returns a copy of v in a.
func (a *arena) copy(v []byte) []byte {
	if cap(a.buf)-len(a.buf) < len(v) {
		a.buf = make([]byte, 0, max(min(2*cap(a.buf), arenaMax), arenaFirst, len(v)))
	}
	n := len(a.buf)
	a.buf = append(a.buf, v...)
	return a.buf[n:len(a.buf):len(a.buf)]
}

// reset lets a reuse its last chunk, overwriting what it held.
func (a *arena) reset() { a.buf = a.buf[:0] }
