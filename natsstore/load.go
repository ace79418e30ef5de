package natsstore

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
)

// scanPage is the number of changes [Store.Scan] reads ahead of the loop.
const scanPage = 256

// scanBudget is the most payload bytes of a namespace that [Store.Scan]
// reads in one pass and holds, as [Store.Load] does, rather than reading
// each change by a point read.
var scanBudget int64 = 16 << 20

// loaded is a change read with its message's stream sequence.
type loaded[E unionstore.Entity] struct {
	c   unionstore.Change[E]
	seq uint64
}

// Load returns the latest change of each identity in namespace, tombstones
// included, sorted by kind then id bytewise, with timestamps in UTC. It
// reads the namespace's messages in one pass of one consumer, then sorts
// them: its memory and time grow with the namespace. To read a large
// namespace without holding it, use [Store.Scan].
//
// The pass sees the stream as it is when the pass starts, and maybe
// changes saved during it; each identity is returned once, with the last
// change read for it.
//
// A message that cannot be decoded does not stop Load: Load returns every
// change that decodes together with a non-nil error that joins a
// [*unionstore.DecodeError] (naming namespace, kind and id) for each bad
// message, up to ten, and counts the rest. Other errors come with no
// changes: [unionstore.ErrClosed] after Close, an error wrapping ctx.Err()
// if ctx ends first, and the server's or the connection's errors.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, fmt.Errorf("natsstore: load %q from %s: %w", namespace, s.name, err)
	}
	out, bad, err := s.readAll(ctx, namespace)
	if err != nil {
		return nil, fmt.Errorf("natsstore: load %q from %s: %w", namespace, s.name, s.life.Wrap(ctx, err))
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("natsstore: load %q from %s: %w", namespace, s.name, err)
	}
	return out, nil
}

// readAll reads namespace in one consumer pass, with bodies, and returns
// the latest change of each identity sorted as Load returns them, and the
// messages that did not decode.
func (s *Store[E]) readAll(ctx context.Context, namespace string) (unionstore.Changes[E], unionstore.DecodeErrors, error) {
	var (
		bad  unionstore.DecodeErrors
		read []loaded[E]
	)
	err := s.consume(ctx, namespaceFilter(s.prefix, namespace), false, 0, func(m jetstream.Msg) error {
		return s.collect(&read, &bad, m)
	})
	if err != nil {
		return nil, bad, err
	}
	return latest(read), bad, nil
}

// collect decodes m and appends it to read with its sequence, or adds it
// to bad when it does not decode.
func (s *Store[E]) collect(read *[]loaded[E], bad *unionstore.DecodeErrors, m jetstream.Msg) error {
	if isMarker(s.prefix, m.Subject()) {
		return nil
	}
	md, err := m.Metadata()
	if err != nil {
		return err
	}
	c, err := decodeRecord(s.codec, s.prefix, m.Subject(), m.Headers(), m.Data())
	if err != nil {
		bad.Add(err)
		return nil
	}
	*read = append(*read, loaded[E]{c, md.Sequence.Stream})
	return nil
}

// latest returns the last change read of each identity, sorted as Load
// returns them; it sorts read.
func latest[E unionstore.Entity](read []loaded[E]) unionstore.Changes[E] {
	// By identity, then by sequence: the last of each run is the newest.
	slices.SortFunc(read, func(a, b loaded[E]) int {
		ka, ia := a.c.Entity.CompactionKey()
		kb, ib := b.c.Entity.CompactionKey()
		return cmp.Or(strings.Compare(ka, kb), strings.Compare(ia, ib), cmp.Compare(a.seq, b.seq))
	})
	out := make(unionstore.Changes[E], 0, len(read))
	for i := range read {
		if i+1 < len(read) && sameKey(read[i].c, read[i+1].c) {
			continue
		}
		out = append(out, read[i].c)
	}
	return out
}

func sameKey[E unionstore.Entity](a, b unionstore.Change[E]) bool {
	ka, ia := a.Entity.CompactionKey()
	kb, ib := b.Entity.CompactionKey()
	return ka == kb && ia == ib
}

// Get returns the latest change of (namespace, kind, id), a tombstone
// included, and true, or false when the stream holds nothing for it: one
// direct get of the subject's last message, which any replica of the
// stream may answer. An identity whose subject would exceed the store's
// limit cannot be stored, and Get finds nothing for it without asking. A
// message that does not decode gives a [*unionstore.DecodeError]. It
// returns [unionstore.ErrClosed] after Close and an error wrapping
// ctx.Err() if ctx ends first.
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	fail := func(err error) (unionstore.Change[E], bool, error) {
		return unionstore.Change[E]{}, false, fmt.Errorf("natsstore: get %q %q %q from %s: %w", namespace, kind, id, s.name, err)
	}
	if err := s.life.Check(ctx); err != nil {
		return fail(err)
	}
	if namespace == "" || id == "" || subjectLen(s.prefix, namespace, kind, id) > maxSubject {
		return unionstore.Change[E]{}, false, nil
	}
	msgs, err := s.lastMsgs(ctx, []string{subject(s.prefix, namespace, kind, id)})
	if err != nil {
		return fail(s.life.Wrap(ctx, err))
	}
	m := msgs[0]
	if m == nil {
		return unionstore.Change[E]{}, false, nil
	}
	c, err := decodeRecord(s.codec, s.prefix, m.Subject, m.Header, m.Data)
	if err != nil {
		return fail(err)
	}
	return c, true, nil
}

// Scan yields what [Store.Load] returns, in the same order, holding the
// namespace's keys but not more than a fixed budget of its changes. It
// reads the namespace in one consumer pass, as Load does, and keeps the
// changes while their bodies add up to at most 16 MiB: then it sorts and
// yields them, in about Load's time. Beyond, it drops them and keeps the
// subjects only, sorts the subjects' tokens, which compare as the keys they
// encode, and reads the latest message of each subject in order, up to 256
// ahead of the loop, 32 point reads in flight. No server resource is held
// while the loop body runs.
//
// Within the budget the pass sees the stream as Load does. Beyond it, an
// identity saved after the pass began may be missed, and one saved during
// the point reads is seen at its latest. Messages that cannot be decoded
// are skipped and reported, as by Load, in one error yielded as the last
// pair once the namespace has been read. Any other failure ends the scan:
// it is yielded once, as the last pair, with the errors Load gives. The
// sequence may be walked more than once; each walk reads the stream
// afresh.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		fail := func(err error) {
			yield(unionstore.Change[E]{}, fmt.Errorf("natsstore: scan %q from %s: %w", namespace, s.name, err))
		}
		if err := s.life.Check(ctx); err != nil {
			fail(err)
			return
		}
		var (
			// The subjects' kind and id tokens; a subject that does not
			// split into tokens is kept whole, and reported when it is
			// read.
			keys  []scanKey
			read  []loaded[E]
			bad   unionstore.DecodeErrors
			bytes int64
		)
		budget := scanBudget
		err := s.consume(ctx, namespaceFilter(s.prefix, namespace), false, 0, func(m jetstream.Msg) error {
			if isMarker(s.prefix, m.Subject()) {
				return nil
			}
			if _, kind, id, err := subjectTokens(s.prefix, m.Subject()); err != nil {
				keys = append(keys, scanKey{raw: m.Subject()})
			} else {
				keys = append(keys, scanKey{kind: kind, id: id})
			}
			if bytes > budget {
				return nil
			}
			if bytes += int64(len(m.Data())); bytes > budget {
				// The point reads decode every change again.
				read, bad = nil, unionstore.DecodeErrors{}
				return nil
			}
			return s.collect(&read, &bad, m)
		})
		if err != nil {
			fail(s.life.Wrap(ctx, err))
			return
		}
		if bytes <= budget {
			for _, c := range latest(read) {
				if !yield(c, nil) {
					return
				}
			}
			if err := bad.Err(); err != nil {
				fail(err)
			}
			return
		}
		s.scanByPointReads(ctx, namespace, keys, yield, fail)
	}
}

// scanByPointReads yields the latest change of each of keys, sorted, by
// point reads, then the decode errors through fail; a read error goes to
// fail alone.
func (s *Store[E]) scanByPointReads(ctx context.Context, namespace string, keys []scanKey, yield func(unionstore.Change[E], error) bool, fail func(error)) {
	// Tokens compare as the keys they encode.
	slices.SortFunc(keys, func(a, b scanKey) int {
		return cmp.Or(strings.Compare(a.kind, b.kind), strings.Compare(a.id, b.id), strings.Compare(a.raw, b.raw))
	})
	keys = slices.Compact(keys)
	base := namespaceFilter(s.prefix, namespace)
	base = base[:len(base)-1] // without the final ">"
	var bad unionstore.DecodeErrors
	subjects := make([]string, 0, scanPage)
	for start := 0; start < len(keys); start += scanPage {
		if err := s.life.Check(ctx); err != nil {
			fail(err)
			return
		}
		subjects = subjects[:0]
		for _, k := range keys[start:min(start+scanPage, len(keys))] {
			if k.raw != "" {
				subjects = append(subjects, k.raw)
			} else {
				subjects = append(subjects, base+k.kind+"."+k.id)
			}
		}
		msgs, err := s.lastMsgs(ctx, subjects)
		if err != nil {
			fail(s.life.Wrap(ctx, err))
			return
		}
		for _, m := range msgs {
			if m == nil {
				continue // removed since the pass
			}
			c, err := decodeRecord(s.codec, s.prefix, m.Subject, m.Header, m.Data)
			if err != nil {
				bad.Add(err)
				continue
			}
			if !yield(c, nil) {
				return
			}
		}
	}
	if err := bad.Err(); err != nil {
		fail(err)
	}
}

// scanKey is a subject that Scan reads: its kind and id tokens, or the
// whole subject when it does not split into tokens.
type scanKey struct{ kind, id, raw string }

// Namespaces returns every namespace of the stream that holds at least one
// change, sorted by name bytewise, with its counts of sets and tombstones.
// It reads the headers of every message of the stream in one pass, so its
// time grows with the stream, and holds each subject once, so its memory
// does too. A subject that does not decode is left out and reported in the
// error returned with the counts. It returns [unionstore.ErrClosed] after
// Close and an error wrapping ctx.Err() if ctx ends first.
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, fmt.Errorf("natsstore: list namespaces of %s: %w", s.name, err)
	}
	// The latest change type of each subject: a subject republished
	// during the pass comes twice, the newer last.
	types := map[string]unionstore.ChangeType{}
	err := s.consume(ctx, s.prefix+".>", true, 0, func(m jetstream.Msg) error {
		if isMarker(s.prefix, m.Subject()) {
			return nil
		}
		ct, _, err := recordStamp(m.Headers())
		if err != nil {
			ct = ""
		}
		types[m.Subject()] = ct
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("natsstore: list namespaces of %s: %w", s.name, s.life.Wrap(ctx, err))
	}
	var bad unionstore.DecodeErrors
	stats := map[string]*unionstore.NamespaceStat{}
	for subj, ct := range types {
		ns, kind, id, err := parseSubject(s.prefix, subj)
		if err != nil {
			bad.Add(&unionstore.DecodeError{ID: subj, Err: err})
			continue
		}
		if !ct.Valid() {
			bad.Add(&unionstore.DecodeError{Namespace: ns, Kind: kind, ID: id, Err: fmt.Errorf("header %s missing or unknown", changeHeader)})
			continue
		}
		st := stats[ns]
		if st == nil {
			st = &unionstore.NamespaceStat{Namespace: ns}
			stats[ns] = st
		}
		if ct == unionstore.ChangeTypeSet {
			st.Entities++
		} else {
			st.Tombstones++
		}
	}
	out := make([]unionstore.NamespaceStat, 0, len(stats))
	for _, st := range stats {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b unionstore.NamespaceStat) int { return strings.Compare(a.Namespace, b.Namespace) })
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("natsstore: list namespaces of %s: %w", s.name, err)
	}
	return out, nil
}
