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
	"github.com/unionstore/unionstore/backend"
)

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
func (d *driver) listNamespace(ctx context.Context, namespace string, after int64) ([]listed, error) {
	prefix := d.namespacePrefix(namespace)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(d.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
	if after > 0 {
		// Every name of a later time sorts after this, every name of
		// time after or earlier before it.
		in.StartAfter = aws.String(prefix + hexTime(after+1))
	}
	var out []listed
	p := s3.NewListObjectsV2Paginator(d.client, in)
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

// Snapshot returns what Scan yields, its payloads copied, and the
// position of that state: the watch window before Snapshot began, and
// the latest purge marker it lists, listed before the Scan. It costs a
// LIST of the last window beside the Scan.
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	floor := time.Now().UnixNano() - int64(d.watchWindow)
	objs, err := d.listNamespace(ctx, namespace, floor)
	if err != nil {
		return nil, "", err
	}
	purged := latestMarker(objs, 0)
	var (
		recs []backend.Record
		buf  payloads
	)
	err = d.walk(ctx, namespace, func(r backend.Record, _ error) bool {
		r.Payload = buf.copy(r.Payload)
		recs = append(recs, r)
		return true
	})
	if err != nil {
		return nil, "", err
	}
	return recs, d.cursor(namespace, floor, purged), nil
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

// Watch yields the records saved to namespace after the position after,
// one event per record, segment by segment in the order of their names
// and each segment's records by kind then id; after "" watches from now.
// Every poll interval ([WithPollInterval]) it lists the segments named
// after its floor and reads those it has not read: one LIST, and one GET
// per new segment. An event's position resumes at its poll's floor: the
// events of the last watch window ([WithWatchWindow]) may come again,
// which applying them with last-write-wins makes harmless. A compaction's
// merged segment is named after every segment it merged, so a watcher
// behind a compaction reads the merged copy, and skips at most superseded
// changes.
//
// It ends with an error wrapping [unionstore.ErrCursorExpired] for a
// position of another bucket, prefix or namespace, and when it lists a
// purge marker later than its position's: a Purge or a PurgeTombstones
// that removed something after it. A damaged segment ends it with an
// error wrapping [ErrCorrupt]. It ends with ctx's error when ctx is done
// and with [unionstore.ErrClosed] when the driver is closed.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		if err := d.watch(ctx, namespace, after, yield); err != nil {
			yield(backend.Event{}, err)
		}
	}
}

// watch runs a Watch until yield asks it to stop, or returns the error
// that ends it.
func (d *driver) watch(ctx context.Context, namespace, after string, yield func(backend.Event, error) bool) error {
	w := &watch{d: d, namespace: namespace, seen: map[string]bool{}}
	if after == "" {
		if err := w.start(ctx); err != nil {
			return err
		}
	} else {
		var err error
		if w.floor, w.purged, err = d.parseCursor(namespace, after); err != nil {
			return err
		}
	}
	for {
		more, err := w.poll(ctx, yield)
		if err != nil || !more {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.life.Done():
			return unionstore.ErrClosed
		case <-time.After(d.pollInterval):
		}
	}
}

// watch is the state of one walk of a Watch.
type watch struct {
	d         *driver
	namespace string
	floor     int64 // every object named at or before it has been read
	purged    int64 // the latest purge marker accounted for
	// seen holds the keys named after floor that the watch has read.
	seen map[string]bool
}

// start sets up a watch from now: what the namespace holds is taken as
// read, and its purge markers as accounted for.
func (w *watch) start(ctx context.Context) error {
	floor := time.Now().UnixNano() - int64(w.d.watchWindow)
	objs, err := w.d.listNamespace(ctx, w.namespace, floor)
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
func (w *watch) poll(ctx context.Context, yield func(backend.Event, error) bool) (bool, error) {
	began := time.Now().UnixNano()
	objs, err := w.d.listNamespace(ctx, w.namespace, w.floor)
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
	position := w.d.cursor(w.namespace, w.floor, w.purged)
	vanished := false
	for _, o := range objs {
		if o.marker || w.seen[o.key] {
			continue
		}
		more, err := w.read(ctx, o.key, position, yield)
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
		w.floor = max(w.floor, began-int64(w.d.watchWindow))
		for k := range w.seen {
			if t, _, _ := parseName(k[strings.LastIndexByte(k, '/')+1:]); t <= w.floor {
				delete(w.seen, k)
			}
		}
	}
	return true, nil
}

// read yields the records of the segment at key, each with position. It
// returns false when yield asked to stop, and an error wrapping
// errVanished for a segment deleted since the listing.
func (w *watch) read(ctx context.Context, key string, position string, yield func(backend.Event, error) bool) (bool, error) {
	readers, err := w.d.openSegments(ctx, w.namespace, []string{key})
	if err != nil {
		return false, err
	}
	r := readers[0]
	defer r.close()
	kind := "" // shared by a run of records of one kind, as in Scan
	for {
		if err := w.d.life.Check(ctx); err != nil {
			return false, err
		}
		ok, err := r.next()
		if err != nil || !ok {
			return true, err
		}
		// The store decodes the record before it asks for the next: the
		// payload may stay in the segment's block, as Scan's does.
		rec := r.record(w.namespace, kind)
		kind = rec.Kind
		if !yield(backend.Event{Record: rec, Position: position}, nil) {
			return false, nil
		}
	}
}

// cursor returns the cursor of a watch of namespace at floor, having
// accounted for the purge markers up to purged: "s3:", the floor and
// purged in 16 hex digits each, separated by colons, then a colon, the
// bucket, a slash and the namespace's key prefix.
func (d *driver) cursor(namespace string, floor, purged int64) string {
	return "s3:" + hexTime(floor) + ":" + hexTime(purged) + ":" + d.bucket + "/" + d.namespacePrefix(namespace)
}

// errForeignCursor is wrapped by the error of a cursor the store did not
// make for the watched namespace.
var errForeignCursor = errors.New("not a cursor of this bucket, prefix and namespace")

// parseCursor returns the floor and the purge marker time of a cursor
// made by [driver.cursor] for namespace.
func (d *driver) parseCursor(namespace, str string) (floor, purged int64, err error) {
	if rest, ok := strings.CutPrefix(str, "s3:"); ok && len(rest) > 34 && rest[16] == ':' && rest[33] == ':' && rest[34:] == d.bucket+"/"+d.namespacePrefix(namespace) {
		f, err1 := hex.DecodeString(rest[:16])
		p, err2 := hex.DecodeString(rest[17:33])
		if err1 == nil && err2 == nil {
			return int64(binary.BigEndian.Uint64(f)), int64(binary.BigEndian.Uint64(p)), nil
		}
	}
	return 0, 0, fmt.Errorf("%w: cursor %.100q: %w", unionstore.ErrCursorExpired, str, errForeignCursor)
}
