package s3store

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
)

var _ unionstore.Watcher[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// A watch lists its namespace after a floor, a time in the writers'
// clocks: every object named at or before the floor has been read. The
// floor trails the watcher's clock by the watch window, because a
// segment is named when its Save begins and lands when its PUT ends, and
// writers' clocks differ: each poll lists again the segments of the last
// window and reads those it has not read yet, so that a slow Save is not
// missed. A cursor holds the floor, and the time of the latest purge
// marker its holder has accounted for: a marker named later means a purge
// after the cursor, and expires it.

// hexTime returns t as the 16 hex digits that begin an object's name.
func hexTime(t int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t))
	return hex.EncodeToString(b[:])
}

// listNamespace returns the segments and purge markers of namespace named
// after time after, in key order, which is the order of their names'
// times. Objects the store did not write are left out.
func (s *Store[E]) listNamespace(ctx context.Context, namespace string, after int64) ([]listed, error) {
	prefix := s.namespacePrefix(namespace)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
	if after > 0 {
		// Every name of a later time sorts after this, every name of
		// time after or earlier before it.
		in.StartAfter = aws.String(prefix + hexTime(after+1))
	}
	var out []listed
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if t, marker, ok := parseName(strings.TrimPrefix(k, prefix)); ok && t > after {
				out = append(out, listed{key: k, time: t, marker: marker})
			}
		}
	}
	return out, nil
}

// Snapshot returns what [Store.Load] returns, and the cursor of that
// state: the watch window before Snapshot began, and the latest purge
// marker it lists, listed before the Load. It costs a LIST of the last
// window beside the Load. Its errors are Load's, and a failed LIST.
func (s *Store[E]) Snapshot(ctx context.Context, namespace string) (unionstore.Changes[E], unionstore.Cursor, error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, "", fmt.Errorf("s3store: snapshot %q: %w", namespace, err)
	}
	floor := time.Now().UnixNano() - int64(s.watchWindow)
	objs, err := s.listNamespace(ctx, namespace, floor)
	if err != nil {
		return nil, "", fmt.Errorf("s3store: snapshot %q: %w", namespace, s.life.Wrap(ctx, err))
	}
	purged := latestMarker(objs, 0)
	changes, err := s.Load(ctx, namespace)
	if err != nil && !errors.Is(err, unionstore.ErrDecode) {
		return nil, "", err
	}
	return changes, s.cursor(namespace, floor, purged), err
}

// latestMarker returns the latest time of a purge marker in objs, or
// purged if none is later.
func latestMarker(objs []listed, purged int64) int64 {
	for _, o := range objs {
		if o.marker {
			purged = max(purged, o.time)
		}
	}
	return purged
}

// Watch yields the changes saved to namespace after the cursor after, one
// event per record, segment by segment in the order of their names and
// each segment's records by kind then id; after "" watches from now. Every
// poll interval ([WithPollInterval]) it lists the segments named after its
// floor and reads those it has not read: one LIST, and one GET per new
// segment. An event's cursor resumes at its poll's floor: the events of
// the last watch window ([WithWatchWindow]) may come again, which
// applying them with last-write-wins makes harmless. A compaction's
// merged segment is named after every segment it merged, so a watcher
// behind a compaction reads the merged copy, and skips at most superseded
// changes.
//
// It ends with an error wrapping [unionstore.ErrCursorExpired] for a
// cursor of another bucket, prefix or namespace, and when it lists a purge
// marker later than its cursor's: a [Store.Purge] or a
// [Store.PurgeTombstones] that removed something after the cursor. A
// damaged segment ends it with an error wrapping [ErrCorrupt], and a
// record that does not decode with a [*unionstore.DecodeError]. It ends
// with ctx's error when ctx is done and with [unionstore.ErrClosed] when
// the store is closed. The sequence can be walked more than once, each
// walk a new watch.
func (s *Store[E]) Watch(ctx context.Context, namespace string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[E], error] {
	return func(yield func(unionstore.WatchEvent[E], error) bool) {
		fail := func(err error) {
			yield(unionstore.WatchEvent[E]{}, fmt.Errorf("s3store: watch %q: %w", namespace, s.life.Wrap(ctx, err)))
		}
		if err := s.life.Check(ctx); err != nil {
			fail(err)
			return
		}
		w := &watch[E]{s: s, namespace: namespace, seen: map[string]bool{}}
		if after == "" {
			if err := w.start(ctx); err != nil {
				fail(err)
				return
			}
		} else {
			var err error
			if w.floor, w.purged, err = s.parseCursor(namespace, after); err != nil {
				fail(err)
				return
			}
		}
		for {
			more, err := w.poll(ctx, yield)
			if err != nil {
				fail(err)
				return
			}
			if !more {
				return
			}
			select {
			case <-ctx.Done():
				fail(ctx.Err())
				return
			case <-s.life.Done():
				fail(unionstore.ErrClosed)
				return
			case <-time.After(s.pollInterval):
			}
		}
	}
}

// watch is the state of one walk of a Watch.
type watch[E unionstore.Entity] struct {
	s         *Store[E]
	namespace string
	floor     int64 // every object named at or before it has been read
	purged    int64 // the latest purge marker accounted for
	// seen holds the keys named after floor that the watch has read.
	seen map[string]bool
}

// start sets up a watch from now: what the namespace holds is taken as
// read, and its purge markers as accounted for.
func (w *watch[E]) start(ctx context.Context) error {
	floor := time.Now().UnixNano() - int64(w.s.watchWindow)
	objs, err := w.s.listNamespace(ctx, w.namespace, floor)
	if err != nil {
		return err
	}
	w.floor, w.purged = floor, latestMarker(objs, 0)
	for _, o := range objs {
		w.seen[o.key] = true
	}
	return nil
}

// poll lists the namespace after the floor, yields the records of the
// segments it has not read, and moves the floor up. It returns false when
// yield asked to stop, and an error that ends the watch.
func (w *watch[E]) poll(ctx context.Context, yield func(unionstore.WatchEvent[E], error) bool) (bool, error) {
	began := time.Now().UnixNano()
	objs, err := w.s.listNamespace(ctx, w.namespace, w.floor)
	if err != nil {
		return false, err
	}
	// A purge after the cursor expires it before anything of the
	// listing is yielded: the watcher holds what the purge removed.
	for _, o := range objs {
		if o.marker && o.time > w.purged {
			return false, fmt.Errorf("%w: the namespace was purged after the cursor (purge marker %s)", unionstore.ErrCursorExpired, o.key)
		}
	}
	cursor := w.s.cursor(w.namespace, w.floor, w.purged)
	vanished := false
	for _, o := range objs {
		if o.marker || w.seen[o.key] {
			continue
		}
		more, err := w.read(ctx, o.key, cursor, yield)
		switch {
		case errors.Is(err, errVanished):
			// A compaction merged it into a segment named after it,
			// which this listing or the next holds.
			vanished = true
			continue
		case err != nil:
			return false, err
		case !more:
			return false, nil
		}
		w.seen[o.key] = true
	}
	if !vanished {
		w.floor = max(w.floor, began-int64(w.s.watchWindow))
		for k := range w.seen {
			if t, _, _ := parseName(k[strings.LastIndexByte(k, '/')+1:]); t <= w.floor {
				delete(w.seen, k)
			}
		}
	}
	return true, nil
}

// read yields the records of the segment at key, each with cursor. It
// returns false when yield asked to stop, and an error wrapping
// errVanished for a segment deleted since the listing.
func (w *watch[E]) read(ctx context.Context, key string, cursor unionstore.Cursor, yield func(unionstore.WatchEvent[E], error) bool) (bool, error) {
	readers, err := w.s.openSegments(ctx, w.namespace, []string{key})
	if err != nil {
		return false, err
	}
	r := readers[0]
	defer r.close()
	for {
		if err := w.s.life.Check(ctx); err != nil {
			return false, err
		}
		ok, err := r.next()
		if err != nil || !ok {
			return true, err
		}
		c, err := w.s.decode(w.namespace, &r.rec)
		if err != nil {
			return false, err
		}
		if !yield(unionstore.WatchEvent[E]{Change: c, Cursor: cursor}, nil) {
			return false, nil
		}
	}
}

// cursor returns the cursor of a watch of namespace at floor, having
// accounted for the purge markers up to purged: "s3:", the floor and
// purged in 16 hex digits each, separated by colons, then a colon, the
// bucket, a slash and the namespace's key prefix.
func (s *Store[E]) cursor(namespace string, floor, purged int64) unionstore.Cursor {
	return unionstore.Cursor("s3:" + hexTime(floor) + ":" + hexTime(purged) + ":" + s.bucket + "/" + s.namespacePrefix(namespace))
}

// errForeignCursor is wrapped by the error of a cursor the store did not
// make for the watched namespace.
var errForeignCursor = errors.New("not a cursor of this bucket, prefix and namespace")

// parseCursor returns the floor and the purge marker time of a cursor
// made by [Store.cursor] for namespace.
func (s *Store[E]) parseCursor(namespace string, c unionstore.Cursor) (floor, purged int64, err error) {
	str := string(c)
	if rest, ok := strings.CutPrefix(str, "s3:"); ok && len(rest) > 34 && rest[16] == ':' && rest[33] == ':' && rest[34:] == s.bucket+"/"+s.namespacePrefix(namespace) {
		f, err1 := hex.DecodeString(rest[:16])
		p, err2 := hex.DecodeString(rest[17:33])
		if err1 == nil && err2 == nil {
			return int64(binary.BigEndian.Uint64(f)), int64(binary.BigEndian.Uint64(p)), nil
		}
	}
	return 0, 0, fmt.Errorf("%w: cursor %.100q: %w", unionstore.ErrCursorExpired, str, errForeignCursor)
}
