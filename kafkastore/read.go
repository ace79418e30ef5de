package kafkastore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchMaxBytes bounds the records one fetch returns, and so, with the
// decoded records of one batch of them (see visitBatches), the memory a
// read holds beside what it keeps. Kafka still returns a first batch
// larger than this whole.
const fetchMaxBytes = 4 << 20

// fetchLimit returns the bytes a read of n records asks a fetch for: for
// one record (a point read of Get), one byte, since the broker returns
// the first record batch whole whatever the limit; fetchMaxBytes
// otherwise.
func fetchLimit(n int64) int32 {
	if n == 1 {
		return 1
	}
	return fetchMaxBytes
}

// fetchRetries is how many times in a row a read retries a fetch that fails
// with an error Kafka marks retriable, such as a leader that moved.
const fetchRetries = 8

// visitFunc is given each record a read passes over. key and value alias
// the fetched bytes: it must copy what it keeps.
type visitFunc func(offset int64, key, value []byte) error

// readPartition reads partition part from offset from (or from its log
// start, if later) up to the high watermark taken when it begins, passing
// each record to visit in offset order. It returns that high watermark, the
// offset a later read can resume from. An error from visit ends the read and
// is returned as it is.
func (d *driver) readPartition(ctx context.Context, part int32, from int64, visit visitFunc) (int64, error) {
	end, err := d.listOffset(ctx, part, -1)
	if err != nil {
		return 0, fmt.Errorf("partition %d: high watermark: %w", part, err)
	}
	return d.readRange(ctx, part, from, end, visit)
}

// readRange is readPartition up to offset end, which the caller took as
// the high watermark.
func (d *driver) readRange(ctx context.Context, part int32, from, end int64, visit visitFunc) (int64, error) {
	if from >= end {
		return end, nil
	}
	start, err := d.listOffset(ctx, part, -2)
	if err != nil {
		return 0, fmt.Errorf("partition %d: log start: %w", part, err)
	}
	from = max(from, start)
	tries := 0
	for from < end {
		if err := d.life.Check(ctx); err != nil {
			return 0, err
		}
		rp, err := d.fetch(ctx, part, from, tries > 0, 0, fetchLimit(end-from))
		at, reached, seen := from, false, 0
		if err == nil {
			var visitErr error
			reached, seen, err, visitErr = visitBatches(rp, part, &from, end, visit)
			if visitErr != nil {
				return 0, visitErr
			}
		}
		if err != nil {
			if from, tries, err = d.recoverFetch(ctx, part, from, tries, err); err != nil {
				return 0, err
			}
			continue
		}
		tries = 0
		switch {
		case reached:
			return end, nil
		case from <= at:
			if err := stalled(seen, rp.HighWatermark, part, at, end); err != nil {
				return 0, err
			}
			return end, nil
		}
	}
	return end, nil
}

// recoverFetch decides what a read does after the fetch of partition part
// at offset from failed with err, on its tries-th retry in a row. Past
// records deleted meanwhile, it resumes at the new log start; after an
// error Kafka marks retriable, it waits a little longer at each try, up to
// fetchRetries, and fetches again with fresh metadata. It returns the
// offset and the retry count to fetch with next, or the error that ends
// the read.
func (d *driver) recoverFetch(ctx context.Context, part int32, from int64, tries int, err error) (int64, int, error) {
	switch {
	case errors.Is(err, kerr.OffsetOutOfRange):
		// Records below the log start were deleted meanwhile: what is
		// left starts there.
		start, err := d.listOffset(ctx, part, -2)
		if err != nil {
			return 0, 0, fmt.Errorf("partition %d: log start: %w", part, err)
		}
		if start <= from {
			return 0, 0, fmt.Errorf("partition %d: fetch at offset %d: %w", part, from, kerr.OffsetOutOfRange)
		}
		return start, tries, nil
	case kerr.IsRetriable(err) && tries < fetchRetries && ctx.Err() == nil:
		tries++
		if err := sleep(ctx, time.Duration(tries)*50*time.Millisecond); err != nil {
			return 0, 0, err
		}
		return from, tries, nil
	default:
		return 0, 0, fmt.Errorf("partition %d: fetch at offset %d: %w", part, from, err)
	}
}

// decompressor decompresses the record batches of every fetch; it is
// safe for concurrent use.
var decompressor = kgo.DefaultDecompressor()

// visitBatches passes to visit, in order, the records of rp below offset
// end, the response to a fetch of partition part at offset *from. It
// decodes one record batch at a time, so that a fetch holds the decoded
// records of one batch beside the response's raw bytes rather than those
// of the whole response (compressed batches several times their size),
// and moves *from past each batch it read. It reports whether it reached
// end and how many records it passed to visit, and returns the error of
// a batch that cannot be decoded, or the partition's error, as fetchErr,
// and an error from visit, which stops it, as visitErr.
func visitBatches(rp *kmsg.FetchResponseTopicPartition, part int32, from *int64, end int64, visit visitFunc) (reached bool, seen int, fetchErr, visitErr error) {
	if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
		return false, 0, err, nil
	}
	one := *rp
	for in := rp.RecordBatches; len(in) > 0; {
		n := batchLen(in)
		one.RecordBatches, in = in[:n], in[n:]
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Offset: *from, Partition: part}, &one, decompressor, nil)
		if fp.Err != nil {
			return false, seen, fp.Err, nil
		}
		for _, r := range fp.Records {
			if r.Offset >= end {
				return true, seen, nil, nil
			}
			seen++
			if err := visit(r.Offset, r.Key, r.Value); err != nil {
				return false, seen, nil, err
			}
		}
		*from = max(*from, next)
	}
	return false, seen, nil, nil
}

// batchLen returns the length of the first record batch (or message set
// entry) of in: its offset, its length field and the length it gives. It
// returns len(in) for a batch cut short, which the fetch's decoding skips.
func batchLen(in []byte) int {
	if len(in) < 12 {
		return len(in)
	}
	n := int64(int32(binary.BigEndian.Uint32(in[8:]))) + 12
	if n < 12 || n > int64(len(in)) {
		return len(in)
	}
	return int(n)
}

// stalled explains a fetch at offset from that returned nothing to resume
// after: nil when there is nothing left below end to read, as happens past
// aborted or compacted-away batches (seen, the records the fetch passed
// on, is 0, and the high watermark hw is at least end), and an error
// otherwise.
func stalled(seen int, hw int64, part int32, from, end int64) error {
	if seen == 0 && hw >= end {
		return nil
	}
	return fmt.Errorf("partition %d: fetch at offset %d made no progress", part, from)
}

// listOffset returns the latest offset (at -1: the high watermark) or the
// earliest (at -2: the log start) of partition part.
func (d *driver) listOffset(ctx context.Context, part int32, at int64) (int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = d.topic
	p := kmsg.NewListOffsetsRequestTopicPartition()
	p.Partition = part
	p.Timestamp = at
	p.CurrentLeaderEpoch = -1
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, d.cl)
	if err != nil {
		return 0, err
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if rt.Topic != d.topic || rp.Partition != part {
				continue
			}
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				return 0, err
			}
			return rp.Offset, nil
		}
	}
	return 0, errors.New("the response does not hold the partition")
}

// fetch asks the leader of partition part for its records from offset
// from, and returns the partition's part of the response, its record
// batches still encoded. refresh asks for fresh metadata first, after
// the leader moved. wait is how long the broker may hold the request when
// it has no record at from yet; limit is the bytes it may return beyond
// the first record batch, which it returns whole.
func (d *driver) fetch(ctx context.Context, part int32, from int64, refresh bool, wait time.Duration, limit int32) (*kmsg.FetchResponseTopicPartition, error) {
	leader, err := d.leader(ctx, part, refresh)
	if err != nil {
		return nil, err
	}
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = int32(wait / time.Millisecond)
	req.MinBytes = 1
	req.MaxBytes = limit
	req.SessionID = 0
	t := kmsg.NewFetchRequestTopic()
	t.Topic = d.topic
	t.TopicID = d.info.id
	p := kmsg.NewFetchRequestTopicPartition()
	p.Partition = part
	p.FetchOffset = from
	p.CurrentLeaderEpoch = -1
	p.LogStartOffset = -1
	p.PartitionMaxBytes = limit
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	kresp, err := d.cl.Broker(int(leader)).Request(ctx, req)
	if err != nil {
		return nil, err
	}
	resp := kresp.(*kmsg.FetchResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		if rt.Topic != d.topic && rt.TopicID != d.info.id {
			continue
		}
		for j := range rt.Partitions {
			if rt.Partitions[j].Partition == part {
				return &rt.Partitions[j], nil
			}
		}
	}
	return nil, errors.New("the fetch response does not hold the partition")
}

// leader returns the broker that leads partition part.
func (d *driver) leader(ctx context.Context, part int32, refresh bool) (int32, error) {
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(d.topic)
	req.Topics = append(req.Topics, t)
	limit := time.Duration(0) // the client's MetadataMinAge
	if refresh {
		limit = time.Nanosecond
	}
	resp, err := d.cl.RequestCachedMetadata(ctx, req, limit)
	if err != nil {
		return 0, fmt.Errorf("metadata: %w", err)
	}
	for _, rt := range resp.Topics {
		if rt.Topic == nil || *rt.Topic != d.topic {
			continue
		}
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			return 0, fmt.Errorf("metadata: %w", err)
		}
		for _, rp := range rt.Partitions {
			if rp.Partition != part {
				continue
			}
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				return 0, fmt.Errorf("metadata: %w", err)
			}
			return rp.Leader, nil
		}
	}
	return 0, fmt.Errorf("metadata: %w", kerr.UnknownTopicOrPartition)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
