package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/unionstore/unionstore"
)

// Store is a [unionstore.Store] that keeps changes in an S3 bucket as
// immutable, sorted segment objects, one or more per namespace. It also
// implements [unionstore.Scanner], [unionstore.NamespaceLister],
// [unionstore.Getter] and [unionstore.Checker].
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

// OpenURL returns a store for rawURL, s3://BUCKET/PREFIX, on a client of
// its own made from the AWS SDK's default configuration: credentials,
// region and CA bundle (AWS_CA_BUNDLE) from the environment and the shared
// files.
//
// The URL may carry two query parameters: region, which overrides the
// configured region, and endpoint, the URL of an S3-compatible server. With
// an endpoint the client uses path-style addressing, computes and checks
// checksums only when an operation requires them (see the package
// documentation), and defaults to region us-east-1. Without one a region
// must be configured.
//
// Options given as arguments configure the store as for [New]. OpenURL
// sends one HeadBucket request: a missing bucket gives an error wrapping
// [ErrNoBucket] that names it. It creates nothing. [Store.Close] closes
// the client's connections.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("s3store: open: malformed URL: %w", err)
	}
	if u.Scheme != "s3" {
		return nil, fmt.Errorf("s3store: open: scheme %q: want s3", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("s3store: open: no bucket in the URL")
	}
	if u.User != nil || u.Fragment != "" {
		return nil, errors.New("s3store: open: the URL must not carry a user or a fragment")
	}
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" {
			return nil, fmt.Errorf("s3store: open: unknown URL parameter %q: want endpoint or region", k)
		}
	}
	endpoint, region := q.Get("endpoint"), q.Get("region")
	if endpoint != "" {
		e, err := url.Parse(endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
			return nil, fmt.Errorf("s3store: open: endpoint %q: want an http or https URL", endpoint)
		}
	}
	// Check the options before any I/O.
	if _, _, err := configure[E](opts); err != nil {
		return nil, fmt.Errorf("s3store: open: %w", err)
	}
	var load []func(*awsconfig.LoadOptions) error
	if region != "" {
		load = append(load, awsconfig.WithRegion(region))
	}
	if endpoint != "" {
		load = append(load,
			awsconfig.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			awsconfig.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	// The default configuration builds the SDK's own HTTP client, with the
	// CA bundle of AWS_CA_BUNDLE if set; passing a client of ours would make
	// it fail with that variable set. So start from the client it built.
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("s3store: open: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return nil, errors.New("s3store: open: no region: set region= in the URL or configure one (AWS_REGION)")
		}
		cfg.Region = "us-east-1"
	}
	var release func()
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
		// By now the SDK has resolved its HTTP client for S3 (the defaults
		// mode's timeouts included): take it over, so that Close can
		// release its connections.
		if bc, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
			o.HTTPClient, release = ownedClient(bc)
		}
	})
	s, err := newStore[E](ctx, client, u.Host, u.Path, opts)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, fmt.Errorf("s3store: open %s: %w", redacted(u), err)
	}
	s.release = release
	return s, nil
}

// redacted returns u without its query, which may name a private endpoint.
func redacted(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
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
