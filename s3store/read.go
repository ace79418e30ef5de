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

// listSegments returns the keys of namespace's segments, sorted. Objects
// under the namespace's prefix that are not named like segments are not
// the store's and are left out.
func (d *driver) listSegments(ctx context.Context, namespace string) ([]string, error) {
	prefix := d.namespacePrefix(namespace)
	var keys []string
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
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
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
			var nsk *types.NoSuchKey
			if errors.As(err, &nsk) || isNotFound(err) {
				errs[i] = fmt.Errorf("get %s: %w", keys[i], errVanished)
			} else {
				errs[i] = fmt.Errorf("get %s: %w", keys[i], err)
			}
			return
		}
		readers[i], errs[i] = openSegment(keys[i], namespace, out.Body)
	})
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
	if len(vanished)+len(other) == 0 {
		return readers, nil
	}
	for _, r := range readers {
		if r != nil {
			r.close()
		}
	}
	if len(other) > 0 {
		return nil, errors.Join(other...)
	}
	return nil, errors.Join(vanished...)
}

// openReaders lists namespace's segments and opens them all, listing
// again when a compaction deleted a segment in between.
func (d *driver) openReaders(ctx context.Context, namespace string) ([]*segmentReader, error) {
	for listing := 1; ; listing++ {
		keys, err := d.listSegments(ctx, namespace)
		if err != nil {
			return nil, err
		}
		d.noteSegments(namespace, len(keys), true)
		readers, err := d.openSegments(ctx, namespace, keys)
		if !errors.Is(err, errVanished) || listing == maxListings {
			return readers, err
		}
		wait := time.Duration(5<<(listing-1)) * time.Millisecond
		wait += time.Duration(rand.Int64N(int64(wait)))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
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
