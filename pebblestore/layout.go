package pebblestore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// The on-disk layout, version 3. It is described for readers in doc.go;
// keep the two in step. A change to anything below that an older release
// could misread needs a new formatVersion.
//
// Version 2 writes records as merge operands (see merge.go) and keeps
// counts stale until Namespaces recounts them (see counts.go); version 1
// wrote whole records and exact counts. Version 3 adds the change feed
// (see feed.go): feed entries and floors beside the records, and the
// store's id; its records are those of version 2. A directory of version 1
// or 2 is a valid version 3 one with an empty feed, so Open upgrades it in
// place when it opens for writing. A release of version 2 refuses version
// 3 by the number: it would save without feed entries, a gap that no
// watcher could see.
const (
	formatVersion = 3
	minFormat     = 1 // the oldest version this release reads
)

// formatFile is written beside pebble's files before pebble opens a
// directory for writing. Releases of layout version 1 refuse a directory
// that holds a file they do not know before they hand it to pebble, which
// under their default merger would concatenate the merge operands of this
// layout in its first flush or compaction. Its content, the layout version,
// is for people; Open does not read it.
const formatFile = "UNIONSTORE-FORMAT"

// Every key starts with one byte that names its key range.
const (
	prefixMeta   = 0x01 // prefixMeta "format" -> decimal version
	prefixRecord = 0x02 // prefixRecord ns 0x00 kind 0x00 id -> record
	prefixCount  = 0x03 // prefixCount ns -> sets uint64, unsets uint64
	prefixMarker = 0x04 // prefixMarker ns -> stamp: the counts of ns are stale
	prefixFeed   = 0x05 // prefixFeed ns 0x00 revision -> kind 0x00 id
	prefixFloor  = 0x06 // prefixFloor ns -> floor uint64: older cursors expired
)

// formatKey holds the layout version, in ASCII decimal; idKey the store's
// id, which names it in its cursors.
var (
	formatKey = []byte("\x01format")
	idKey     = []byte("\x01id")
)

// revisionSize is the size of a revision in a feed key or value.
const revisionSize = 8

// feedEntryOverhead is what a namespace's feed entry adds to a batch
// beside its changes' identities, at most.
func feedEntryOverhead(ns string) int64 {
	return batchEntrySize(len(ns)+2+revisionSize, revisionSize) + binary.MaxVarintLen64
}

// feedKey appends the key of the feed entry of revision rev of ns to dst.
// Revisions are big-endian, so a namespace's entries sort by revision.
func feedKey(dst []byte, ns string, rev uint64) []byte {
	dst = append(dst, prefixFeed)
	dst = append(dst, ns...)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint64(dst, rev)
}

// feedBounds returns the range of the feed entries of ns after revision
// after: every key k with lower <= k < upper.
func feedBounds(ns string, after uint64) (lower, upper []byte) {
	lower = feedKey(nil, ns, after+1)
	if after == math.MaxUint64 {
		lower = feedKey(nil, ns, after)
	}
	upper = append(feedKey(nil, ns, 0)[:2+len(ns)-1], 1)
	return lower, upper
}

// floorKey returns the key of the floor of namespace ns.
func floorKey(ns string) []byte {
	k := make([]byte, 0, 1+len(ns))
	k = append(k, prefixFloor)
	return append(k, ns...)
}

// MaxKeySize is the largest encoded key of a change, in bytes: one byte,
// the namespace, a zero byte, the kind, a zero byte and the id. It is
// bbolt's key limit, so that whatever one embedded store of this module
// holds, the other can hold too; pebble itself would take longer keys, but
// every comparison and index block pays for their length.
const MaxKeySize = 32768

// keySize returns len(recordKey(nil, ns, kind, id)) without building it.
func keySize(ns, kind, id string) int { return 1 + len(ns) + 1 + len(kind) + 1 + len(id) }

// recordKey appends the key of (ns, kind, id) to dst. Identities hold no
// zero byte (unionstore.Changes.Validate refuses them), so a zero byte ends
// the namespace and the kind: it sorts below every byte they may hold, which
// orders keys bytewise by namespace, then kind, then id, and no namespace,
// kind or id can run into the next part ("ws" with kind "x:k" never meets
// "ws:x" with kind "k").
func recordKey(dst []byte, ns, kind, id string) []byte {
	dst = append(dst, prefixRecord)
	dst = append(dst, ns...)
	dst = append(dst, 0)
	dst = append(dst, kind...)
	dst = append(dst, 0)
	return append(dst, id...)
}

// namespaceBounds returns the range of record keys of namespace ns: every
// key k with lower <= k < upper.
func namespaceBounds(ns string) (lower, upper []byte) {
	lower = make([]byte, 0, len(ns)+2)
	lower = append(lower, prefixRecord)
	lower = append(lower, ns...)
	lower = append(lower, 0)
	upper = bytes.Clone(lower)
	upper[len(upper)-1] = 1
	return lower, upper
}

// splitKey splits a record key of namespace ns, whose prefix the caller has
// already matched, into kind and id.
func splitKey(k []byte, ns string) (kind, id string, err error) {
	if len(k) < len(ns)+2 || k[0] != prefixRecord || string(k[1:1+len(ns)]) != ns || k[1+len(ns)] != 0 {
		return "", "", fmt.Errorf("%w: key %q is not in namespace %q", ErrCorrupt, k, ns)
	}
	rest := k[len(ns)+2:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", "", fmt.Errorf("%w: key %q: no end of kind", ErrCorrupt, k)
	}
	kindBytes, idBytes := rest[:i], rest[i+1:]
	switch {
	case len(idBytes) == 0:
		return "", "", fmt.Errorf("%w: key %q: empty id", ErrCorrupt, k)
	case bytes.IndexByte(idBytes, 0) >= 0:
		return "", "", fmt.Errorf("%w: key %q: zero byte in id", ErrCorrupt, k)
	case !utf8.Valid(kindBytes) || !utf8.Valid(idBytes):
		return "", "", fmt.Errorf("%w: key %q: kind or id not UTF-8", ErrCorrupt, k)
	}
	// One string holds both, with the zero byte between them: one
	// allocation a record instead of two.
	both := string(rest)
	return both[:i], both[i+1:], nil
}

// countKey returns the key of the counts of namespace ns.
func countKey(ns string) []byte {
	k := make([]byte, 0, 1+len(ns))
	k = append(k, prefixCount)
	return append(k, ns...)
}

// markerKey returns the key of the stale-counts marker of namespace ns.
func markerKey(ns string) []byte {
	k := make([]byte, 0, 1+len(ns))
	k = append(k, prefixMarker)
	return append(k, ns...)
}

// Record values: version, change type (backend.TypeCode), Unix
// nanoseconds, payload.
const (
	recordVersion = 1
	headerSize    = 1 + 1 + 8
)

// header is the fixed part of a record value.
type header struct {
	changeType unionstore.ChangeType
	nanos      int64 // Unix nanoseconds; Validate keeps timestamps in range
}

func headerOf(t unionstore.ChangeType, ts time.Time) header {
	return header{changeType: t, nanos: ts.UnixNano()}
}

func (h header) time() time.Time { return time.Unix(0, h.nanos).UTC() }

// encodeValue returns the record value of a change.
func encodeValue(h header, payload []byte) []byte {
	v := make([]byte, headerSize+len(payload))
	putHeader(v, h)
	copy(v[headerSize:], payload)
	return v
}

// putValue writes the record value of r into v, of headerSize plus its
// payload's length.
func putValue(v []byte, r *backend.Record) {
	putHeader(v, header{changeType: r.Type, nanos: r.Timestamp})
	copy(v[headerSize:], r.Payload)
}

// putHeader writes h into the first headerSize bytes of v.
func putHeader(v []byte, h header) {
	v[0] = recordVersion
	v[1] = backend.TypeCode(h.changeType)
	binary.BigEndian.PutUint64(v[2:], uint64(h.nanos))
}

// decodeValue splits a record value. The payload aliases v.
func decodeValue(v []byte) (header, []byte, error) {
	var h header
	if len(v) < headerSize {
		return h, nil, fmt.Errorf("%w: value of %d bytes, shorter than the %d-byte header", ErrCorrupt, len(v), headerSize)
	}
	if v[0] != recordVersion {
		return h, nil, fmt.Errorf("%w: record version %d", ErrCorrupt, v[0])
	}
	var ok bool
	if h.changeType, ok = backend.TypeOfCode(v[1]); !ok {
		return h, nil, fmt.Errorf("%w: change type byte %d", ErrCorrupt, v[1])
	}
	h.nanos = int64(binary.BigEndian.Uint64(v[2:]))
	return h, v[headerSize:], nil
}

// clampInt returns n as an int, capped at math.MaxInt.
func clampInt(n uint64) int {
	if n > math.MaxInt {
		return math.MaxInt
	}
	return int(n)
}
