package kafkastore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// The record layout, format version 1 (see the package doc).
const (
	keyVersion   byte = 1
	valueVersion byte = 1

	// valueHeader is the size of a value before the payload: version,
	// change type (backend.TypeCode), timestamp.
	valueHeader = 1 + 1 + 8
)

// appendKey appends the record key of (namespace, kind, id) to b.
func appendKey(b []byte, namespace, kind, id string) []byte {
	return appendIdentity(appendPrefix(b, namespace), kind, id)
}

// appendIdentity appends the part of a record key after its namespace's
// prefix, which names (kind, id) within the namespace.
func appendIdentity(b []byte, kind, id string) []byte {
	b = binary.AppendUvarint(b, uint64(len(kind)))
	b = append(b, kind...)
	return append(b, id...)
}

// appendPrefix appends the part of a record key that names namespace: every
// key of the namespace, and no other, starts with it.
func appendPrefix(b []byte, namespace string) []byte {
	b = append(b, keyVersion)
	b = binary.AppendUvarint(b, uint64(len(namespace)))
	return append(b, namespace...)
}

// errKeyVersion is returned for a key of another format version.
var errKeyVersion = errors.New("unknown key format version")

// decodeKey returns the identity a record key names. It returns an error for
// a key of another version or one cut short; it never panics.
func decodeKey(b []byte) (namespace, kind, id string, err error) {
	if len(b) == 0 {
		return "", "", "", errors.New("empty key")
	}
	if b[0] != keyVersion {
		return "", "", "", fmt.Errorf("%w %d", errKeyVersion, b[0])
	}
	rest := b[1:]
	ns, rest, err := readString(rest)
	if err != nil {
		return "", "", "", fmt.Errorf("key namespace: %w", err)
	}
	k, rest, err := readString(rest)
	if err != nil {
		return "", "", "", fmt.Errorf("key kind: %w", err)
	}
	if len(rest) == 0 {
		return "", "", "", errors.New("key has an empty id")
	}
	return ns, k, string(rest), nil
}

// readString reads a uvarint length and that many bytes.
func readString(b []byte) (string, []byte, error) {
	w, n, err := readLength(b)
	if err != nil {
		return "", nil, err
	}
	return string(b[w : w+n]), b[w+n:], nil
}

// readLength reads the uvarint length that starts b, and returns its width
// and value, checking that that many bytes follow it.
func readLength(b []byte) (w, n int, err error) {
	v, w := binary.Uvarint(b)
	if w <= 0 {
		return 0, 0, errors.New("bad length")
	}
	// Only the shortest encoding is accepted, so that one identity has one
	// key.
	if w != uvarintLen(int(v)) || int(v) < 0 {
		return 0, 0, errors.New("length not in its shortest encoding")
	}
	if v > uint64(len(b)-w) {
		return 0, 0, fmt.Errorf("length %d past the end (%d bytes left)", v, len(b)-w)
	}
	return w, int(v), nil
}

// checkIdentity returns nil when rest, a key after its namespace's prefix,
// holds a kind and a non-empty id, and otherwise the error decodeKey
// gives. Unlike decodeKey, it allocates nothing.
func checkIdentity(rest []byte) error {
	w, n, err := readLength(rest)
	if err != nil {
		return fmt.Errorf("key kind: %w", err)
	}
	if w+n == len(rest) {
		return errors.New("key has an empty id")
	}
	return nil
}

// identityOf returns the kind and id of rest, a key after its namespace's
// prefix that checkIdentity accepted, as parts of rest.
func identityOf(rest string) (kind, id string) {
	var n, shift, w int
	for ; ; w++ {
		c := rest[w]
		n |= int(c&0x7f) << shift
		shift += 7
		if c < 0x80 {
			break
		}
	}
	w++
	return rest[w : w+n], rest[w+n:]
}

// appendValue appends the record value of a change to b.
func appendValue(b []byte, t unionstore.ChangeType, ts int64, payload []byte) []byte {
	b = append(b, valueVersion, backend.TypeCode(t))
	b = binary.BigEndian.AppendUint64(b, uint64(ts))
	return append(b, payload...)
}

// decodeValue returns what a record value holds. The payload aliases b. It
// returns an error for a null or short value, another version or an unknown
// change type; it never panics.
func decodeValue(b []byte) (t unionstore.ChangeType, ts int64, payload []byte, err error) {
	switch {
	case b == nil:
		return "", 0, nil, errors.New("null value (a Kafka tombstone, which this store never writes)")
	case len(b) < valueHeader:
		return "", 0, nil, fmt.Errorf("value of %d bytes, shorter than its %d-byte header", len(b), valueHeader)
	case b[0] != valueVersion:
		return "", 0, nil, fmt.Errorf("unknown value format version %d", b[0])
	}
	var ok bool
	if t, ok = backend.TypeOfCode(b[1]); !ok {
		return "", 0, nil, fmt.Errorf("unknown change type %d", b[1])
	}
	return t, int64(binary.BigEndian.Uint64(b[2:10])), b[valueHeader:], nil
}

// partitionFor returns the partition that holds namespace: the 32-bit
// FNV-1a hash of its bytes modulo the number of partitions.
func partitionFor(namespace string, partitions int32) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(namespace))
	return int32(h.Sum32() % uint32(partitions))
}
