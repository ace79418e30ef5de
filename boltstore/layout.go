package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"
	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// The on-disk layout, version 4. It is described for readers in doc.go;
// keep the two in step. A change to anything below that an older release
// could misread needs a new format version.
//
// Version 2 added zstd-compressed records (recordCompressed), version 3
// S2-compressed ones (recordS2), version 4 the change feed: records that
// carry their revision (revisionFlag), the feed and revisions buckets and
// the store's id. Every writable open raises a file to version 4, since
// every save from then on writes revisions and feed entries that an older
// release would not keep up to date; a file opened read-only keeps its
// version.
const (
	formatPlain      = 1 // records are recordPlain only
	formatCompressed = 2 // records may also be recordCompressed
	formatS2         = 3 // records may also be recordS2
	formatFeed       = 4 // records may carry a revision; feed buckets kept
)

var (
	metaBucket      = []byte("meta")      // formatKey -> decimal version, idKey -> store id
	recordsBucket   = []byte("records")   // namespace -> bucket of key(kind, id) -> record; feedName(namespace) -> its feed
	countsBucket    = []byte("counts")    // namespace -> sets uint64, unsets uint64
	revisionsBucket = []byte("revisions") // namespace -> revision uint64, floor uint64
	formatKey       = []byte("format")
	idKey           = []byte("id")
)

// maxKeySize is bbolt's limit for keys and bucket names.
const maxKeySize = 32768

// Record values: version, change type (backend.TypeCode), seconds,
// nanoseconds, the revision if the version has revisionFlag, payload.
const (
	recordPlain      = 1 // the payload as the codec encoded it
	recordCompressed = 2 // the payload as one zstd frame
	recordS2         = 3 // the payload as one S2 block
	revisionFlag     = 0x80
	headerSize       = 1 + 1 + 8 + 4
	revisionSize     = 8
	// fullHeaderSize is the header of a record that Save writes: with the
	// revision.
	fullHeaderSize = headerSize + revisionSize
)

// encodeKey returns the bbolt key of (kind, id). The kind is escaped (a zero
// byte becomes 0x00 0xFF) and ended by 0x00 0x01, then the id follows as it
// is. The escaped kind is never a prefix of another escaped kind, and the
// terminator sorts below every escaped byte, so keys sort bytewise by kind
// and then by id, and ("a", "bx") cannot meet ("ab", "x").
func encodeKey(dst []byte, kind, id string) []byte {
	for i := 0; i < len(kind); i++ {
		if kind[i] == 0 {
			dst = append(dst, 0, 0xFF)
			continue
		}
		dst = append(dst, kind[i])
	}
	dst = append(dst, 0, 1)
	return append(dst, id...)
}

// keySize returns len(encodeKey(nil, kind, id)) without building it.
func keySize(kind, id string) int {
	return len(kind) + strings.Count(kind, "\x00") + 2 + len(id)
}

// decodeKey splits a key made by encodeKey.
func decodeKey(k []byte) (kind, id string, err error) {
	kb, ib, err := splitKey(k)
	if err != nil {
		return "", "", err
	}
	return string(kb), string(ib), nil
}

// splitKey splits a key made by encodeKey into the kind and the id. The
// id aliases k, and so does the kind unless it holds a zero byte.
func splitKey(k []byte) (kind, id []byte, err error) {
	// Up to its first zero byte, the key is the kind as it is: when that
	// byte begins the terminator, nothing was escaped.
	if i := bytes.IndexByte(k, 0); i >= 0 && i+1 < len(k) && k[i+1] == 1 {
		return k[:i], k[i+2:], nil
	}
	var b []byte
	for i := 0; i < len(k); i++ {
		if k[i] != 0 {
			b = append(b, k[i])
			continue
		}
		if i+1 == len(k) {
			break
		}
		switch k[i+1] {
		case 0xFF:
			b = append(b, 0)
			i++
		case 1:
			return b, k[i+2:], nil
		default:
			return nil, nil, fmt.Errorf("%w: key %q: bad escape byte %#x", ErrCorrupt, k, k[i+1])
		}
	}
	return nil, nil, fmt.Errorf("%w: key %q: no end of kind", ErrCorrupt, k)
}

// header is the fixed part of a record value.
type header struct {
	changeType unionstore.ChangeType
	sec        int64
	nsec       uint32
	rev        uint64 // 0 for a record written before format 4
}

func (h header) time() time.Time { return time.Unix(h.sec, int64(h.nsec)).UTC() }

// nanos returns the header's time in nanoseconds since the Unix epoch.
func (h header) nanos() int64 { return h.sec*1e9 + int64(h.nsec) }

// headerAt returns the header of a change of type t at ts nanoseconds
// since the Unix epoch.
func headerAt(t unionstore.ChangeType, ts int64) header {
	sec, nsec := ts/1e9, ts%1e9
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	return header{changeType: t, sec: sec, nsec: uint32(nsec)}
}

// newer reports whether h is strictly later than o.
func (h header) newer(o header) bool {
	return h.sec > o.sec || (h.sec == o.sec && h.nsec > o.nsec)
}

func headerOf(t unionstore.ChangeType, ts time.Time) header {
	return header{changeType: t, sec: ts.Unix(), nsec: uint32(ts.Nanosecond())}
}

// compression is how a store writes payloads: recordCompressed (zstd),
// recordS2, or anything else for not compressed.
type compression = byte

// encodeValue returns the record of a change with header h and payload,
// with room for its revision, which setRevision fills in when the change
// is applied. With c recordCompressed or recordS2, a payload of
// minCompressed to maxCompressed bytes is stored compressed that way when
// that is smaller.
func encodeValue(h header, payload []byte, c compression) []byte {
	if compresses(c, len(payload)) {
		var v []byte
		if c == recordS2 {
			v = make([]byte, fullHeaderSize+s2.MaxEncodedLen(len(payload)))
			v = v[:fullHeaderSize+len(s2.Encode(v[fullHeaderSize:], payload))]
		} else {
			v = zstdEncoder().EncodeAll(payload, make([]byte, fullHeaderSize, fullHeaderSize+len(payload)))
		}
		if len(v) < fullHeaderSize+len(payload) {
			putHeader(v, c, h)
			return v
		}
	}
	v := make([]byte, fullHeaderSize, fullHeaderSize+len(payload))
	putHeader(v, recordPlain, h)
	return append(v, payload...)
}

// compresses reports whether a payload of n bytes is tried compressed
// with c.
func compresses(c compression, n int) bool {
	return (c == recordCompressed || c == recordS2) && n >= minCompressed && n <= maxCompressed
}

// putHeader writes the header of a record with a revision.
func putHeader(v []byte, version byte, h header) {
	v[0] = version | revisionFlag
	v[1] = backend.TypeCode(h.changeType)
	binary.BigEndian.PutUint64(v[2:], uint64(h.sec))
	binary.BigEndian.PutUint32(v[10:], h.nsec)
	binary.BigEndian.PutUint64(v[headerSize:], h.rev)
}

// setRevision writes rev into a record made by encodeValue.
func setRevision(v []byte, rev uint64) { binary.BigEndian.PutUint64(v[headerSize:], rev) }

// decodeValue splits a record value into its header and payload. The
// payload aliases v, or buf when it was compressed: buf is grown as needed
// and returned for reuse.
func decodeValue(v, buf []byte) (h header, payload, newBuf []byte, err error) {
	h, err = decodeHeader(v)
	if err != nil {
		return h, nil, buf, err
	}
	body := v[headerSize:]
	if v[0]&revisionFlag != 0 {
		body = v[fullHeaderSize:]
	}
	switch v[0] &^ revisionFlag {
	case recordPlain:
		return h, body, buf, nil
	case recordS2:
		payload, err = decodeS2(body, buf)
	default:
		payload, err = zstdDecoder().DecodeAll(body, buf[:0])
	}
	if err != nil {
		return h, nil, buf, fmt.Errorf("%w: compressed payload: %w", ErrCorrupt, err)
	}
	return h, payload, payload, nil
}

// decodeHeader reads the fixed part of a record value.
func decodeHeader(v []byte) (header, error) {
	var h header
	if len(v) < headerSize {
		return h, fmt.Errorf("%w: value of %d bytes, shorter than the %d-byte header", ErrCorrupt, len(v), headerSize)
	}
	if version := v[0] &^ revisionFlag; version != recordPlain && version != recordCompressed && version != recordS2 {
		return h, fmt.Errorf("%w: record version %d", ErrCorrupt, v[0])
	}
	if v[0]&revisionFlag != 0 {
		if len(v) < fullHeaderSize {
			return h, fmt.Errorf("%w: value of %d bytes, shorter than the %d-byte header with a revision", ErrCorrupt, len(v), fullHeaderSize)
		}
		h.rev = binary.BigEndian.Uint64(v[headerSize:])
	}
	var ok bool
	if h.changeType, ok = backend.TypeOfCode(v[1]); !ok {
		return h, fmt.Errorf("%w: change type byte %d", ErrCorrupt, v[1])
	}
	h.sec = int64(binary.BigEndian.Uint64(v[2:]))
	h.nsec = binary.BigEndian.Uint32(v[10:])
	if h.nsec >= 1e9 {
		return h, fmt.Errorf("%w: nanoseconds %d out of range", ErrCorrupt, h.nsec)
	}
	if t := h.time(); t.Before(unionstore.MinTimestamp) || t.After(unionstore.MaxTimestamp) {
		return h, fmt.Errorf("%w: timestamp %d.%09d outside the range a change may hold", ErrCorrupt, h.sec, h.nsec)
	}
	return h, nil
}

// revisions is the value of a namespace in the revisions bucket: the
// revision of its latest change or purge, and the floor, below which its
// cursors expired.
type revisions struct{ rev, floor uint64 }

func decodeRevisions(v []byte) revisions {
	if len(v) != 16 {
		return revisions{}
	}
	return revisions{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])}
}

func (r revisions) encode() []byte {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, r.rev)
	binary.BigEndian.PutUint64(v[8:], r.floor)
	return v
}

// feedName returns the name of the feed bucket of namespace, in the
// records bucket beside the namespace's records: a zero byte and the
// namespace, which no namespace is, since namespaces hold no zero byte.
// Beside the records, a save dirties no page of another top-level bucket
// for its feed.
func feedName(namespace string) []byte {
	return append([]byte{0}, namespace...)
}

// revisionKey returns the key of a feed entry: the revision, big-endian,
// so that entries sort in revision order.
func revisionKey(rev uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, revisionSize), rev)
}

// MaxRecordSize is the largest stored record: the 14-byte header and the
// payload as encoded (and possibly compressed) together. It is bbolt's
// limit for a value.
const MaxRecordSize = bolt.MaxValueSize
