package kafkastore

import (
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DefaultPartitions is the number of partitions of a topic the store
// creates, unless [WithPartitions] sets another.
const DefaultPartitions = 6

// DefaultSpillThreshold is how many bytes of records [Store.Scan] holds in
// memory before it writes them to a temporary file, unless
// [WithSpillThreshold] sets another.
const DefaultSpillThreshold = backend.DefaultSpillThreshold

// Option configures a [Store] made by [New] or [OpenURL]. Options are
// applied in order; an invalid option makes the constructor return an error
// naming it.
type Option func(*config) error

type config struct {
	codec          backend.Codec
	partitions     int32
	replication    int16
	compacted      bool
	create         bool
	spillThreshold int
	tempDir        string
	getIndex       bool
}

// configure applies opts to the defaults and checks the codec they set
// against E, so that a constructor refuses either before connecting.
func configure[E unionstore.Entity](opts []Option) (config, error) {
	c := config{partitions: DefaultPartitions, replication: -1, create: true, spillThreshold: DefaultSpillThreshold}
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return config{}, err
	}
	return c, nil
}

// WithCodec sets the codec that turns entities into the payload of a record
// value and back. The default is [unionstore.JSONCodec]. The codec's entity
// type must be the store's; the constructor returns an error otherwise.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithPartitions sets the number of partitions of a topic the constructor
// creates; it has no effect on an existing topic. The default is
// [DefaultPartitions]; n must be from 1 to 10,000. A namespace lives in one
// partition, so more partitions make each Load read less of the topic.
func WithPartitions(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return fmt.Errorf("partitions %d: must be from 1 to 10000", n)
		}
		c.partitions = int32(n)
		return nil
	}
}

// WithReplicationFactor sets the replication factor of a topic the
// constructor creates. The default, -1, is the broker's
// default.replication.factor. n must be -1 or from 1 to 32767.
func WithReplicationFactor(n int) Option {
	return func(c *config) error {
		if n != -1 && (n < 1 || n > 32767) {
			return fmt.Errorf("replication factor %d: must be -1 or from 1 to 32767", n)
		}
		c.replication = int16(n)
		return nil
	}
}

// WithCompactedTopic makes the constructor create a missing topic with
// cleanup.policy=compact instead of keeping every record, and turns on the
// stale-append guard of [Store.Save] (see the package doc, "Compacted
// topics"). The guard is on for an existing compacted topic with or without
// this option.
func WithCompactedTopic() Option {
	return func(c *config) error {
		c.compacted = true
		return nil
	}
}

// WithoutCreate makes the constructor refuse a missing topic with
// [ErrNoTopic] instead of creating it: with it, the store creates and
// changes nothing on the cluster until Save is called.
func WithoutCreate() Option {
	return func(c *config) error {
		c.create = false
		return nil
	}
}

// WithSpillThreshold sets how many bytes of records [Store.Scan] holds in
// memory before it writes them, sorted, to a temporary file. The default is
// [DefaultSpillThreshold]; n must be at least 1 KiB.
func WithSpillThreshold(n int) Option {
	return func(c *config) error { return backend.SetSpillThreshold(&c.spillThreshold, n) }
}

// WithTempDir sets the directory of the temporary files of [Store.Scan]. The
// default is [os.TempDir].
func WithTempDir(dir string) Option {
	return func(c *config) error { return backend.SetTempDir(&c.tempDir, dir) }
}

// WithGetIndex makes [Store.Get] read one record instead of the
// namespace's partition. The store keeps in memory an index of every
// partition Get has been asked about: for each identity of each namespace
// in it, the offset, type and timestamp of its latest record, which costs
// about the bytes of the identity's kind and id plus 70 bytes. Each Get
// first reads into the index what the partition gained since the last,
// up to the high watermark taken when it begins, under a lock of the
// partition's index, then fetches the record at the indexed offset: it
// returns what a read of the partition would, and sees every write
// acknowledged before it began, from any store. Where that record is no
// longer in the partition (compaction, retention, DeleteRecords), Get
// reads the partition as without the option. The first Get of a
// partition reads it whole; [Store.Close] releases the index. Without
// the option, the default, Get reads the partition each time in constant
// memory.
func WithGetIndex() Option {
	return func(c *config) error {
		c.getIndex = true
		return nil
	}
}
