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
// length: see [driver.CheckRecord].
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
	b.Grow(escapedLen(namespace))
	for i := 0; i < len(namespace); i++ {
		c := namespace[i]
		if unescaped(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// unescaped reports whether escapeNamespace keeps c as it is.
func unescaped(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '~'
}

// escapedLen returns len(escapeNamespace(namespace)) without building it.
func escapedLen(namespace string) int {
	n := len(namespace)
	for i := 0; i < len(namespace); i++ {
		if !unescaped(namespace[i]) {
			n += 2
		}
	}
	return n
}

// unescapeNamespace reverses escapeNamespace. It refuses anything
// escapeNamespace cannot have written.
func unescapeNamespace(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if !unescaped(c) {
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
func (d *driver) namespacePrefix(namespace string) string {
	return d.prefix + escapeNamespace(namespace) + "/"
}

// markerSuffix ends the key of a purge marker: an empty object that
// Purge and PurgeTombstones leave in the namespace, named
// like a segment, so that watchers listing the namespace meet it in time
// order and expire (see watch.go).
const markerSuffix = ".purge"

// listed is an object of a namespace as a listing names it.
type listed struct {
	key    string
	time   int64 // the writer's clock in its name, Unix nanoseconds
	marker bool  // a purge marker, not a segment
}

// parseName returns what the name of a segment or purge marker, the part
// of its key after the namespace's prefix, says, and false for a name the
// store did not write.
func parseName(name string) (t int64, marker bool, ok bool) {
	switch {
	case isSegmentName(name):
	case strings.HasSuffix(name, markerSuffix) && isSegmentName(strings.TrimSuffix(name, markerSuffix)+segmentSuffix):
		marker = true
	default:
		return 0, false, false
	}
	b, err := hex.DecodeString(name[:16])
	if err != nil {
		return 0, false, false
	}
	return int64(binary.BigEndian.Uint64(b)), marker, true
}

// originAfter returns a new origin whose time is later than t, so that
// its name sorts after every name of time t or less, whatever the clocks
// of the writers of those names said.
func originAfter(t int64) origin {
	o := newOrigin()
	if int64(binary.BigEndian.Uint64(o[:8])) <= t {
		binary.BigEndian.PutUint64(o[:8], uint64(t+1))
	}
	return o
}

// latestTime returns the latest time named by keys, segments' or
// markers', or 0 when there is none.
func latestTime(keys []string) int64 {
	var latest int64
	for _, k := range keys {
		if t, _, ok := parseName(k[strings.LastIndexByte(k, '/')+1:]); ok {
			latest = max(latest, t)
		}
	}
	return latest
}
