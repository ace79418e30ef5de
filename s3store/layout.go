package s3store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/unionstore/unionstore"
)

// MaxKeyBytes is the longest object key S3 accepts. A segment's key holds
// the store's prefix and the escaped namespace, so it bounds the namespace's
// length: see [Store.Check].
const MaxKeyBytes = 1024

// segmentSuffix ends the key of every segment object.
const segmentSuffix = ".seg"

// segmentNameLen is the length of a segment's name within its namespace:
// 16 hex digits of time, a dash, 16 hex digits of randomness, the suffix.
const segmentNameLen = 16 + 1 + 16 + len(segmentSuffix)

// origin identifies the Save that first wrote a change: the nanoseconds of
// [unionstore.Now] when it began, then 8 random bytes. Origins compare as
// bytes; on equal timestamps the change from the later origin wins, so
// every copy of a change sorts the same way wherever it has been compacted
// to.
type origin [16]byte

// newOrigin returns an origin later than any this process made before.
func newOrigin() origin {
	var o origin
	binary.BigEndian.PutUint64(o[:8], uint64(unionstore.Now().UnixNano()))
	_, _ = rand.Read(o[8:]) // crypto/rand.Read never fails
	return o
}

// name returns the object name of a segment written with origin o: the
// names of a namespace's segments sort as their origins do.
func (o origin) name() string {
	return hex.EncodeToString(o[:8]) + "-" + hex.EncodeToString(o[8:]) + segmentSuffix
}

// normalizePrefix returns prefix without leading or trailing slashes, with
// one slash appended when it is not empty.
func normalizePrefix(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return ""
	}
	return prefix + "/"
}

// escapeNamespace returns namespace as one path element of a key: ASCII
// letters, digits, '-', '_' and '~' are kept, every other byte is written
// as %XX. The escaping keeps '/' out of the element and keeps keys free of
// the dot segments and characters that HTTP clients or servers rewrite.
func escapeNamespace(namespace string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(namespace))
	for i := 0; i < len(namespace); i++ {
		c := namespace[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// unescapeNamespace reverses escapeNamespace. It refuses anything
// escapeNamespace cannot have written.
func unescapeNamespace(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if escapeNamespace(string(c)) != string(c) {
				return "", fmt.Errorf("unescaped byte %q", c)
			}
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("truncated escape at %d", i)
		}
		v, err := hex.DecodeString(s[i+1 : i+3])
		if err != nil || strings.ToUpper(s[i+1:i+3]) != s[i+1:i+3] {
			return "", fmt.Errorf("bad escape %q", s[i:i+3])
		}
		b.WriteByte(v[0])
		i += 2
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("empty namespace")
	}
	return b.String(), nil
}

// namespacePrefix returns the key prefix of namespace's segments.
func (s *Store[E]) namespacePrefix(namespace string) string {
	return s.prefix + escapeNamespace(namespace) + "/"
}
