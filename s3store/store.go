package s3store

import (
	"time"

	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/unionstore/unionstore"
)

// Store is a [unionstore.Store] that keeps changes in an S3 bucket as
// immutable, sorted segment objects, one or more per namespace. It also
// implements [unionstore.Scanner], [unionstore.NamespaceLister],
// [unionstore.Getter], [unionstore.Checker], [unionstore.Purger],
// [unionstore.TombstonePurger] and [unionstore.Watcher].
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a bucket and prefix: segments are never overwritten, and
// reads merge them by timestamp.
type Store[E unionstore.Entity] struct {
	client         *s3.Client
	bucket, prefix string
	codec          unionstore.Codec[E]
	maxSegments    int
	concurrency    int
	onCompactError func(namespace string, err error)
	pollInterval   time.Duration
	watchWindow    time.Duration
	life           unionstore.Lifecycle
	release        func() // closes the connections of a client OpenURL made

	mu       sync.Mutex
	segments map[string]int // namespace: segments listed, plus those saved since

	// afterCompactWrite, when set by a test, runs between the write of a
	// compacted segment and the deletion of its inputs; an error stops the
	// compaction there, as a crash would.
	afterCompactWrite func() error
}

var (
	_ unionstore.Store[unionstore.Entity]   = (*Store[unionstore.Entity])(nil)
	_ unionstore.Scanner[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
	_ unionstore.Getter[unionstore.Entity]  = (*Store[unionstore.Entity])(nil)
	_ unionstore.Checker[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
	_ unionstore.NamespaceLister            = (*Store[unionstore.Entity])(nil)
)

// New returns a store on client, which stays the caller's, in bucket under
// prefix (leading and trailing slashes are ignored; "" is the bucket's
// root). The prefix belongs to the store: it should hold nothing else.
//
// New sends one HeadBucket request: a missing bucket gives an error
// wrapping [ErrNoBucket] that names it. It creates nothing. For an
// S3-compatible server, configure client with path-style addressing and
// with RequestChecksumCalculation and ResponseChecksumValidation set to
// when-required, as [OpenURL] does: see the package documentation.
func New[E unionstore.Entity](ctx context.Context, client *s3.Client, bucket, prefix string, opts ...Option) (*Store[E], error) {
	s, err := newStore[E](ctx, client, bucket, prefix, opts)
	if err != nil {
		return nil, fmt.Errorf("s3store: %w", err)
	}
	return s, nil
}

// newStore is [New] with errors that do not name the package.
func newStore[E unionstore.Entity](ctx context.Context, client *s3.Client, bucket, prefix string, opts []Option) (*Store[E], error) {
	if client == nil {
		return nil, errors.New("nil client")
	}
	if bucket == "" {
		return nil, errors.New("empty bucket name")
	}
	c, codec, err := configure[E](opts)
	if err != nil {
		return nil, err
	}
	s := &Store[E]{
		client:         client,
		bucket:         bucket,
		prefix:         normalizePrefix(prefix),
		codec:          codec,
		maxSegments:    c.maxSegments,
		concurrency:    c.concurrency,
		onCompactError: c.onCompactError,
		pollInterval:   c.pollInterval,
		watchWindow:    c.watchWindow,
		segments:       map[string]int{},
	}
	if len(s.prefix)+len("x/")+segmentNameLen > MaxKeyBytes {
		return nil, fmt.Errorf("prefix of %d bytes leaves no room for keys of at most %d bytes", len(s.prefix), MaxKeyBytes)
	}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("bucket %q: %w", bucket, ErrNoBucket)
		}
		return nil, fmt.Errorf("bucket %q: %w", bucket, err)
	}
	return s, nil
}

// Close marks the store closed; Save, Load, Scan, Get, Namespaces and
// Compact then return [unionstore.ErrClosed], and a scan under way ends at
// its next record. A store made by [OpenURL] also closes its client's idle
// connections, and those of requests under way once they end; a store made
// by [New] leaves the caller's client alone. Close is safe to call more
// than once and always returns nil.
func (s *Store[E]) Close() error {
	if s.life.Close() && s.release != nil {
		s.release()
	}
	return nil
}

// Bucket returns the store's bucket.
func (s *Store[E]) Bucket() string { return s.bucket }

// Prefix returns the store's key prefix, "" or ending in a slash.
func (s *Store[E]) Prefix() string { return s.prefix }

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

// noteSegments adds delta to the count of namespace's segments, or sets
// it when set is true, and returns the new count.
func (s *Store[E]) noteSegments(namespace string, n int, set bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !set {
		n += s.segments[namespace]
	}
	s.segments[namespace] = n
	return n
}
