package kafkastore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes as records of a Kafka
// topic, the records of one namespace in one partition. Through the
// [backend.Store] it embeds it also implements [unionstore.Scanner],
// [unionstore.NamespaceLister], [unionstore.Getter], [unionstore.Checker],
// [unionstore.Purger], [unionstore.TombstonePurger] and
// [unionstore.Watcher]; the package doc says what each costs on a log.
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a topic: readers keep the latest change of each identity
// whatever order the records arrived in. On a compacted topic, see the
// package doc for what several writers can and cannot rely on.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	d *driver
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// recordFraming is what Kafka and the client add around a record's key and
// value, at most: the record batch header, the record's own fields and the
// client's reckoning of the older message format. See the package doc.
const recordFraming = 128

// New returns a store on topic through client, which stays the caller's:
// [Store.Close] marks the store closed but leaves the client open. It
// creates the topic when it is missing (see [WithoutCreate]) and reads its
// partitions and limits.
//
// The client must wait for all in-sync replicas (the default
// [kgo.RequiredAcks]), keep idempotent writes (not
// [kgo.DisableIdempotentWrite]), and send the store's records to the
// partitions it chooses, which [Partitioner] does; its
// [kgo.ProducerBatchMaxBytes] must not exceed the topic's
// max.message.bytes. New returns an error wrapping [ErrClient] otherwise,
// and errors naming the cause for an invalid option, a bad topic name or a
// cluster that cannot be reached.
func New[E unionstore.Entity](ctx context.Context, client *kgo.Client, topic string, opts ...Option) (*Store[E], error) {
	if client == nil {
		return nil, errors.New("kafkastore: nil client")
	}
	if err := checkClient(client); err != nil {
		return nil, fmt.Errorf("kafkastore: topic %q: %w", topic, err)
	}
	c, err := configure[E](opts)
	if err != nil {
		return nil, fmt.Errorf("kafkastore: %w", err)
	}
	d, err := newDriver(ctx, client, topic, c)
	if err != nil {
		return nil, fmt.Errorf("kafkastore: %w", err)
	}
	batchMax := clientBatchMax(client, topic)
	if batchMax > d.info.maxMessageBytes {
		return nil, fmt.Errorf("kafkastore: topic %q: %w: its ProducerBatchMaxBytes of %d bytes exceeds the topic's max.message.bytes of %d", topic, ErrClient, batchMax, d.info.maxMessageBytes)
	}
	d.maxRecord = min(batchMax, d.info.maxMessageBytes) - recordFraming
	return newStore[E](d, c)
}

// checkClient returns an error wrapping ErrClient if the client cannot keep
// the store's promises.
func checkClient(cl *kgo.Client) error {
	if acks, ok := cl.OptValue(kgo.RequiredAcks).(kgo.Acks); !ok || acks != kgo.AllISRAcks() {
		return fmt.Errorf("%w: it must wait for all in-sync replicas (kgo.RequiredAcks(kgo.AllISRAcks()))", ErrClient)
	}
	if off, _ := cl.OptValue(kgo.DisableIdempotentWrite).(bool); off {
		return fmt.Errorf("%w: it must keep idempotent writes", ErrClient)
	}
	if _, ok := cl.OptValue(kgo.RecordPartitioner).(*partitioner); !ok {
		return fmt.Errorf("%w: its partitioner must be kafkastore.Partitioner, so that a namespace stays in one partition", ErrClient)
	}
	return nil
}

// clientBatchMax returns the largest record batch the client builds for
// topic.
func clientBatchMax(cl *kgo.Client, topic string) int {
	if fn, ok := cl.OptValue(kgo.ProducerBatchMaxBytesFn).(func(string) int32); ok && fn != nil {
		return int(fn(topic))
	}
	return 1000012 // the client's documented default
}

// newDriver is the part of the constructors that follows the client's
// creation, with errors that do not name the package: it checks the topic's
// name, creates the topic if c allows and reads its details.
func newDriver(ctx context.Context, cl *kgo.Client, topic string, c config) (*driver, error) {
	if err := checkTopicName(topic); err != nil {
		return nil, err
	}
	adm := kadm.NewClient(cl)
	info, err := openTopic(ctx, cl, adm, topic, c)
	if err != nil {
		return nil, err
	}
	d := &driver{
		cl:             cl,
		adm:            adm,
		topic:          topic,
		info:           info,
		spillThreshold: c.spillThreshold,
		tempDir:        c.tempDir,
	}
	if info.compacted || c.compacted {
		d.guard = newGuard()
	}
	if c.getIndex {
		d.index = newGetIndex()
	}
	return d, nil
}

// newStore wraps d, whose record limit is set, in a store.
func newStore[E unionstore.Entity](d *driver, c config) (*Store[E], error) {
	s, err := backend.NewStore[E]("kafkastore", d, c.codec)
	if err != nil {
		return nil, err
	}
	return &Store[E]{Store: s, d: d}, nil
}

// OpenURL connects to the brokers of rawURL, kafka://host:port[,host:port]/
// TOPIC, and returns a store on TOPIC that owns its client: [Store.Close]
// closes it. It creates the topic when it is missing, unless
// [WithoutCreate] is given, with every record kept (cleanup.policy=delete,
// retention.ms=-1) or compacted with [WithCompactedTopic]. Its errors wrap
// the cause: a malformed URL, an unreachable cluster, a refused creation.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	brokers, topic, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("kafkastore: open: %w", err)
	}
	// Check the options before connecting.
	c, err := configure[E](opts)
	if err != nil {
		return nil, fmt.Errorf("kafkastore: open: %w", err)
	}
	if err := checkTopicName(topic); err != nil {
		return nil, fmt.Errorf("kafkastore: open: %w", err)
	}
	// The batch limit is set once the topic's own is known, before the
	// first record is produced.
	var batchMax atomic.Int32
	batchMax.Store(1000012)
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.RecordPartitioner(Partitioner(nil)),
		kgo.ProducerBatchMaxBytesFn(func(string) int32 { return batchMax.Load() }),
	)
	if err != nil {
		return nil, fmt.Errorf("kafkastore: open %s: %w", strings.Join(brokers, ","), err)
	}
	d, err := newDriver(ctx, cl, topic, c)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafkastore: open %s: %w", strings.Join(brokers, ","), err)
	}
	limit := min(d.info.maxMessageBytes, 1<<30)
	batchMax.Store(int32(limit))
	d.maxRecord = limit - recordFraming
	d.ownsClient = true
	s, err := newStore[E](d, c)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafkastore: open %s: %w", strings.Join(brokers, ","), err)
	}
	return s, nil
}

// parseURL splits a kafka:// URL into its brokers and topic.
func parseURL(rawURL string) (brokers []string, topic string, err error) {
	rest, ok := strings.CutPrefix(rawURL, "kafka://")
	if !ok {
		return nil, "", errors.New("address must start with kafka://")
	}
	hosts, topic, ok := strings.Cut(rest, "/")
	if !ok || topic == "" {
		return nil, "", errors.New("address names no topic: want kafka://host:port[,host:port]/TOPIC")
	}
	if strings.ContainsAny(topic, "?#/") {
		return nil, "", fmt.Errorf("topic %q: the address takes no path, query or fragment after the topic", topic)
	}
	for _, h := range strings.Split(hosts, ",") {
		if h == "" || strings.IndexByte(h, ':') <= 0 {
			return nil, "", fmt.Errorf("broker %q: want host:port", h)
		}
		brokers = append(brokers, h)
	}
	return brokers, topic, nil
}

// Topic returns the name of the store's topic.
func (s *Store[E]) Topic() string { return s.d.topic }

// MaxRecordBytes returns the most bytes a record's key and value may hold
// together: the topic's max.message.bytes, or the client's batch limit if
// smaller, less 128 bytes of framing. [Store.Check] refuses larger records.
func (s *Store[E]) MaxRecordBytes() int { return s.d.maxRecord }
