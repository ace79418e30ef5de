package s3store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// maxDeleteKeys is the most keys one DeleteObjects request may name.
const maxDeleteKeys = 1000

// Compact merges the segments of namespace into one. It lists the
// namespace, merges every segment it found into a new segment that keeps
// the latest change of each identity, tombstones included, writes it with
// one PUT, and only then deletes the segments it merged, with one
// DeleteObjects request per 1,000. Records are copied as they are, not
// decoded, so a payload the codec cannot read is kept too. A namespace of
// fewer than two segments is left alone.
//
// Compact is safe to run at any time, from any number of processes, beside
// saves and reads: a reader sees the same changes before, during and after
// a compaction, because a record keeps the timestamp and the origin (the
// Save it came from) that decide which copy wins, wherever it is copied.
// Two compactions racing write two equal segments and delete each other's
// inputs, losing nothing. A compaction stopped between its write and its
// deletions leaves duplicates that reads merge away and the next
// compaction removes.
//
// Compact holds the merged segment in memory: about the size of the
// namespace's latest changes. It returns an error naming the segment or
// request that failed, [unionstore.ErrClosed] after Close and an error
// wrapping ctx.Err() if ctx is done. When some deletions fail, the merged
// segment is in place and the error lists the keys left behind.
func (s *Store[E]) Compact(ctx context.Context, namespace string) error {
	return s.Do(ctx, fmt.Sprintf("compact %q of", namespace), func() error { return s.d.compact(ctx, namespace) })
}

// compact is [Store.Compact], which Put also runs past [WithMaxSegments],
// with errors that name neither the store nor the namespace.
func (d *driver) compact(ctx context.Context, namespace string) error {
	if err := d.life.Check(ctx); err != nil {
		return err
	}
	readers, err := d.openReaders(ctx, namespace)
	if err != nil {
		return err
	}
	if len(readers) < 2 {
		for _, r := range readers {
			r.close()
		}
		return nil
	}
	inputs := segmentKeys(readers)
	w := newSegmentWriter(namespace, d.segmentVersion)
	if err := d.mergeSegments(ctx, readers, w.add); err != nil {
		return err
	}
	// The merged segment's name sorts after every input's, whatever the
	// clocks that named them: a watcher that has not read an input yet
	// lists the merged segment after it (see watch.go).
	if err := d.put(ctx, d.namespacePrefix(namespace)+originAfter(latestTime(inputs)).name(), w.finish()); err != nil {
		return err
	}
	if d.afterCompactWrite != nil {
		if err := d.afterCompactWrite(); err != nil {
			return err
		}
	}
	if err := d.deleteKeys(ctx, inputs); err != nil {
		return err
	}
	d.noteSegments(namespace, -len(inputs)+1, false)
	return nil
}

// mergeSegments merges readers, as [merger] does, and passes the winning
// record of each identity to add, in (kind, id) order; the record is valid
// until add returns. It closes the readers, and stops at the first error,
// or once ctx is done or the store is closed.
func (d *driver) mergeSegments(ctx context.Context, readers []*segmentReader, add func(*record)) error {
	m, err := newMerger(readers)
	if err != nil {
		return err
	}
	defer m.close()
	winner := func(r *segmentReader) error {
		add(&r.rec)
		return nil
	}
	for {
		ok, err := m.next(winner)
		if err != nil || !ok {
			return err
		}
		if err := d.life.Check(ctx); err != nil {
			return err
		}
	}
}

// segmentKeys returns the keys of the segments readers read.
func segmentKeys(readers []*segmentReader) []string {
	keys := make([]string, len(readers))
	for i, r := range readers {
		keys[i] = r.key
	}
	return keys
}

// deleteKeys deletes keys, 1,000 per request, and forgets their indexes.
// Deleting a key already gone succeeds, as S3 does.
func (d *driver) deleteKeys(ctx context.Context, keys []string) error {
	d.indexes.remove(keys)
	var errs []error
	for len(keys) > 0 {
		n := min(len(keys), maxDeleteKeys)
		ids := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := d.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(d.bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete %d merged segments: %w", n, err)
		}
		for _, e := range out.Errors {
			errs = append(errs, fmt.Errorf("delete merged segment %s: %s: %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message)))
		}
		keys = keys[n:]
	}
	return errors.Join(errs...)
}
