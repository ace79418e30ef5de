package pebblestore

import (
	"fmt"

	"github.com/unionstore/unionstore/backend"
)

// recordOf turns a stored record of namespace into a backend record, its
// payload copied into a, or pointing into v if a is nil; k and v may
// belong to pebble. A key or value that does not follow the layout gives
// a damaged record ([backend.Damaged]) whose error wraps [ErrCorrupt].
func recordOf(namespace string, k, v []byte, a *arena) backend.Record {
	kind, id, err := splitKey(k, namespace)
	if err != nil {
		return backend.Damaged(namespace, kind, fmt.Sprintf("%q", k), err)
	}
	h, payload, err := decodeValue(v)
	if err != nil {
		return backend.Damaged(namespace, kind, id, err)
	}
	if a != nil {
		payload = a.copy(payload)
	}
	return backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: h.changeType, Timestamp: h.nanos, Payload: payload}
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
