package natsstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
)

// maxSubject is the longest subject the store publishes on: well under the
// 4,096 bytes of a protocol line, which also carries the reply subject,
// sizes, and on delivery the consumer's acknowledgement subject.
const maxSubject = 2048

// publishWindow is the most publishes one Save has waiting for their
// acknowledgements.
const publishWindow = 512

// scanStateAbove is the number of identities of a namespace in one batch
// from which Save reads their current state through one pass over the
// namespace instead of one point read per identity, when the namespace is
// not much larger than the batch (see [Store.state]).
const scanStateAbove = 64

// Check reports whether [Store.Save] would accept the batch, which has
// passed [unionstore.Changes.Validate], without writing anything: nil, or
// an error wrapping [unionstore.ErrInvalidChange] naming the first change
// that the store cannot hold. A change's subject may be at most 2,048
// bytes (see the package documentation for what that allows), and its
// encoded entity at most the server's largest message less 256 bytes for
// headers. Check encodes the latest change of each identity with the codec,
// as Save does, and a codec error is reported the same way. It does no I/O
// and is safe for concurrent use.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	_, err := s.prepare(changes)
	return err
}

// prepare checks every change's subject, compacts the batch and encodes
// each identity's latest change as a record, in (namespace, kind, id)
// order.
func (s *Store[E]) prepare(changes unionstore.Changes[E]) ([]record, error) {
	for i := range changes {
		ns, kind, id := changes[i].Key()
		if n := subjectLen(s.prefix, ns, kind, id); n > maxSubject {
			return nil, fmt.Errorf("%w: change %d (namespace %.40q kind %.40q id %.40q): its subject would be %d bytes, more than the store's limit of %d", unionstore.ErrInvalidChange, i, ns, kind, id, n, maxSubject)
		}
	}
	changes = unionstore.Compact(changes)
	recs := make([]record, len(changes))
	for i := range changes {
		c := &changes[i]
		ns, kind, id := c.Key()
		body, err := s.codec.Encode(c.Entity)
		if err != nil {
			return nil, fmt.Errorf("%w: namespace %q kind %q id %q: encode: %w", unionstore.ErrInvalidChange, ns, kind, id, err)
		}
		if len(body) > s.maxBody {
			return nil, fmt.Errorf("%w: namespace %q kind %q id %q: the entity encodes to %d bytes, more than the %d the server takes in a message with the store's headers", unionstore.ErrInvalidChange, ns, kind, id, len(body), s.maxBody)
		}
		ts := c.Timestamp.UnixNano()
		recs[i] = record{namespace: ns, subject: subject(s.prefix, ns, kind, id), ts: ts, header: newHeader(c.ChangeType, ts), body: body}
	}
	return recs, nil
}

// Save writes the latest change of each identity in the batch (the later
// one on equal timestamps) unless the stream holds a newer one: on equal
// timestamps the save that publishes later wins.
//
// For each namespace of the batch Save reads the current sequence and
// timestamp of the batch's identities, in one pass over the namespace's
// headers or by point reads (see the package documentation), then
// publishes every change that is not older than what the stream holds,
// asynchronously, each expecting its subject's last sequence to be the one
// it read. A change that another writer overtook fails that check; Save
// reads its subject again and retries it, or drops it if the other writer's
// change is newer. Save does not pay a round trip per change.
//
// A batch that fails [unionstore.Changes.Validate] or [Store.Check] is
// refused whole, with an error wrapping [unionstore.ErrInvalidChange],
// before anything is written. It returns [unionstore.ErrClosed] after
// Close and an error wrapping ctx.Err() if ctx ends first.
//
// JetStream 2.9 has no atomic batch: each change is written or not on its
// own. When Save returns an error, any part of the batch may have been
// written, and a change published before a disconnection may still be
// written after it; saving the batch again is safe, since an older change
// never replaces a newer one.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("natsstore: save to %s: %w", s.name, err)
	}
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("natsstore: save to %s: %w", s.name, err)
	}
	if len(changes) == 0 {
		return nil
	}
	recs, err := s.prepare(changes.Stamped())
	if err != nil {
		return fmt.Errorf("natsstore: save to %s: %w", s.name, err)
	}
	// The records are sorted by namespace: save each namespace's run.
	for start := 0; start < len(recs); {
		end := start + 1
		for end < len(recs) && recs[end].namespace == recs[start].namespace {
			end++
		}
		if err := s.saveNamespace(ctx, recs[start:end]); err != nil {
			return fmt.Errorf("natsstore: save %d changes to %s: namespace %q: %w", len(recs), s.name, recs[start].namespace, s.life.Wrap(ctx, err))
		}
		start = end
	}
	return nil
}

// current is what the stream holds for a subject: its last sequence and
// timestamp, or zero sequence when it holds nothing.
type current struct {
	seq uint64
	ts  int64
}

// saveNamespace publishes the records of one namespace, each expecting its
// subject's current sequence, and retries those that lost a race.
func (s *Store[E]) saveNamespace(ctx context.Context, recs []record) error {
	cur, err := s.state(ctx, recs)
	if err != nil {
		return err
	}
	todo := make([]int, 0, len(recs))
	for i := range recs {
		todo = append(todo, i)
	}
	for {
		// Keep what is not older than the stream's change.
		n := 0
		for _, i := range todo {
			if cur[i].seq == 0 || recs[i].ts >= cur[i].ts {
				todo[n] = i
				n++
			}
		}
		todo = todo[:n]
		if len(todo) == 0 {
			return nil
		}
		conflicts, err := s.publish(ctx, recs, cur, todo)
		if err != nil {
			return err
		}
		if len(conflicts) == 0 {
			return nil
		}
		// Another writer changed these subjects since they were read.
		subjects := make([]string, len(conflicts))
		for j, i := range conflicts {
			subjects[j] = recs[i].subject
		}
		msgs, err := s.lastMsgs(ctx, subjects)
		if err != nil {
			return err
		}
		for j, i := range conflicts {
			cur[i] = currentOf(msgs[j])
		}
		todo = conflicts
	}
}

// publish publishes the records todo asynchronously, at most publishWindow
// awaiting their acknowledgements at once, and returns those refused
// because their subject's last sequence was no longer the expected one.
func (s *Store[E]) publish(ctx context.Context, recs []record, cur []current, todo []int) (conflicts []int, err error) {
	type sent struct {
		i   int
		ack jetstream.PubAckFuture
	}
	// A ring of the publishes awaiting their acknowledgements, oldest at
	// head.
	window := make([]sent, min(len(todo), publishWindow))
	head, n := 0, 0
	wait := func(p sent) error {
		select {
		case ack := <-p.ack.Ok():
			cur[p.i] = current{seq: ack.Sequence, ts: recs[p.i].ts}
			return nil
		case err := <-p.ack.Err():
			if isWrongLastSequence(err) {
				conflicts = append(conflicts, p.i)
				return nil
			}
			return fmt.Errorf("publish %s: %w", recs[p.i].subject, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, i := range todo {
		if n == len(window) {
			if err := wait(window[head]); err != nil {
				return nil, err
			}
			head, n = (head+1)%len(window), n-1
		}
		r := &recs[i]
		msg := &nats.Msg{Subject: r.subject, Header: cloneHeader(r.header), Data: r.body}
		opts := []jetstream.PublishOpt{jetstream.WithExpectStream(s.name), jetstream.WithExpectLastSequencePerSubject(cur[i].seq)}
		if withoutSequenceCheck {
			opts = opts[:1]
		}
		ack, err := s.js.PublishMsgAsync(msg, opts...)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", r.subject, err)
		}
		window[(head+n)%len(window)] = sent{i, ack}
		n++
	}
	for ; n > 0; head, n = (head+1)%len(window), n-1 {
		if err := wait(window[head]); err != nil {
			return nil, err
		}
	}
	return conflicts, nil
}

// withoutSequenceCheck removes the expected-sequence check from publishes,
// for the test that shows that concurrent writers need it.
var withoutSequenceCheck = false

// cloneHeader returns a copy of h that the client may add to, so that a
// record can be published again after a conflict.
func cloneHeader(h nats.Header) nats.Header {
	out := make(nats.Header, len(h)+2)
	for k, v := range h {
		out[k] = v
	}
	return out
}

// isWrongLastSequence reports whether err is the server's refusal of a
// publish whose expected last sequence was not the subject's.
func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// currentOf returns what m, the last message of a subject or nil, says
// the stream holds.
func currentOf(m *jetstream.RawStreamMsg) current {
	if m == nil {
		return current{}
	}
	return current{seq: m.Sequence, ts: stampOf(m.Header)}
}

// stampOf returns the timestamp in a message's headers. A message without
// a readable one counts as older than any change, so that a save replaces
// it.
func stampOf(h nats.Header) int64 {
	ts, err := strconv.ParseInt(h.Get(timeHeader), 10, 64)
	if err != nil {
		return math.MinInt64
	}
	return ts
}

// state returns what the stream holds for each record's subject. For a
// few records it reads each subject's last message, in parallel. For more
// it reads the headers of the whole namespace in one pass, unless the
// namespace holds more than four times as many messages as the batch:
// then the point reads cost less.
func (s *Store[E]) state(ctx context.Context, recs []record) ([]current, error) {
	cur := make([]current, len(recs))
	if len(recs) >= scanStateAbove {
		index := make(map[string]int, len(recs))
		for i := range recs {
			index[recs[i].subject] = i
		}
		err := s.consume(ctx, namespaceFilter(s.prefix, recs[0].namespace), true, uint64(4*len(recs)), func(m jetstream.Msg) error {
			if i, ok := index[m.Subject()]; ok {
				md, err := m.Metadata()
				if err != nil {
					return err
				}
				cur[i] = current{seq: md.Sequence.Stream, ts: stampOf(m.Headers())}
			}
			return nil
		})
		if err == nil {
			return cur, nil
		}
		if !errors.Is(err, errTooMany) {
			return nil, fmt.Errorf("read the namespace's state: %w", err)
		}
	}
	subjects := make([]string, len(recs))
	for i := range recs {
		subjects[i] = recs[i].subject
	}
	msgs, err := s.lastMsgs(ctx, subjects)
	if err != nil {
		return nil, err
	}
	for i, m := range msgs {
		cur[i] = currentOf(m)
	}
	return cur, nil
}
