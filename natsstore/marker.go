package natsstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// markerToken is the last token of a namespace's floor marker, the
// message on <prefix>.<namespace>.floor that [Store.Purge] and
// [Store.PurgeTombstones] publish so that the cursors before them expire.
// A change's subject has three tokens after the prefix, a marker's two,
// so no identity's subject is ever a marker's.
const markerToken = "floor"

// markerSubject returns the subject of namespace's floor marker.
func markerSubject(prefix, namespace string) string {
	f := namespaceFilter(prefix, namespace)
	return f[:len(f)-1] + markerToken
}

// isMarker reports whether subj, a subject under prefix, is the floor
// marker of some namespace: the readers of changes skip it.
func isMarker(prefix, subj string) bool {
	rest, ok := strings.CutPrefix(subj, prefix+".")
	if !ok {
		return false
	}
	ns, last, ok := strings.Cut(rest, ".")
	return ok && ns != "" && last == markerToken
}

// publishMarker publishes namespace's floor marker, which replaces the
// previous one (the stream keeps one message per subject), and returns
// its sequence: every cursor before it expires. The marker has no body;
// its header says which call published it, for a person reading the
// stream.
func (s *Store[E]) publishMarker(ctx context.Context, namespace, why string) (uint64, error) {
	msg := &nats.Msg{
		Subject: markerSubject(s.prefix, namespace),
		Header:  nats.Header{markerHeader: []string{why}},
	}
	ack, err := s.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(s.name))
	if err != nil {
		return 0, fmt.Errorf("publish the floor marker: %w", err)
	}
	return ack.Sequence, nil
}

// markerHeader names the call that published a floor marker.
const markerHeader = "Unionstore-Floor"
