package s3store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// maxListings is how many times a read lists a namespace when a segment it
// listed was deleted before it could open it, as a compaction does once it
// has written the segment that replaces it. Between listings it waits
// 5 ms, then twice as long each time, with jitter, so that reads racing
// a busy compactor spread out.
const maxListings = 8

// segmentObject is a segment as a listing gives it.
type segmentObject struct {
	key  string
	size int64
}

// listSegments returns namespace's segments, sorted by key. Objects under
// the namespace's prefix that are not named like segments are not the
// store's and are left out.
func (d *driver) listSegments(ctx context.Context, namespace string) ([]segmentObject, error) {
	prefix := d.namespacePrefix(namespace)
	var segs []segmentObject
	p := s3.NewListObjectsV2Paginator(d.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(d.bucket),
		Prefix:    aws.String(prefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); isSegmentName(strings.TrimPrefix(k, prefix)) {
				segs = append(segs, segmentObject{key: k, size: aws.ToInt64(o.Size)})
			}
		}
	}
	return segs, nil
}

// keysOf returns the keys of segs.
func keysOf(segs []segmentObject) []string {
	keys := make([]string, len(segs))
	for i, s := range segs {
		keys[i] = s.key
	}
	return keys
}

// isSegmentName reports whether name is what [origin.name] returns.
func isSegmentName(name string) bool {
	if len(name) != segmentNameLen || !strings.HasSuffix(name, segmentSuffix) || name[16] != '-' {
		return false
	}
	for i := 0; i < 33; i++ {
		if c := name[i]; i != 16 && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// errVanished marks a segment deleted between the listing and its GET.
var errVanished = errors.New("segment deleted since it was listed")

// openSegments opens every segment of keys concurrently and reads its
// header. On error it closes what it opened; the error wraps errVanished
// if a segment was missing and nothing else failed.
func (d *driver) openSegments(ctx context.Context, namespace string, keys []string) ([]*segmentReader, error) {
	readers := make([]*segmentReader, len(keys))
	errs := make([]error, len(keys))
	d.forEach(len(keys), func(i int) {
		if ctx.Err() != nil || d.life.Closed() {
			errs[i] = d.life.Check(ctx)
			return
		}
		out, err := d.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(keys[i])})
		if err != nil {
			errs[i] = getError(keys[i], err)
			return
		}
		readers[i], errs[i] = openSegment(keys[i], namespace, out.Body)
	})
	if err := segmentErrors(errs); err != nil {
		closeAll(readers)
		return nil, err
	}
	return readers, nil
}

// getError names object key in err, the error of its GET, and wraps
// errVanished if the object is missing.
func getError(key string, err error) error {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) || isNotFound(err) {
		return fmt.Errorf("get %s: %w", key, errVanished)
	}
	return fmt.Errorf("get %s: %w", key, err)
}

// segmentErrors joins the errors of reads of several segments, nil ones
// left out. The result wraps errVanished only if every error does: a
// listing again cannot mend the others.
func segmentErrors(errs []error) error {
	var vanished, other []error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, errVanished):
			vanished = append(vanished, err)
		default:
			other = append(other, err)
		}
	}
	if len(other) > 0 {
		return errors.Join(other...)
	}
	return errors.Join(vanished...)
}

// closeAll closes the readers that are not nil.
func closeAll(readers []*segmentReader) {
	for _, r := range readers {
		if r != nil {
			r.close()
		}
	}
}

// listed lists namespace's segments and calls fn with them. While fn's
// error wraps errVanished, as when a compaction deleted a segment between
// the listing and its GET, it lists again, up to maxListings times.
func (d *driver) listed(ctx context.Context, namespace string, fn func([]segmentObject) error) error {
	for listing := 1; ; listing++ {
		segs, err := d.listSegments(ctx, namespace)
		if err != nil {
			return err
		}
		d.noteSegments(namespace, len(segs), true)
		err = fn(segs)
		if !errors.Is(err, errVanished) || listing == maxListings {
			return err
		}
		wait := time.Duration(5<<(listing-1)) * time.Millisecond
		wait += time.Duration(rand.Int64N(int64(wait)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// openReaders lists namespace's segments and opens them all, listing
// again when a compaction deleted a segment in between.
func (d *driver) openReaders(ctx context.Context, namespace string) ([]*segmentReader, error) {
	var readers []*segmentReader
	err := d.listed(ctx, namespace, func(segs []segmentObject) error {
		var err error
		readers, err = d.openSegments(ctx, namespace, keysOf(segs))
		return err
	})
	return readers, err
}

// openMerge opens a merge of namespace's segments, as openReaders finds
// them.
func (d *driver) openMerge(ctx context.Context, namespace string) (*merger, error) {
	readers, err := d.openReaders(ctx, namespace)
	if err != nil {
		return nil, err
	}
	return newMerger(readers)
}
