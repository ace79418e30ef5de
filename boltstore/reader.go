package boltstore

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore/backend"
)

// reader turns stored records into [backend.Record]s, keeping what it
// can reuse from one record to the next: the kind of the last key
// (records come sorted by kind, so most share it) and the buffer that
// compressed payloads are decompressed into.
type reader struct {
	kind string
	buf  []byte
}

// record returns the record stored in namespace under key k with value
// v. Its Payload aliases v, or the reader's buffer when it was
// compressed, until the next call: the caller copies it out of the
// transaction. A key or value that does not follow the layout gives a
// [backend.Damaged] record whose error wraps [ErrCorrupt], so that a read
// goes on with the others and reports it as a [unionstore.DecodeError].
func (rd *reader) record(namespace string, k, v []byte) backend.Record {
	kind, id, err := splitKey(k)
	if err != nil {
		return backend.Damaged(namespace, "", fmt.Sprintf("%q", k), err)
	}
	if string(kind) != rd.kind {
		rd.kind = string(kind)
	}
	r := backend.Record{Namespace: namespace, Kind: rd.kind, ID: string(id)}
	if v == nil {
		return backend.Damaged(namespace, r.Kind, r.ID, fmt.Errorf("%w: a bucket where a record should be", ErrCorrupt))
	}
	h, payload, buf, err := decodeValue(v, rd.buf)
	rd.buf = buf
	if err != nil {
		return backend.Damaged(namespace, r.Kind, r.ID, err)
	}
	r.Type, r.Timestamp, r.Payload = h.changeType, h.nanos(), payload
	return r
}

// arena copies payloads out of a read transaction into blocks, so that
// a Load allocates a few blocks rather than a slice per record. Blocks
// double from minBlock to maxBlock bytes, so that a read of a few records
// allocates little; a payload larger than a quarter of maxBlock gets a
// slice of its own.
type arena struct{ block []byte }

const (
	minBlock = 1 << 10
	maxBlock = 64 << 10
)

func (a *arena) copy(p []byte) []byte {
	if len(p) > maxBlock/4 {
		return bytes.Clone(p)
	}
	if cap(a.block)-len(a.block) < len(p) {
		a.block = make([]byte, 0, max(min(2*cap(a.block), maxBlock), minBlock, len(p)))
	}
	n := len(a.block)
	a.block = append(a.block, p...)
	return a.block[n:len(a.block):len(a.block)]
}

// namespaceBucket returns the bucket of namespace's records, or nil.
func namespaceBucket(tx *bolt.Tx, namespace string) *bolt.Bucket {
	records := tx.Bucket(recordsBucket)
	if records == nil || namespace == "" {
		return nil
	}
	return records.Bucket([]byte(namespace))
}
