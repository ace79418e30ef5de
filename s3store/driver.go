package s3store

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// driver is the engine code of a [Store]: segment objects in a bucket,
// under a prefix.
type driver struct {
	client         *s3.Client
	bucket, prefix string
	maxSegments    int
	concurrency    int
	onCompactError func(namespace string, err error)
	pollInterval   time.Duration
	watchWindow    time.Duration
	segmentVersion byte   // of the segments written
	release        func() // closes the connections of a client OpenURL made

	// life is closed by Close: scans stop at their next record, watches
	// at once, and compactions between their steps.
	life unionstore.Lifecycle

	mu       sync.Mutex
	segments map[string]int // namespace: segments listed, plus those saved since
	loaded   map[string]int // namespace: records its last whole load visited

	indexes *indexCache // of the segments Get has read

	// afterCompactWrite, when set by a test, runs between the write of a
	// compacted segment and the deletion of its inputs; an error stops the
	// compaction there, as a crash would.
	afterCompactWrite func() error
}

var (
	_ backend.Driver        = (*driver)(nil)
	_ backend.Feeder        = (*driver)(nil)
	_ backend.RecordChecker = (*driver)(nil)
	_ backend.LoadVisitor   = (*driver)(nil)
	_ backend.LoadSizer     = (*driver)(nil)
)

// String names the bucket and prefix, as s3://BUCKET/PREFIX.
func (d *driver) String() string { return "s3://" + d.bucket + "/" + d.prefix }

// Limits returns no limit that [backend.Limits] can say: a namespace's
// bound depends on its escaping and on the prefix, and a record's on its
// kind, id and payload together. CheckRecord holds both.
func (d *driver) Limits() backend.Limits { return backend.Limits{} }

// CheckRecord refuses a record whose namespace makes segment keys longer
// than [MaxKeyBytes] with the store's prefix, with an error wrapping
// [backend.ErrKeyTooLong], and one whose kind, id and payload take more
// than [MaxRecordBytes] together, with an error wrapping
// [backend.ErrPayloadTooLarge].
func (d *driver) CheckRecord(r backend.Record) error {
	if n := len(d.prefix) + escapedLen(r.Namespace) + len("/") + segmentNameLen; n > MaxKeyBytes {
		return fmt.Errorf("%w: namespace %s makes segment keys of %d bytes with the prefix, over S3's %d",
			backend.ErrKeyTooLong, quoteShort(r.Namespace), n, MaxKeyBytes)
	}
	if size := len(r.Kind) + len(r.ID) + len(r.Payload); size > MaxRecordBytes {
		return fmt.Errorf("%w: kind, id and encoded entity take %d bytes, over the record limit of %d",
			backend.ErrPayloadTooLarge, size, MaxRecordBytes)
	}
	return nil
}

// Close ends the driver's scans, watches and compactions, and closes the
// connections of a client that [OpenURL] made, those of requests under
// way once they end. A client given to [New] is left alone.
func (d *driver) Close() error {
	if d.life.Close() && d.release != nil {
		d.release()
	}
	return nil
}

// isNotFound reports whether err is S3's answer for a missing bucket or
// object.
func isNotFound(err error) bool {
	var (
		nf  *types.NotFound
		nsb *types.NoSuchBucket
		nsk *types.NoSuchKey
		re  *awshttp.ResponseError
	)
	return errors.As(err, &nf) || errors.As(err, &nsb) || errors.As(err, &nsk) ||
		(errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound)
}

// noteSegments adds n to the count of namespace's segments, or sets it
// to n when set is true, and returns the new count.
func (d *driver) noteSegments(namespace string, n int, set bool) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !set {
		n += d.segments[namespace]
	}
	d.segments[namespace] = n
	return n
}

// forEach calls fn(0) to fn(n-1), at most d.concurrency at a time, and
// waits for them all.
func (d *driver) forEach(n int, fn func(i int)) {
	if n == 1 {
		fn(0)
		return
	}
	sem := make(chan struct{}, d.concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// quoteShort quotes s for an error message, cut after 64 bytes.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:limit], len(s))
}
