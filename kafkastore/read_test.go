package kafkastore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// fourChanges opens a store on a topic of one partition and saves the
// changes a, b, c and d of namespace ns, one Save each, so that they sit at
// offsets 0 to 3. It returns the store and the topic.
func fourChanges(t *testing.T) (*kafkastore.Store[storetest.Item], string) {
	t.Helper()
	topic := newTopic(t)
	s := open(t, topic, kafkastore.WithPartitions(1))
	for i, id := range []string{"a", "b", "c", "d"} {
		save(t, s, set("ns", "k", id, "v", at(i)))
	}
	return s, topic
}

// controlFetches answers, while answer returns true, the fetches of topic's
// partition 0 with an empty partition carrying errCode and high watermark
// hw, and lets the cluster answer the others. It stops when the test ends.
func controlFetches(t *testing.T, c *kfake.Cluster, topic string, answer func() bool, errCode int16, hw int64) {
	t.Helper()
	details, err := kadm.NewClient(admin(t)).ListTopics(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	id := details[topic].ID
	var done atomic.Bool
	t.Cleanup(func() { done.Store(true) })
	c.ControlKey(kmsg.Fetch.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if done.Load() {
			c.DropControl()
			return nil, nil, false
		}
		req := kreq.(*kmsg.FetchRequest)
		if len(req.Topics) != 1 || (req.Topics[0].Topic != topic && req.Topics[0].TopicID != id) || !answer() {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic, rt.TopicID = topic, id
		rp := kmsg.NewFetchResponseTopicPartition()
		rp.ErrorCode, rp.HighWatermark, rp.LastStableOffset = errCode, hw, hw
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
}

// controlListOffsets answers once the next request for the offset at
// (-1 for the high watermark, -2 for the log start) of topic's partition 0
// with offset.
func controlListOffsets(t *testing.T, c *kfake.Cluster, topic string, at, offset int64) {
	t.Helper()
	var done atomic.Bool
	t.Cleanup(func() { done.Store(true) })
	c.ControlKey(kmsg.ListOffsets.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.ListOffsetsRequest)
		if done.Load() {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		if len(req.Topics) != 1 || req.Topics[0].Topic != topic || len(req.Topics[0].Partitions) != 1 || req.Topics[0].Partitions[0].Timestamp != at {
			return nil, nil, false
		}
		done.Store(true)
		resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
		rt := kmsg.NewListOffsetsResponseTopic()
		rt.Topic = topic
		rp := kmsg.NewListOffsetsResponseTopicPartition()
		rp.Offset, rp.Timestamp = offset, -1
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
}

// TestReadsRetryRetriableFetchErrors makes the cluster answer fetches with
// an error Kafka marks retriable: a read retries, and succeeds once the
// errors stop, or fails naming the error after the first fetch and 8
// retries.
func TestReadsRetryRetriableFetchErrors(t *testing.T) {
	c := fake(t)
	for _, tc := range []struct {
		name     string
		failures int32
		wantErr  string // what Load's error says, "" for none
	}{
		{"three failures", 3, ""},
		{"failures that do not stop", 1 << 30, "fetch at offset 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, topic := fourChanges(t)
			var fetches atomic.Int32
			controlFetches(t, c, topic, func() bool { return fetches.Add(1) <= tc.failures }, kerr.NotLeaderForPartition.Code, 4)
			err := wantLoadOrError(t, s, tc.wantErr, "a", "b", "c", "d")
			if tc.wantErr == "" {
				return
			}
			if !errors.Is(err, kerr.NotLeaderForPartition) {
				t.Errorf("Load = %v, want NOT_LEADER_FOR_PARTITION", err)
			}
			if n := fetches.Load(); n != 9 {
				t.Errorf("Load fetched %d times, want 9", n)
			}
		})
	}
}

// TestReadsDecodeEveryBatchOfAFetch reads four changes saved one Save
// each, four record batches that one fetch returns: the read decodes them
// one at a time, and all of them, in one fetch.
func TestReadsDecodeEveryBatchOfAFetch(t *testing.T) {
	c := fake(t)
	s, topic := fourChanges(t)
	var fetches atomic.Int32
	controlFetches(t, c, topic, func() bool { fetches.Add(1); return false }, 0, 0)
	wantLoad(t, s, "a", "b", "c", "d")
	if n := fetches.Load(); n != 1 {
		t.Errorf("Load fetched %d times, want 1", n)
	}
}

// wantLoad checks that Load of "ns" returns the changes of want, in
// order.
func wantLoad(t *testing.T, s *kafkastore.Store[storetest.Item], want ...string) {
	t.Helper()
	wantLoadOrError(t, s, "", want...)
}

// wantLoadOrError checks that Load of "ns" fails with an error saying
// wantErr, or, when wantErr is "", returns the changes of want, in order.
// It returns Load's error.
func wantLoadOrError(t *testing.T, s *kafkastore.Store[storetest.Item], wantErr string, want ...string) error {
	t.Helper()
	got, err := s.Load(context.Background(), "ns")
	switch {
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Errorf("Load = %q, %v, want an error saying %q", ids(got), err, wantErr)
	case wantErr == "" && (err != nil || !slices.Equal(ids(got), want)):
		t.Errorf("Load = %q, %v, want %q", ids(got), err, want)
	}
	return err
}

// deleteRecords deletes the records below offset at of partition 0 of
// topic, as retention or DeleteRecords does.
func deleteRecords(t *testing.T, topic string, at int64) {
	t.Helper()
	var cut kadm.Offsets
	cut.Add(kadm.Offset{Topic: topic, Partition: 0, At: at})
	resps, err := kadm.NewClient(admin(t)).DeleteRecords(context.Background(), cut)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadsResumeAtTheNewLogStart deletes the first two records and makes
// the cluster report the old log start once: the fetch below the new one
// fails as out of range, and the read resumes at the new log start.
func TestReadsResumeAtTheNewLogStart(t *testing.T) {
	c := fake(t)
	s, topic := fourChanges(t)
	deleteRecords(t, topic, 2)
	controlListOffsets(t, c, topic, -2, 0)
	wantLoad(t, s, "c", "d")
}

// TestReadsStopAtTheWatermarkTakenFirst makes the cluster report a high
// watermark of 2 while the partition holds 4 records: a read passes only
// the records below it.
func TestReadsStopAtTheWatermarkTakenFirst(t *testing.T) {
	c := fake(t)
	s, topic := fourChanges(t)
	controlListOffsets(t, c, topic, -1, 2)
	wantLoad(t, s, "a", "b")
}

// TestReadsThatMakeNoProgress makes the cluster answer a fetch with no
// records: the read ends when the partition's high watermark shows that
// nothing is left below the one the read took, as past aborted batches,
// and fails otherwise.
func TestReadsThatMakeNoProgress(t *testing.T) {
	c := fake(t)
	for _, tc := range []struct {
		name    string
		hw      int64
		wantErr string // what Load's error says, "" for none
	}{
		{"nothing left below the watermark", 4, ""},
		{"records left below the watermark", 1, "fetch at offset 0 made no progress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, topic := fourChanges(t)
			controlFetches(t, c, topic, func() bool { return true }, 0, tc.hw)
			wantLoadOrError(t, s, tc.wantErr) // no changes: the fetches return none
		})
	}
}
