package natsstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore/backend"
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
// not much larger than the batch (see [driver.state]).
const scanStateAbove = 64

// Put writes the records, which are sorted by namespace, each namespace
// in turn: see [driver.saveNamespace]. JetStream 2.9 has no atomic batch:
// each change is written or not on its own. When Put returns an error, any
// part of the batch may have been written, and a change published before
// a disconnection may still be written after it; saving the batch again
// is safe, since an older change never replaces a newer one.
func (d *driver) Put(ctx context.Context, records []backend.Record) error {
	for start := 0; start < len(records); {
		ns := records[start].Namespace
		end := start + 1
		for end < len(records) && records[end].Namespace == ns {
			end++
		}
		if err := d.saveNamespace(ctx, ns, records[start:end]); err != nil {
			return fmt.Errorf("namespace %q: %w", ns, err)
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

// saveNamespace publishes the records of namespace that are not older than
// what the stream holds (the later on equal timestamps), each expecting
// its subject's current sequence, and retries those that lost a race.
//
// It first learns the current sequence and timestamp of the records'
// subjects: by guessing that they are empty (see [driver.guessNew]) while
// d.news says the guess holds, or else by one pass over the namespace's
// headers or by point reads (see [driver.state]). It then publishes every
// record that is not older, asynchronously, each expecting its subject's
// last sequence to be the one it read or guessed. A record whose subject
// has changed since, or was not empty, fails that check; saveNamespace
// reads its subject and retries it, or drops it if the stream's change
// is newer. It does not pay a round trip per record.
func (d *driver) saveNamespace(ctx context.Context, namespace string, recs []backend.Record) error {
	subjects := make([]string, len(recs))
	for i, r := range recs {
		subjects[i] = subject(d.prefix, namespace, r.Kind, r.ID)
	}
	cur := make([]current, len(recs))
	todo := make([]int, 0, len(recs))
	for i := range recs {
		todo = append(todo, i)
	}
	path := "read"
	refused := 0 // publishes refused, for savePath
	if d.news.Try() {
		held, conflicts, rest, err := d.guessNew(ctx, namespace, recs, subjects, cur, todo)
		if err != nil {
			return err
		}
		path = "guess failed"
		if held {
			path = "guess held"
		}
		refused = len(conflicts)
		todo = append(conflicts, rest...)
	} else if err := d.readState(ctx, namespace, subjects, cur, todo); err != nil {
		return err
	}
	for {
		// Keep what is not older than the stream's change.
		n := 0
		for _, i := range todo {
			if cur[i].seq == 0 || recs[i].Timestamp >= cur[i].ts {
				todo[n] = i
				n++
			}
		}
		todo = todo[:n]
		if len(todo) == 0 {
			savePath(path, refused)
			return nil
		}
		conflicts, err := d.publish(ctx, recs, subjects, cur, todo)
		if err != nil {
			return err
		}
		refused += len(conflicts)
		if len(conflicts) == 0 {
			savePath(path, refused)
			return nil
		}
		// Another writer changed these subjects since they were read, or
		// they were not empty as guessed.
		if err := d.reread(ctx, subjects, cur, conflicts); err != nil {
			return err
		}
		todo = conflicts
	}
}

// guessProbe is how many records of a batch guessNew publishes before it
// decides whether the guess holds for the rest.
const guessProbe = 64

// guessNew publishes the first guessProbe records todo expecting their
// subjects to be empty, which costs the server no more than any other
// publish, while reading a subject it does not hold costs a server 2.9
// time that grows with the stream. If more than half of them were not
// empty, it records the failure in d.news, whose backoff sends the next
// batches to the reads first, and reads the state of the rest of the
// batch as [driver.state] does; otherwise the rest keep the guess. It
// reports whether the guess held, and returns what is left to publish:
// the probe's records refused, with what their subjects hold, and the
// rest.
func (d *driver) guessNew(ctx context.Context, namespace string, recs []backend.Record, subjects []string, cur []current, todo []int) (held bool, conflicts, rest []int, err error) {
	probe, rest := todo[:min(len(todo), guessProbe)], todo[min(len(todo), guessProbe):]
	conflicts, err = d.publish(ctx, recs, subjects, cur, probe)
	if err != nil {
		return false, nil, nil, err
	}
	held = 2*len(conflicts) <= len(probe)
	if held {
		d.news.Succeeded()
	} else {
		d.news.Failed()
		if err := d.readState(ctx, namespace, subjects, cur, rest); err != nil {
			return false, nil, nil, err
		}
	}
	if err := d.reread(ctx, subjects, cur, conflicts); err != nil {
		return false, nil, nil, err
	}
	return held, conflicts, rest, nil
}

// savePath is called at the end of each Save of a namespace with the way
// it learnt what the stream holds, "guess held", "guess failed" or "read",
// and the number of its publishes the server refused, for the tests of
// the guess.
var savePath = func(path string, refused int) {}

// readState sets cur of the records todo to what the stream holds for
// their subjects, by [driver.state].
func (d *driver) readState(ctx context.Context, namespace string, subjects []string, cur []current, todo []int) error {
	if len(todo) == 0 {
		return nil
	}
	got, err := d.state(ctx, namespace, pick(subjects, todo))
	if err != nil {
		return err
	}
	for j, i := range todo {
		cur[i] = got[j]
	}
	return nil
}

// reread sets cur of the records todo to their subjects' last messages,
// read by point reads.
func (d *driver) reread(ctx context.Context, subjects []string, cur []current, todo []int) error {
	if len(todo) == 0 {
		return nil
	}
	msgs, err := d.lastMsgs(ctx, pick(subjects, todo))
	if err != nil {
		return err
	}
	for j, i := range todo {
		cur[i] = currentOf(msgs[j])
	}
	return nil
}

// pick returns the subjects of the records todo, in todo's order.
func pick(subjects []string, todo []int) []string {
	out := make([]string, len(todo))
	for j, i := range todo {
		out[j] = subjects[i]
	}
	return out
}

// publish publishes the records todo, on their subjects, asynchronously,
// at most publishWindow awaiting their acknowledgements at once, and
// returns those refused because their subject's last sequence was no
// longer the expected one.
func (d *driver) publish(ctx context.Context, recs []backend.Record, subjects []string, cur []current, todo []int) (conflicts []int, err error) {
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
			cur[p.i] = current{seq: ack.Sequence, ts: recs[p.i].Timestamp}
			return nil
		case err := <-p.ack.Err():
			if isWrongLastSequence(err) {
				conflicts = append(conflicts, p.i)
				return nil
			}
			return fmt.Errorf("publish %s: %w", subjects[p.i], err)
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
		// A header of its own, to which the client adds: a record may be
		// published again after a conflict.
		msg := &nats.Msg{Subject: subjects[i], Header: newHeader(r.Type, r.Timestamp), Data: r.Payload}
		opts := []jetstream.PublishOpt{jetstream.WithExpectStream(d.name), jetstream.WithExpectLastSequencePerSubject(cur[i].seq)}
		if withoutSequenceCheck {
			opts = opts[:1]
		}
		ack, err := d.js.PublishMsgAsync(msg, opts...)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", subjects[i], err)
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

// state returns what the stream holds for each of subjects, subjects of
// namespace. For a few subjects it reads each one's last message, in
// parallel. For more it reads the headers of the whole namespace in one
// pass, unless the namespace holds more than four times as many messages
// as the batch: then the point reads cost less.
func (d *driver) state(ctx context.Context, namespace string, subjects []string) ([]current, error) {
	cur := make([]current, len(subjects))
	if len(subjects) >= scanStateAbove {
		index := make(map[string]int, len(subjects))
		for i, subj := range subjects {
			index[subj] = i
		}
		err := d.consume(ctx, namespaceFilter(d.prefix, namespace), true, uint64(4*len(subjects)), func(m jetstream.Msg, md *jetstream.MsgMetadata) error {
			if i, ok := index[m.Subject()]; ok {
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
	msgs, err := d.lastMsgs(ctx, subjects)
	if err != nil {
		return nil, err
	}
	for i, m := range msgs {
		cur[i] = currentOf(m)
	}
	return cur, nil
}
