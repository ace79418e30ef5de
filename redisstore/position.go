package redisstore

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/unionstore/unionstore"
)

// position is a point in a namespace's feed: the epoch of the feed and
// the sequence number of the last change before it. Its stream ID is
// "EPOCH-SEQ". The zero position, "0-0", is that of a namespace whose
// feed has no epoch yet: it is followed by the first entry of whatever
// epoch the feed gets.
type position struct {
	epoch, seq uint64
}

// id returns the position as a stream ID.
func (p position) id() string {
	return strconv.FormatUint(p.epoch, 10) + "-" + strconv.FormatUint(p.seq, 10)
}

// follows reports whether next is the position right after p, so that
// reading next after p skips nothing: the same epoch and the next
// sequence number, or, after the zero position, the first sequence number
// of any epoch.
func (p position) follows(next position) bool {
	if p == (position{}) {
		return next.seq == 1
	}
	return next.epoch == p.epoch && next.seq == p.seq+1
}

// parseID reads a stream ID written by the scripts.
func parseID(id string) (position, error) {
	e, s, ok := strings.Cut(id, "-")
	epoch, err1 := strconv.ParseUint(e, 10, 64)
	seq, err2 := strconv.ParseUint(s, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return position{}, fmt.Errorf("log entry ID %q is not EPOCH-SEQ", id)
	}
	return position{epoch: epoch, seq: seq}, nil
}

// cursorTag returns the part of a cursor that names the store and the
// namespace it was made for: the FNV-1a hash of the prefix and the
// namespace, so that a cursor of another prefix or namespace, whose epoch
// and sequence number might happen to be valid here, is refused.
func cursorTag(prefix, namespace string) string {
	h := fnv.New32a()
	h.Write([]byte(prefix))
	h.Write([]byte{0})
	h.Write([]byte(namespace))
	return fmt.Sprintf("%08x", h.Sum32())
}

// cursor returns the text of p as a cursor of namespace: "EPOCH-SEQ.TAG".
func (d *driver) cursor(namespace string, p position) string {
	return p.id() + "." + cursorTag(d.prefix, namespace)
}

// parseCursor reads a cursor of namespace made by cursor. A cursor it
// did not make, for another prefix or namespace or not a cursor at all,
// gives an error wrapping [unionstore.ErrCursorExpired].
func (d *driver) parseCursor(namespace, c string) (position, error) {
	id, tag, ok := strings.Cut(c, ".")
	if !ok || tag != cursorTag(d.prefix, namespace) {
		return position{}, fmt.Errorf("%w: cursor %q was not made for namespace %q of this prefix", unionstore.ErrCursorExpired, c, namespace)
	}
	p, err := parseID(id)
	if err != nil {
		return position{}, fmt.Errorf("%w: cursor %q: %w", unionstore.ErrCursorExpired, c, err)
	}
	return p, nil
}
