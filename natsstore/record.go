package natsstore

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
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

// readRecord returns the record that a message of the store, published
// on subj under prefix, holds. It never fails: a message whose subject or
// headers do not decode gives a [backend.Damaged] record with the
// identity, as far as it is known; for a subject that does not decode,
// its id is the subject.
func readRecord(prefix, subj string, h nats.Header, body []byte) backend.Record {
	ns, kind, id, err := parseSubject(prefix, subj)
	if err != nil {
		return backend.Damaged("", "", subj, err)
	}
	r := backend.Record{Namespace: ns, Kind: kind, ID: id, Payload: body}
	if r.Type, r.Timestamp, err = recordStamp(h); err != nil {
		return backend.Damaged(ns, kind, id, err)
	}
	return r
}
