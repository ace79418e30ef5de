package s3store

import (
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DefaultMaxSegments is the number of segments a namespace may hold before
// [Store.Save] compacts it, unless [WithMaxSegments] sets another.
const DefaultMaxSegments = 16

// DefaultConcurrency is how many requests a [Store] sends at once for one
// call, unless [WithConcurrency] sets another.
const DefaultConcurrency = 8

// Option configures a [Store] made by [New] or [OpenURL]. Options are
// applied in order; an invalid option makes the constructor return an
// error naming it.
type Option func(*config) error

type config struct {
	codec          backend.Codec
	maxSegments    int
	concurrency    int
	onCompactError func(namespace string, err error)
	pollInterval   time.Duration
	watchWindow    time.Duration
	segmentVersion byte
}

// defaults returns the configuration of a store given no option.
func defaults() config {
	return config{maxSegments: DefaultMaxSegments, concurrency: DefaultConcurrency, pollInterval: DefaultPollInterval, watchWindow: DefaultWatchWindow, segmentVersion: segmentVersion}
}

// WithCodec sets the codec that turns entities into the payloads of
// records and back. The default is [unionstore.JSONCodec]. The codec's
// entity type must be the store's; the constructor returns an error
// otherwise.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithMaxSegments makes [Store.Save] compact a namespace once the store
// counts more than n segments in it. The default is [DefaultMaxSegments];
// 0 turns automatic compaction off, and n must not be negative.
//
// The count is the number of segments the store last listed in the
// namespace (at a Load, Scan, Get or compaction) plus those it has saved
// since: segments that other stores save are seen at the next listing.
func WithMaxSegments(n int) Option {
	return func(c *config) error { return backend.SetNotNegative(&c.maxSegments, "max segments", n) }
}

// WithConcurrency sets how many requests one call sends at once: the GETs
// of a Load, Scan or Get, the PUTs of a Save that spans namespaces. The
// default is [DefaultConcurrency]; n must be positive.
func WithConcurrency(n int) Option {
	return func(c *config) error { return backend.SetPositive(&c.concurrency, "concurrency", n) }
}

// WithCompactErrors sets fn to receive the errors of the compactions that
// [Store.Save] starts on its own. Such a compaction runs after the batch is
// written, so its failure does not fail the Save; it is tried again after
// the next Save in the namespace. By default these errors are dropped. fn
// may be called from several goroutines at once.
func WithCompactErrors(fn func(namespace string, err error)) Option {
	return func(c *config) error {
		c.onCompactError = fn
		return nil
	}
}

// DefaultPollInterval is how often a [Store.Watch] lists its namespace,
// unless [WithPollInterval] sets another.
const DefaultPollInterval = time.Second

// DefaultWatchWindow is how far back in writers' time a [Store.Watch]
// lists its namespace again at every poll, unless [WithWatchWindow] sets
// another.
const DefaultWatchWindow = 10 * time.Second

// WithPollInterval sets how often [Store.Watch] lists its namespace for
// new segments: a change reaches a watcher at most about d plus a LIST and
// a GET after its Save returns, d/2 later on average. Each poll costs one
// LIST request, plus one GET per new segment. The default is
// [DefaultPollInterval]; d must be positive.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error { return backend.SetPositive(&c.pollInterval, "poll interval", d) }
}

// WithWatchWindow sets how long after the time in its name a segment may
// still appear in a listing, which bounds the clock skew between writers
// and watchers plus the time a Save takes from naming its segment to its
// PUT's end. [Store.Watch] lists again at each poll the segments named up
// to d before its listing began, so that a Save that was slow to land is
// not missed; a segment that lands later than that may be missed by a
// watcher that has moved on. A longer window costs a longer LIST per poll
// and more repeated events when a watch resumes. The default is
// [DefaultWatchWindow]; d must be positive.
func WithWatchWindow(d time.Duration) Option {
	return func(c *config) error { return backend.SetPositive(&c.watchWindow, "watch window", d) }
}

// WithSegmentVersion sets the format version of the segments the store
// writes, by Save, Compact and PurgeTombstones: 2, the default, whose
// index lets Get read one block of a segment, or 1, which releases before
// version 2 read. Version 1 is for the time of an upgrade: while a process
// of an earlier release still reads the prefix, the upgraded ones write
// version 1; once every process is upgraded, drop the option, and Compact
// rewrites old segments as version 2. Either version reads both. Other
// values are refused.
func WithSegmentVersion(v int) Option {
	return func(c *config) error {
		if v != 1 && v != int(segmentVersion) {
			return fmt.Errorf("segment version %d: must be 1 or %d", v, segmentVersion)
		}
		c.segmentVersion = byte(v)
		return nil
	}
}
