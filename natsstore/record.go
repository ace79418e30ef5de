package natsstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/unionstore/unionstore"
)

// The headers of a change's message (see the package documentation).
const (
	timeHeader   = "Unionstore-Time"   // Unix nanoseconds, decimal
	changeHeader = "Unionstore-Change" // "set" or "unset"
)

// headerAllowance is what Save reserves, out of the server's largest
// message, for the headers of a change: ours, the expected stream and the
// expected last sequence, about 150 bytes with the stream name's 64.
const headerAllowance = 256

// record is one change ready to publish.
type record struct {
	namespace string
	subject   string
	ts        int64
	header    nats.Header
	body      []byte
}

// newHeader returns the headers that carry a change's type and timestamp.
func newHeader(t unionstore.ChangeType, ts int64) nats.Header {
	return nats.Header{
		timeHeader:   []string{strconv.FormatInt(ts, 10)},
		changeHeader: []string{string(t)},
	}
}

// recordStamp returns the change type and timestamp that h carries.
func recordStamp(h nats.Header) (unionstore.ChangeType, int64, error) {
	ct := unionstore.ChangeType(h.Get(changeHeader))
	if !ct.Valid() {
		return "", 0, fmt.Errorf("header %s: unknown change type %q", changeHeader, h.Get(changeHeader))
	}
	v := h.Get(timeHeader)
	if v == "" {
		return "", 0, fmt.Errorf("header %s missing", timeHeader)
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("header %s: %w", timeHeader, err)
	}
	return ct, ts, nil
}

// decodeRecord turns a message of the store, published on subj under
// prefix, into a change. Every error it returns is a
// [*unionstore.DecodeError]; for a subject that does not decode, its kind
// and id are the raw tokens, or the subject.
func decodeRecord[E unionstore.Entity](codec unionstore.Codec[E], prefix, subj string, h nats.Header, body []byte) (unionstore.Change[E], error) {
	ns, kind, id, err := parseSubject(prefix, subj)
	if err != nil {
		return unionstore.Change[E]{}, &unionstore.DecodeError{ID: subj, Err: err}
	}
	ct, ts, err := recordStamp(h)
	if err != nil {
		return unionstore.Change[E]{}, &unionstore.DecodeError{Namespace: ns, Kind: kind, ID: id, Err: err}
	}
	e, err := unionstore.DecodeEntity(codec, ns, kind, id, body)
	if err != nil {
		return unionstore.Change[E]{}, err
	}
	return unionstore.Change[E]{Namespace: ns, ChangeType: ct, Entity: e, Timestamp: time.Unix(0, ts).UTC()}, nil
}
