package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/unionstore/unionstore"
)

// Purge removes namespace with one purge of the stream filtered to the
// namespace's subjects: the server deletes their messages, so that the
// namespace loads empty and is no longer listed. A namespace that does
// not exist is not an error. With replicas, the purge is replicated like
// any write.
//
// Purge expires every cursor of the namespace taken before it returns,
// that of a watcher up to date included (see the package documentation,
// "Change feed"): it publishes the namespace's floor marker, purges the
// messages before the marker, and publishes the marker again. A watch
// that reaches either marker ends with an error wrapping
// [unionstore.ErrCursorExpired]. The first marker expires the cursors
// before the purge even if Purge fails midway; the second those of a
// snapshot taken during the purge, before it took effect. If Purge fails
// between the purge and the second marker, such a snapshot's watcher may
// keep the purged entities until Purge is called again.
//
// A Save running at the same moment may publish a change of the namespace
// just after the first marker: it is kept, as any change saved after a
// purge.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	floor, err := d.publishMarker(ctx, namespace, "purge")
	if err != nil {
		return err
	}
	if purgeBegun != nil {
		purgeBegun()
	}
	// The purge keeps the marker and what follows it.
	if err := d.stream.Purge(ctx, jetstream.WithPurgeSubject(namespaceFilter(d.prefix, namespace)), jetstream.WithPurgeSequence(floor)); err != nil {
		return err
	}
	if _, err := d.publishMarker(ctx, namespace, "purge"); err != nil {
		return err
	}
	return nil
}

// purgeBegun, when set, is called by Purge between the first marker and
// the purge, for the test of a snapshot taken then.
var purgeBegun func()

// PurgeTombstones removes the messages of namespace that are unsets with
// a timestamp at most through, and returns how many it removed. It reads
// the namespace's headers in one pass, in pulls of up to 65,536 messages,
// and deletes each such message by its sequence as the pass finds it, up
// to 256 deletions in flight: a subject saved again meanwhile holds a
// newer message, which the deletion of the old sequence cannot touch. A
// message whose headers do not decode is left alone. When it fails
// midway, the tombstones deleted so far stay deleted, and the count says
// how many.
//
// Before it deletes anything, PurgeTombstones publishes the namespace's
// floor marker: every cursor of the namespace taken before it expires,
// that of a watcher up to date included, since a watch that went past a
// tombstone's position after its deletion did not see it and its cursor
// cannot say so. A watcher whose snapshot or events came after the
// marker may keep a tombstone that the store no longer holds. Nothing is
// published when no tombstone is old enough.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	// A deletion that fails ends the pass with its error.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		n        atomic.Int64
		deleting sync.WaitGroup
		inFlight = make(chan struct{}, deleteWorkers)
		marked   bool
	)
	err := d.consume(ctx, namespaceFilter(d.prefix, namespace), true, 0, func(m jetstream.Msg, md *jetstream.MsgMetadata) error {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		ct, ts, err := recordStamp(m.Headers())
		if err != nil || ct != unionstore.ChangeTypeUnset || ts > through {
			return nil
		}
		if !marked {
			if _, err := d.publishMarker(ctx, namespace, "purge tombstones"); err != nil {
				return err
			}
			marked = true
		}
		// A subject republished during the pass comes again, newer: the
		// deletion of its old sequence is then refused, and that of the
		// new one, when it is an old tombstone too, comes later.
		subj, seq := m.Subject(), md.Sequence.Stream
		select {
		case inFlight <- struct{}{}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		deleting.Go(func() {
			defer func() { <-inFlight }()
			deleted, err := d.deleteTombstone(ctx, seq)
			switch {
			case err != nil:
				cancel(fmt.Errorf("delete %s: %w", subj, err))
			case deleted:
				n.Add(1)
			}
		})
		return nil
	})
	deleting.Wait()
	if cause := context.Cause(ctx); cause != nil {
		err = cause
	}
	return int(n.Load()), err
}

// deleteTombstone deletes the message at seq and reports whether it did:
// a message no longer in the stream was replaced by a newer change of its
// subject since it was read, which is not the purge's to delete.
func (d *driver) deleteTombstone(ctx context.Context, seq uint64) (bool, error) {
	err := d.stream.DeleteMsg(ctx, seq)
	switch {
	case err == nil:
		return true, nil
	case notFound(err) || d.gone(ctx, seq):
		return false, nil
	}
	return false, err
}

// notFound reports whether err, that of a deletion, is the server's
// answer that the message is not in the stream. The client flattens the
// server's error into text, which ends with the server's description:
// a text that does not match leaves the question to gone.
func notFound(err error) bool {
	return errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) && strings.HasSuffix(err.Error(), notFoundDescription)
}

// notFoundDescription ends the text of a deletion's error when the
// message is not in the stream.
const notFoundDescription = "description=no message found"

// gone reports whether the message at seq is no longer in the stream,
// after its deletion failed for another reason than [notFound] says: it
// asks for the message.
func (d *driver) gone(ctx context.Context, seq uint64) bool {
	_, err := d.stream.GetMsg(ctx, seq)
	return errors.Is(err, jetstream.ErrMsgNotFound)
}
