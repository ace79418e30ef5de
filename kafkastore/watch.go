package kafkastore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
)

var _ unionstore.Watcher[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// watchWait is how long a watch's fetch waits at the broker for a record
// when it is up to date: the longest a watch on a client it does not own
// takes to notice Close. A record that arrives meanwhile is returned at
// once.
const watchWait = 500 * time.Millisecond

// Snapshot returns what [Store.Load] returns, and the cursor of that
// state: it takes the high watermark of the namespace's partition first,
// then loads the records below it, so that the changes are exactly those
// of the records before the cursor. A record that cannot be read is
// reported as by Load, with the changes that could be read and the
// cursor. It returns [unionstore.ErrClosed] after Close and an error
// wrapping ctx.Err() if ctx is done.
func (s *Store[E]) Snapshot(ctx context.Context, namespace string) (unionstore.Changes[E], unionstore.Cursor, error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, "", fmt.Errorf("kafkastore: snapshot %q of %q: %w", namespace, s.topic, err)
	}
	part := partitionFor(namespace, s.info.partitions)
	end, err := s.listOffset(ctx, part, -1)
	if err != nil {
		return nil, "", fmt.Errorf("kafkastore: snapshot %q of %q: partition %d: high watermark: %w", namespace, s.topic, part, s.life.Wrap(ctx, err))
	}
	changes, err := s.loadTo(ctx, namespace, end)
	if err != nil && !errors.Is(err, unionstore.ErrDecode) {
		return nil, "", err
	}
	return changes, s.cursor(part, end), err
}

// Watch yields the changes saved to namespace after the cursor after, one
// event per record in offset order, each with the cursor of the offset
// that follows it; after "" watches from the partition's high watermark.
// It reads the namespace's partition as a consumer does, through fetches
// that wait at the broker up to half a second for new records, so an
// event arrives as soon as the broker has the record (see the package
// doc, "Change feed").
//
// It ends with an error wrapping [unionstore.ErrCursorExpired] for a
// cursor of another topic, another partition or another incarnation of
// the topic, one below the partition's log start (records deleted by
// retention or DeleteRecords) or past its high watermark, and when it
// reads a purge record of the namespace (a [Store.Purge] or
// [Store.PurgeTombstones] after the cursor) or a Kafka tombstone of it.
// A record of the namespace that cannot be read ends it with an error
// wrapping [unionstore.ErrDecode]. It ends with ctx's error when ctx is
// done and with [unionstore.ErrClosed] when the store is closed. The
// sequence can be walked more than once, each walk a new watch.
func (s *Store[E]) Watch(ctx context.Context, namespace string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[E], error] {
	return func(yield func(unionstore.WatchEvent[E], error) bool) {
		fail := func(err error) {
			yield(unionstore.WatchEvent[E]{}, fmt.Errorf("kafkastore: watch %q of %q: %w", namespace, s.topic, s.life.Wrap(ctx, err)))
		}
		if err := s.life.Check(ctx); err != nil {
			fail(err)
			return
		}
		part := partitionFor(namespace, s.info.partitions)
		w := watchReader[E]{s: s, namespace: namespace, part: part, prefix: appendPrefix(nil, namespace)}
		from, err := s.resume(ctx, &w, after)
		if err != nil {
			fail(err)
			return
		}
		tries := 0
		for {
			if err := s.life.Check(ctx); err != nil {
				fail(err)
				return
			}
			fp, next, err := s.fetch(ctx, part, from, tries > 0, watchWait)
			if err == nil {
				err = fp.Err
			}
			if err != nil {
				if from, tries, err = s.recoverWatch(ctx, part, from, tries, err); err != nil {
					fail(err)
					return
				}
				continue
			}
			tries = 0
			for _, r := range fp.Records {
				if r.Offset < from {
					continue
				}
				c, ok, err := w.change(r)
				if err != nil {
					fail(err)
					return
				}
				if ok && !yield(unionstore.WatchEvent[E]{Change: c, Cursor: s.cursor(part, r.Offset+1)}, nil) {
					return
				}
			}
			if next > from {
				from = next
			}
		}
	}
}

// recoverWatch decides what a watch does after its fetch at offset from
// failed with err, on its tries-th retry in a row: unlike a read, a
// watch never moves past records deleted under it, it expires.
func (s *Store[E]) recoverWatch(ctx context.Context, part int32, from int64, tries int, err error) (int64, int, error) {
	if errors.Is(err, kerr.OffsetOutOfRange) {
		return 0, 0, fmt.Errorf("%w: partition %d no longer holds offset %d: %w", unionstore.ErrCursorExpired, part, from, err)
	}
	return s.recoverFetch(ctx, part, from, tries, err)
}

// watchReader turns the records of a watched partition into changes.
type watchReader[E unionstore.Entity] struct {
	s         *Store[E]
	namespace string
	part      int32
	prefix    []byte
}

// change returns the change a record holds and true, false for a record
// of another namespace, or an error that ends the watch: a purge record
// or a Kafka tombstone of the namespace, or a record that cannot be read.
func (w *watchReader[E]) change(r *kgo.Record) (unionstore.Change[E], bool, error) {
	if !bytes.HasPrefix(r.Key, w.prefix) {
		if len(r.Key) == 0 || r.Key[0] != keyVersion {
			return unionstore.Change[E]{}, false, fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, w.part, r.Offset, errKeyVersionOrEmpty(r.Key))
		}
		return unionstore.Change[E]{}, false, nil
	}
	if err := w.purged(r.Offset, r.Key, r.Value); err != nil {
		return unionstore.Change[E]{}, false, err
	}
	_, kind, id, err := decodeKey(r.Key)
	if err != nil {
		return unionstore.Change[E]{}, false, fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, w.part, r.Offset, err)
	}
	t, ts, payload, err := decodeValue(r.Value)
	if err != nil {
		return unionstore.Change[E]{}, false, &unionstore.DecodeError{Namespace: w.namespace, Kind: kind, ID: id, Err: fmt.Errorf("partition %d offset %d: %w", w.part, r.Offset, err)}
	}
	c, err := w.s.change(w.namespace, &entry{kind: kind, id: id, t: t, ts: ts, payload: payload})
	if err != nil {
		return unionstore.Change[E]{}, false, err
	}
	return c, true, nil
}

// purged returns an error wrapping [unionstore.ErrCursorExpired] for a
// purge record or a Kafka tombstone of the namespace, and nil for any
// other record. The watcher holds what the purge removed, which no event
// can take back: it must start again from a snapshot.
func (w *watchReader[E]) purged(offset int64, key, value []byte) error {
	rest, ok := bytes.CutPrefix(key, w.prefix)
	if ok && (isPurgeKey(rest) || value == nil) {
		return fmt.Errorf("%w: the namespace was purged at partition %d offset %d, after the cursor", unionstore.ErrCursorExpired, w.part, offset)
	}
	return nil
}

// cursor returns the cursor of offset next, the first offset a watch from
// it reads, in partition part: "kafka:", the topic's name, its id in hex,
// the partition and the offset, separated by colons (a topic's name holds
// no colon).
func (s *Store[E]) cursor(part int32, next int64) unionstore.Cursor {
	return unionstore.Cursor("kafka:" + s.topic + ":" + hex.EncodeToString(s.info.id[:]) + ":" + strconv.Itoa(int(part)) + ":" + strconv.FormatInt(next, 10))
}

// resume returns the offset a watch of w's partition from after begins
// at: the high watermark for "", the cursor's offset otherwise. It returns
// an error wrapping [unionstore.ErrCursorExpired] for a cursor the store
// did not make for the partition, one below the log start, one past the
// high watermark (a topic deleted and made again under the same name,
// without topic ids, could give one), and one that a purge record or a
// Kafka tombstone of the namespace follows: a purge expires every cursor
// taken before it, even that of a watcher that is up to date, so resume
// looks for one in the records between the cursor and the high
// watermark, comparing keys only, before the watch yields anything.
func (s *Store[E]) resume(ctx context.Context, w *watchReader[E], after unionstore.Cursor) (int64, error) {
	end, err := s.listOffset(ctx, w.part, -1)
	if err != nil {
		return 0, fmt.Errorf("partition %d: high watermark: %w", w.part, err)
	}
	if after == "" {
		return end, nil
	}
	from, err := s.parseCursor(w.part, after)
	if err != nil {
		return 0, err
	}
	if from > end {
		return 0, fmt.Errorf("%w: cursor %q is past the high watermark %d of partition %d", unionstore.ErrCursorExpired, after, end, w.part)
	}
	if from == end {
		return from, nil
	}
	start, err := s.listOffset(ctx, w.part, -2)
	if err != nil {
		return 0, fmt.Errorf("partition %d: log start: %w", w.part, err)
	}
	if from < start {
		return 0, fmt.Errorf("%w: cursor %q is below the log start %d of partition %d", unionstore.ErrCursorExpired, after, start, w.part)
	}
	_, err = s.readRange(ctx, w.part, from, end, func(offset int64, key, value []byte) error {
		return w.purged(offset, key, value)
	})
	return from, err
}

// errForeignCursor is wrapped by the error of a cursor the store did not
// make for the partition of the watched namespace.
var errForeignCursor = errors.New("not a cursor of this topic's partition")

// parseCursor returns the offset of a cursor made by [Store.cursor] for
// partition part of the store's topic.
func (s *Store[E]) parseCursor(part int32, c unionstore.Cursor) (int64, error) {
	want := strings.TrimSuffix(string(s.cursor(part, 0)), "0")
	if rest, ok := strings.CutPrefix(string(c), want); ok {
		if off, err := strconv.ParseInt(rest, 10, 64); err == nil && off >= 0 {
			return off, nil
		}
	}
	return 0, fmt.Errorf("%w: cursor %.100q: %w", unionstore.ErrCursorExpired, c, errForeignCursor)
}
