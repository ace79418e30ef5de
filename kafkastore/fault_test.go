package kafkastore_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// TestRecordSizeLimit creates a topic with a small max.message.bytes and
// saves records of exactly the store's limit and one byte more: the first
// must reach the cluster, the second be refused by Check and Save before
// anything is sent.
func TestRecordSizeLimit(t *testing.T) {
	const maxMessage = 20000
	topic := newTopic(t)
	v := "20000"
	resp, err := kadm.NewClient(admin(t)).CreateTopic(context.Background(), 1, -1, map[string]*string{"max.message.bytes": &v}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	s := open(t, topic, kafkastore.WithoutCreate())
	if got, want := s.MaxRecordBytes(), maxMessage-128; got != want {
		t.Fatalf("MaxRecordBytes = %d, want %d", got, want)
	}
	// sized returns a change whose record is n bytes.
	sized := func(id string, n int) unionstore.Change[storetest.Item] {
		c := set("ns", "k", id, "", at(1))
		c.Entity.Value = strings.Repeat("x", n-kafkastore.RecordSize(s, c))
		if got := kafkastore.RecordSize(s, c); got != n {
			t.Fatalf("record of %d bytes, want %d", got, n)
		}
		return c
	}
	fits, over := sized("fits", s.MaxRecordBytes()), sized("over", s.MaxRecordBytes()+1)
	small := set("ns", "k", "small", "v", at(1))

	if err := s.Check(unionstore.Changes[storetest.Item]{small, fits}); err != nil {
		t.Fatalf("Check(record at the limit) = %v, want nil", err)
	}
	err = s.Check(unionstore.Changes[storetest.Item]{small, over})
	if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), "change 1") {
		t.Fatalf("Check(record one byte over) = %v, want ErrInvalidChange naming change 1", err)
	}
	err = s.Save(context.Background(), unionstore.Changes[storetest.Item]{small, over})
	if !errors.Is(err, unionstore.ErrInvalidChange) {
		t.Fatalf("Save(record one byte over) = %v, want ErrInvalidChange", err)
	}
	if got := load(t, s, "ns"); len(got) != 0 {
		t.Fatalf("after a refused batch Load = %v, want nothing", describe(got))
	}
	save(t, s, small, fits)
	if got := load(t, s, "ns"); len(got) != 2 || got[0].Entity != fits.Entity {
		t.Fatalf("Load = %v, want the record at the limit and the small one", describe(got))
	}

	// A client that would build batches larger than the topic allows is
	// refused; one sized to the topic is accepted.
	if _, err := kafkastore.New[storetest.Item](context.Background(), newClient(t), topic); !errors.Is(err, kafkastore.ErrClient) {
		t.Fatalf("New with the default batch size on a %d-byte topic = %v, want ErrClient", maxMessage, err)
	}
	s2, err := kafkastore.New[storetest.Item](context.Background(), newClient(t, kgo.ProducerBatchMaxBytes(maxMessage)), topic)
	if err != nil {
		t.Fatalf("New with a batch size fitting the topic: %v", err)
	}
	if s2.MaxRecordBytes() != s.MaxRecordBytes() {
		t.Fatalf("MaxRecordBytes = %d through New, %d through OpenURL", s2.MaxRecordBytes(), s.MaxRecordBytes())
	}
}

// TestNewRefusesUnsafeClients checks each promise New requires of a
// caller's client.
func TestNewRefusesUnsafeClients(t *testing.T) {
	setup(t)
	for _, tc := range []struct {
		name string
		opts []kgo.Opt
	}{
		{"the default partitioner", []kgo.Opt{kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil))}},
		{"acks from the leader only", []kgo.Opt{kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()}},
		{"no idempotent writes", []kgo.Opt{kgo.DisableIdempotentWrite()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kafkastore.New[storetest.Item](context.Background(), newClient(t, tc.opts...), newTopic(t))
			if !errors.Is(err, kafkastore.ErrClient) {
				t.Fatalf("New = %v, want ErrClient", err)
			}
		})
	}
}

// TestSaveReportsRefusedRecords makes the in-process cluster refuse every
// produce with a non-retriable error: Save must fail naming the cause, and
// the store must work again once the cluster accepts records.
func TestSaveReportsRefusedRecords(t *testing.T) {
	c := fake(t)
	s := open(t, newTopic(t))
	var refuse atomic.Bool
	refuse.Store(true)
	c.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !refuse.Load() {
			return nil, nil, false
		}
		req := kreq.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.InvalidRecord.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	err := s.Save(context.Background(), unionstore.Changes[storetest.Item]{set("ns", "k", "a", "v", at(1)), set("other", "k", "b", "v", at(1))})
	if !errors.Is(err, kerr.InvalidRecord) || !strings.Contains(err.Error(), "2 of 2 records refused") {
		t.Fatalf("Save with the cluster refusing = %v, want INVALID_RECORD for 2 of 2 records", err)
	}
	refuse.Store(false)
	save(t, s, set("ns", "k", "a", "v2", at(2)))
	if got := load(t, s, "ns"); len(got) != 1 || got[0].Entity.Value != "v2" {
		t.Fatalf("Load after the fault = %v, want the change saved after it", describe(got))
	}
}

// TestReadsFollowMovedLeaders moves every partition's leader between a save
// and the reads, which must find the new leaders.
func TestReadsFollowMovedLeaders(t *testing.T) {
	c := fake(t)
	s := open(t, newTopic(t))
	save(t, s, set("ns", "k", "a", "v", at(1)), set("ns", "k", "b", "v", at(2)))
	if got := load(t, s, "ns"); len(got) != 2 {
		t.Fatalf("Load = %v, want 2 changes", describe(got))
	}
	for i := 0; i < 3; i++ {
		c.ShufflePartitionLeaders()
		if got := load(t, s, "ns"); len(got) != 2 {
			t.Fatalf("Load after moving leaders = %v, want 2 changes", describe(got))
		}
		if _, ok, err := s.Get(context.Background(), "ns", "k", "b"); err != nil || !ok {
			t.Fatalf("Get after moving leaders = %v, %v", ok, err)
		}
	}
}
