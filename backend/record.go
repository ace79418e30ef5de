package backend

import (
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

// Record is one change as a [Driver] keeps it: the change's identity, its
// type and timestamp, and its entity encoded by the store's codec. The
// payload of an unset holds its entity too, as for a set.
type Record struct {
	Namespace, Kind, ID string
	Type                unionstore.ChangeType
	// Timestamp is the change's time in nanoseconds since the Unix epoch:
	// the whole range of [unionstore.MinTimestamp] to
	// [unionstore.MaxTimestamp] fits in an int64.
	Timestamp int64
	Payload   []byte
	// Err, when not nil, says why the driver could not read the record it
	// stored for this identity (a damaged value, a checksum that does not
	// match): [Store] reports the record as undecodable, in a
	// [*unionstore.DecodeError] wrapping Err, with the other records of
	// the read. Such a record may stand beside a readable one of its
	// identity, such as an older version the engine still holds.
	Err error
}

// Damaged returns the record a driver yields for the identity whose
// stored form it could not read, for the reason err: see [Record.Err].
func Damaged(namespace, kind, id string, err error) Record {
	return Record{Namespace: namespace, Kind: kind, ID: id, Err: err}
}

// Newer reports whether r replaces old under last-write-wins: a later
// timestamp, or the same one (the record written later wins a tie). A
// driver whose engine cannot compare on its own uses it under a lock.
func (r Record) Newer(old Record) bool { return r.Timestamp >= old.Timestamp }

// TypeOf returns the change type that b, an engine's stored bytes,
// spells, without allocating for the two valid ones; any other value is
// kept as it is, for [Decode] to report.
func TypeOf(b []byte) unionstore.ChangeType {
	switch string(b) {
	case string(unionstore.ChangeTypeSet):
		return unionstore.ChangeTypeSet
	case string(unionstore.ChangeTypeUnset):
		return unionstore.ChangeTypeUnset
	}
	return unionstore.ChangeType(b)
}

// The bytes that stand for a change's type in the binary layouts of the
// backends (bolt, pebble, Redis, Kafka and SQLite store them): part of
// their stored formats, so they never change.
const (
	CodeSet   byte = 1
	CodeUnset byte = 2
)

// TypeCode returns the byte that stands for t in a binary layout:
// [CodeUnset] for an unset, [CodeSet] for a set (a stored change is
// validated, so it is one of the two).
func TypeCode(t unionstore.ChangeType) byte {
	if t == unionstore.ChangeTypeUnset {
		return CodeUnset
	}
	return CodeSet
}

// TypeOfCode returns the change type that b stands for in a binary
// layout, and false for a byte that is neither [CodeSet] nor [CodeUnset],
// which a driver reports as damage.
func TypeOfCode(b byte) (unionstore.ChangeType, bool) {
	switch b {
	case CodeSet:
		return unionstore.ChangeTypeSet, true
	case CodeUnset:
		return unionstore.ChangeTypeUnset, true
	}
	return "", false
}

// Unset reports whether r is a tombstone.
func (r Record) Unset() bool { return r.Type == unionstore.ChangeTypeUnset }

// encode turns one validated, stamped change into a record.
func encode[E unionstore.Entity](codec unionstore.Codec[E], c unionstore.Change[E]) (Record, error) {
	ns, kind, id := c.Key()
	payload, err := codec.Encode(c.Entity)
	if err != nil {
		return Record{}, fmt.Errorf("encode: %w", err)
	}
	return Record{Namespace: ns, Kind: kind, ID: id, Type: c.ChangeType, Timestamp: c.Timestamp.UnixNano(), Payload: payload}, nil
}

// Decode turns a record read back into a change, checking that its
// payload decodes to the entity it was stored under; every error is a
// [*unionstore.DecodeError]. [Store] calls it for every record; a driver's
// tests may call it to fuzz its own decoding without a server.
func Decode[E unionstore.Entity](codec unionstore.Codec[E], r Record) (unionstore.Change[E], error) {
	if r.Err != nil {
		return unionstore.Change[E]{}, &unionstore.DecodeError{Namespace: r.Namespace, Kind: r.Kind, ID: r.ID, Err: r.Err}
	}
	if r.Type != unionstore.ChangeTypeSet && r.Type != unionstore.ChangeTypeUnset {
		return unionstore.Change[E]{}, &unionstore.DecodeError{Namespace: r.Namespace, Kind: r.Kind, ID: r.ID,
			Err: fmt.Errorf("unknown change type %q", r.Type)}
	}
	e, err := unionstore.DecodeEntity(codec, r.Namespace, r.Kind, r.ID, r.Payload)
	if err != nil {
		return unionstore.Change[E]{}, err
	}
	return unionstore.Change[E]{
		Namespace:  r.Namespace,
		ChangeType: r.Type,
		Entity:     e,
		Timestamp:  time.Unix(0, r.Timestamp).UTC(),
	}, nil
}
