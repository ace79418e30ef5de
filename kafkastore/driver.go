package kafkastore

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// driver is the engine of a [Store]: a topic read and written through a
// franz-go client. It implements [backend.Driver], [backend.Loader],
// [backend.Feeder] and [backend.RecordChecker].
type driver struct {
	cl         *kgo.Client
	adm        *kadm.Client
	ownsClient bool
	topic      string
	info       topicInfo
	// maxRecord is the most bytes a record's key and value may hold.
	maxRecord      int
	spillThreshold int
	tempDir        string
	// guard keeps stale changes off a compacted topic; nil otherwise.
	guard *guard
	// index finds the record Get returns, for a store made WithGetIndex;
	// nil otherwise.
	index *getIndex
	// life is closed by Close, so that reads and watches under way on a
	// client the store does not own stop at their next fetch.
	life unionstore.Lifecycle
}

var (
	_ backend.Driver        = (*driver)(nil)
	_ backend.Loader        = (*driver)(nil)
	_ backend.Feeder        = (*driver)(nil)
	_ backend.RecordChecker = (*driver)(nil)
)

// String names the topic, for the store's errors.
func (d *driver) String() string { return fmt.Sprintf("topic %q", d.topic) }

// Limits is empty: what a record may hold is the sum of its key and value,
// which CheckRecord measures.
func (d *driver) Limits() backend.Limits { return backend.Limits{} }

// CheckRecord refuses a record whose key and value together exceed the
// topic's limit, [Store.MaxRecordBytes].
func (d *driver) CheckRecord(r backend.Record) error {
	if n := recordSize(r); n > d.maxRecord {
		return fmt.Errorf("its record of %d bytes (key and value) exceeds the topic's limit of %d", n, d.maxRecord)
	}
	return nil
}

// recordSize returns the bytes of the key and value of r's Kafka record,
// as appendKey and appendValue write them.
func recordSize(r backend.Record) int {
	return 1 + uvarintLen(len(r.Namespace)) + len(r.Namespace) + uvarintLen(len(r.Kind)) + len(r.Kind) + len(r.ID) +
		valueHeader + len(r.Payload)
}

// uvarintLen returns the bytes of n as a uvarint.
func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}

// Close ends the reads and watches under way at their next fetch, releases
// the index of Get, and closes the client of a store made by [OpenURL],
// which also fails the records not yet acknowledged. A store made by [New]
// leaves the caller's client open. It returns nil.
func (d *driver) Close() error {
	d.life.Close()
	if d.index != nil {
		d.index.release()
	}
	if d.ownsClient {
		d.cl.Close()
	}
	return nil
}
