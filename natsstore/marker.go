package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// markerToken is the last token of the floor markers:
//
//   - a namespace's, the message on <prefix>.<namespace>.floor that
//     [Store.Purge] and [Store.PurgeTombstones] publish so that the
//     cursors before them expire;
//   - the stream's, on <prefix>.floor, published once by the first
//     [Store.Snapshot]: the time the server stored it names the stream's
//     history in every cursor, so that a cursor expires once the marker is
//     gone (an operator purged the stream, or made it again).
//
// A change's subject has three tokens after the prefix, a namespace's
// marker two and the stream's one, so no identity's subject is ever a
// marker's; and no namespace's token is "floor", whose length no key
// encodes to.
const markerToken = "floor"

// markerSubject returns the subject of namespace's floor marker.
func markerSubject(prefix, namespace string) string {
	f := namespaceFilter(prefix, namespace)
	return f[:len(f)-1] + markerToken
}

// isMarker reports whether subj, a subject under prefix, is the floor
// marker of some namespace or of the stream: the readers of changes skip
// it.
func isMarker(prefix, subj string) bool {
	rest, ok := strings.CutPrefix(subj, prefix+".")
	if !ok {
		return false
	}
	if rest == markerToken {
		return true
	}
	ns, last, ok := strings.Cut(rest, ".")
	return ok && ns != "" && last == markerToken
}

// epoch returns the time, in Unix nanoseconds, at which the server stored
// the stream's floor marker, which names the stream's present history.
// With create, it publishes the marker when it is missing, expecting the
// subject to be empty so that two stores that find it missing publish it
// once; otherwise it reports ok false for a missing marker.
func (d *driver) epoch(ctx context.Context, create bool) (epoch int64, ok bool, err error) {
	subj := d.prefix + "." + markerToken
	for range 3 {
		m, err := d.stream.GetLastMsgForSubject(ctx, subj)
		switch {
		case err == nil:
			return m.Time.UnixNano(), true, nil
		case !errors.Is(err, jetstream.ErrMsgNotFound):
			return 0, false, fmt.Errorf("get the stream's floor marker: %w", err)
		case !create:
			return 0, false, nil
		}
		msg := &nats.Msg{Subject: subj, Header: nats.Header{markerHeader: []string{"stream"}}}
		_, err = d.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(d.name), jetstream.WithExpectLastSequencePerSubject(0))
		if err != nil && !isWrongLastSequence(err) {
			return 0, false, fmt.Errorf("publish the stream's floor marker: %w", err)
		}
		// Read what the server stored, ours or another store's.
	}
	return 0, false, errors.New("the stream's floor marker was published but cannot be read back")
}

// publishMarker publishes namespace's floor marker, which replaces the
// previous one (the stream keeps one message per subject), and returns
// its sequence: every cursor before it expires. The marker has no body;
// its header says which call published it, for a person reading the
// stream.
func (d *driver) publishMarker(ctx context.Context, namespace, why string) (uint64, error) {
	msg := &nats.Msg{
		Subject: markerSubject(d.prefix, namespace),
		Header:  nats.Header{markerHeader: []string{why}},
	}
	ack, err := d.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(d.name))
	if err != nil {
		return 0, fmt.Errorf("publish the floor marker: %w", err)
	}
	return ack.Sequence, nil
}

// markerHeader names the call that published a floor marker.
const markerHeader = "Unionstore-Floor"
