package redisstore

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/unionstore/unionstore/backend"
)

// The layout's version, the first byte of every stored value. A value of
// another version is reported as damaged, never guessed at.
const valueVersion = 1

// valueHeader is the size of a value's header: version, type and the
// timestamp as a big-endian int64.
const valueHeader = 1 + 1 + 8

// Key suffixes. The keys of a namespace share the hash tag {PREFIX:NS},
// so that they live in one cluster slot and one script may touch them all.
const (
	suffixRecords = ":rec"  // hash: member -> value
	suffixIDs     = ":ids"  // sorted set: members, all with score 0
	suffixCounts  = ":n"    // hash: "sets" and "unsets"
	suffixLog     = ":log"  // stream: the change feed's history
	suffixFeed    = ":feed" // hash: "epoch" and "seq", the feed's last position
	suffixIndex   = ":namespaces"
)

// keys are the names of a namespace's keys.
type keys struct {
	records, ids, counts, log, feed string
}

// namespaceKeys returns the keys of namespace under prefix.
func namespaceKeys(prefix, namespace string) keys {
	tag := "{" + prefix + ":" + escapeNamespace(namespace) + "}"
	return keys{records: tag + suffixRecords, ids: tag + suffixIDs, counts: tag + suffixCounts,
		log: tag + suffixLog, feed: tag + suffixFeed}
}

// indexKey returns the key of the sorted set of the namespaces under
// prefix. It has a hash tag of its own, so in a cluster it may sit in
// another slot than the namespaces it lists.
func indexKey(prefix string) string { return "{" + prefix + "}" + suffixIndex }

// escapeNamespace escapes the bytes that would end a hash tag or blur the
// line between prefix and namespace ('{', '}', ':') and '%' itself, as
// percent-encoding does, so that two namespaces never share a key and the
// whole namespace is inside the tag.
func escapeNamespace(ns string) string {
	if !strings.ContainsAny(ns, "{}:%") {
		return ns
	}
	var b strings.Builder
	b.Grow(len(ns) + 8)
	for i := 0; i < len(ns); i++ {
		switch c := ns[i]; c {
		case '{', '}', ':', '%':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// member returns the sorted set member, and the hash field, of an
// identity: kind, a NUL byte, id. Identities hold no NUL byte
// ([unionstore.Changes.Validate] refuses it), and NUL sorts below every
// other byte, so members sort by kind then id, byte by byte, even when one
// kind is a prefix of another.
func member(kind, id string) string { return kind + "\x00" + id }

// splitMember returns the kind and id of a member. A member without a NUL
// byte, which the store never writes, is all kind with an empty id.
func splitMember(m string) (kind, id string) {
	kind, id, _ = strings.Cut(m, "\x00")
	return kind, id
}

// appendValue appends the stored value of r to dst: version, type,
// timestamp, payload.
func appendValue(dst []byte, r backend.Record) []byte {
	dst = append(dst, valueVersion, backend.TypeCode(r.Type))
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.Timestamp))
	return append(dst, r.Payload...)
}

// decodeValue turns the value stored for member in namespace back into a
// record. It never panics: a value it cannot read is an error saying why.
func decodeValue(namespace, member, value string) (backend.Record, error) {
	kind, id := splitMember(member)
	r := backend.Record{Namespace: namespace, Kind: kind, ID: id}
	switch {
	case len(value) < valueHeader:
		return r, fmt.Errorf("value of %d bytes, shorter than its %d-byte header", len(value), valueHeader)
	case value[0] != valueVersion:
		return r, fmt.Errorf("value of layout version %d, want %d", value[0], valueVersion)
	}
	var ok bool
	if r.Type, ok = backend.TypeOfCode(value[1]); !ok {
		return r, fmt.Errorf("value of change type %d, want %d (set) or %d (unset)", value[1], backend.CodeSet, backend.CodeUnset)
	}
	r.Timestamp = int64(binary.BigEndian.Uint64([]byte(value[2:valueHeader])))
	r.Payload = []byte(value[valueHeader:])
	return r, nil
}

// damaged returns the record the driver yields for a value that does not
// decode, which the store reports as a [unionstore.DecodeError] naming
// the identity while it goes on with the other records.
func damaged(r backend.Record, err error) backend.Record {
	return backend.Damaged(r.Namespace, r.Kind, r.ID, fmt.Errorf("damaged value: %w", err))
}
