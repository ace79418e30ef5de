package s3store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes in an S3 bucket as
// immutable, sorted segment objects, one or more per namespace. Through
// the [backend.Store] it embeds it also implements [unionstore.Scanner],
// [unionstore.NamespaceLister], [unionstore.Getter], [unionstore.Checker],
// [unionstore.Purger], [unionstore.TombstonePurger] and
// [unionstore.Watcher]. The package doc says what each method costs in
// requests (Writing, Reading, Change feed) and what Check and Save refuse
// (Limits).
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a bucket and prefix: segments are never overwritten, and
// reads merge them by timestamp.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	d *driver
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

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
	s, err := newStore[E](ctx, client, bucket, prefix, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("s3store: %w", err)
	}
	return s, nil
}

// newStore is [New] with errors that do not name the package. The store
// calls release, if not nil, at Close; on error newStore calls nothing.
func newStore[E unionstore.Entity](ctx context.Context, client *s3.Client, bucket, prefix string, opts []Option, release func()) (*Store[E], error) {
	if client == nil {
		return nil, errors.New("nil client")
	}
	if bucket == "" {
		return nil, errors.New("empty bucket name")
	}
	c := defaults()
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return nil, err
	}
	d := &driver{
		client:         client,
		bucket:         bucket,
		prefix:         normalizePrefix(prefix),
		maxSegments:    c.maxSegments,
		concurrency:    c.concurrency,
		onCompactError: c.onCompactError,
		pollInterval:   c.pollInterval,
		watchWindow:    c.watchWindow,
		segmentVersion: c.segmentVersion,
		segments:       map[string]int{},
		loaded:         map[string]int{},
		indexes:        newIndexCache(indexCacheBytes),
	}
	if len(d.prefix)+len("x/")+segmentNameLen > MaxKeyBytes {
		return nil, fmt.Errorf("prefix of %d bytes leaves no room for keys of at most %d bytes", len(d.prefix), MaxKeyBytes)
	}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("bucket %q: %w", bucket, ErrNoBucket)
		}
		return nil, fmt.Errorf("bucket %q: %w", bucket, err)
	}
	s, err := backend.NewStore[E]("s3store", d, c.codec)
	if err != nil {
		return nil, err
	}
	d.release = release
	return &Store[E]{Store: s, d: d}, nil
}

// Close marks the store closed; every method then returns an error
// wrapping [unionstore.ErrClosed], a scan under way ends at its next
// record and a watch at once. A store made by [OpenURL] also closes its
// client's idle connections, and those of requests under way once they
// end; a store made by [New] leaves the caller's client alone. Close is
// safe to call more than once and always returns nil.
func (s *Store[E]) Close() error { return s.Store.Close() }

// Bucket returns the store's bucket.
func (s *Store[E]) Bucket() string { return s.d.bucket }

// Prefix returns the store's key prefix, "" or ending in a slash.
func (s *Store[E]) Prefix() string { return s.d.prefix }
