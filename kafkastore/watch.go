package kafkastore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// watchWait is how long a watch's fetch waits at the broker for a record
// when it is up to date: the longest a watch on a client it does not own
// takes to notice Close. A record that arrives meanwhile is returned at
// once.
const watchWait = 500 * time.Millisecond

// Snapshot takes the high watermark of the namespace's partition first,
// then loads the records below it, so that the records are exactly those
// before the position: "kafka:", the topic's name, its id in hex, the
// partition and the offset (see cursor).
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	part := partitionFor(namespace, d.info.partitions)
	end, err := d.listOffset(ctx, part, -1)
	if err != nil {
		return nil, "", fmt.Errorf("partition %d: high watermark: %w", part, err)
	}
	recs, err := d.loadTo(ctx, namespace, end)
	if err != nil {
		return nil, "", err
	}
	return recs, d.cursor(part, end), nil
}

// Watch yields the records saved to namespace after the position after,
// in offset order, each with the position of the offset that follows it;
// after "" watches from the partition's high watermark. It reads the
// namespace's partition as a consumer does, through fetches that wait at
// the broker up to half a second for new records, so an event arrives as
// soon as the broker has the record (see the package doc, "Change feed").
//
// It ends with an error wrapping [unionstore.ErrCursorExpired] for a
// position of another topic, another partition or another incarnation of
// the topic, one below the partition's log start (records deleted by
// retention or DeleteRecords) or past its high watermark, and when it
// reads a purge record of the namespace (a Purge or PurgeTombstones after
// the position) or a Kafka tombstone of it. A record of the namespace
// whose key cannot be read ends it with an error wrapping
// [unionstore.ErrDecode]; one whose value cannot be read is yielded as
// [backend.Damaged] (see damage.go), which ends it too. It ends with
// [unionstore.ErrClosed] at the first fetch after Close.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		fail := func(err error) { yield(backend.Event{}, err) }
		part := partitionFor(namespace, d.info.partitions)
		w := watchReader{namespace: namespace, part: part, prefix: appendPrefix(nil, namespace)}
		from, err := d.resume(ctx, &w, after)
		if err != nil {
			fail(err)
			return
		}
		tries := 0
		for {
			if err := d.life.Check(ctx); err != nil {
				fail(err)
				return
			}
			rp, err := d.fetch(ctx, part, from, tries > 0, watchWait, fetchMaxBytes)
			if err == nil {
				var visitErr error
				_, _, err, visitErr = visitBatches(rp, part, &from, math.MaxInt64, func(offset int64, key, value []byte) error {
					rec, ok, err := w.record(offset, key, value)
					if err != nil {
						return err
					}
					if ok && !yield(backend.Event{Record: rec, Position: d.cursor(part, offset+1)}, nil) {
						return errStopped
					}
					return nil
				})
				switch {
				case errors.Is(visitErr, errStopped):
					return
				case visitErr != nil:
					fail(visitErr)
					return
				}
			}
			if err != nil {
				if from, tries, err = d.recoverWatch(ctx, part, from, tries, err); err != nil {
					fail(err)
					return
				}
				continue
			}
			tries = 0
		}
	}
}

// errStopped ends the read of a watch whose caller stopped.
var errStopped = errors.New("the watch's caller stopped")

// recoverWatch decides what a watch does after its fetch at offset from
// failed with err, on its tries-th retry in a row: unlike a read, a
// watch never moves past records deleted under it, it expires.
func (d *driver) recoverWatch(ctx context.Context, part int32, from int64, tries int, err error) (int64, int, error) {
	if errors.Is(err, kerr.OffsetOutOfRange) {
		return 0, 0, fmt.Errorf("%w: partition %d no longer holds offset %d: %w", unionstore.ErrCursorExpired, part, from, err)
	}
	return d.recoverFetch(ctx, part, from, tries, err)
}

// watchReader picks the records of a watched namespace out of its
// partition.
type watchReader struct {
	namespace string
	part      int32
	prefix    []byte
}

// record returns the record of the namespace that the Kafka record at
// offset, of key and value, holds and true; false for a record of another
// namespace; or an error that ends the watch: a purge record or a Kafka
// tombstone of the namespace, or a key that cannot be read. A value that
// cannot be read gives a [backend.Damaged] record. The payload aliases
// value.
func (w *watchReader) record(offset int64, key, value []byte) (backend.Record, bool, error) {
	if !bytes.HasPrefix(key, w.prefix) {
		if len(key) == 0 || key[0] != keyVersion {
			return backend.Record{}, false, fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, w.part, offset, errKeyVersionOrEmpty(key))
		}
		return backend.Record{}, false, nil
	}
	if err := w.purged(offset, key, value); err != nil {
		return backend.Record{}, false, err
	}
	_, kind, id, err := decodeKey(key)
	if err != nil {
		return backend.Record{}, false, fmt.Errorf("%w: partition %d offset %d: %w", unionstore.ErrDecode, w.part, offset, err)
	}
	t, ts, payload, err := decodeValue(value)
	if err != nil {
		return backend.Damaged(w.namespace, kind, id, fmt.Errorf("partition %d offset %d: %w", w.part, offset, err)), true, nil
	}
	return backend.Record{Namespace: w.namespace, Kind: kind, ID: id, Type: t, Timestamp: ts, Payload: payload}, true, nil
}

// purged returns an error wrapping [unionstore.ErrCursorExpired] for a
// purge record or a Kafka tombstone of the namespace, and nil for any
// other record. The watcher holds what the purge removed, which no event
// can take back: it must start again from a snapshot.
func (w *watchReader) purged(offset int64, key, value []byte) error {
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
func (d *driver) cursor(part int32, next int64) string {
	return "kafka:" + d.topic + ":" + hex.EncodeToString(d.info.id[:]) + ":" + strconv.Itoa(int(part)) + ":" + strconv.FormatInt(next, 10)
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
func (d *driver) resume(ctx context.Context, w *watchReader, after string) (int64, error) {
	end, err := d.listOffset(ctx, w.part, -1)
	if err != nil {
		return 0, fmt.Errorf("partition %d: high watermark: %w", w.part, err)
	}
	if after == "" {
		return end, nil
	}
	from, err := d.parseCursor(w.part, after)
	if err != nil {
		return 0, err
	}
	if from > end {
		return 0, fmt.Errorf("%w: cursor %q is past the high watermark %d of partition %d", unionstore.ErrCursorExpired, after, end, w.part)
	}
	if from == end {
		return from, nil
	}
	start, err := d.listOffset(ctx, w.part, -2)
	if err != nil {
		return 0, fmt.Errorf("partition %d: log start: %w", w.part, err)
	}
	if from < start {
		return 0, fmt.Errorf("%w: cursor %q is below the log start %d of partition %d", unionstore.ErrCursorExpired, after, start, w.part)
	}
	_, err = d.readRange(ctx, w.part, from, end, func(offset int64, key, value []byte) error {
		return w.purged(offset, key, value)
	})
	return from, err
}

// errForeignCursor is wrapped by the error of a cursor the store did not
// make for the partition of the watched namespace.
var errForeignCursor = errors.New("not a cursor of this topic's partition")

// parseCursor returns the offset of a cursor made by [driver.cursor] for
// partition part of the store's topic.
func (d *driver) parseCursor(part int32, c string) (int64, error) {
	want := strings.TrimSuffix(d.cursor(part, 0), "0")
	if rest, ok := strings.CutPrefix(c, want); ok {
		if off, err := strconv.ParseInt(rest, 10, 64); err == nil && off >= 0 {
			return off, nil
		}
	}
	return 0, fmt.Errorf("%w: cursor %.100q: %w", unionstore.ErrCursorExpired, c, errForeignCursor)
}
