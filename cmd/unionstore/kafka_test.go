package main

import (
	"context"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestKafkaNewTopicReadsAsEmpty: a topic that sync would create reads as
// empty in dry runs, check and shards, and is not created, on an
// in-process Kafka cluster.
func TestKafkaNewTopicReadsAsEmpty(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	const topic = "new-topic"
	testAbsentReadsAsEmpty(t, t.TempDir(), "kafka://"+c.ListenAddrs()[0]+"/"+topic, true, func() bool {
		// A request of its own: the client's cached metadata could
		// still say that the topic is missing.
		req := kmsg.NewPtrMetadataRequest()
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
		req.AllowAutoTopicCreation = false
		resp, err := req.RequestWith(context.Background(), cl)
		if err != nil {
			t.Fatalf("looking up topic %s: %v", topic, err)
		}
		if len(resp.Topics) == 0 {
			return false
		}
		got := resp.Topics[0] // the one topic asked for
		err = kerr.ErrorForCode(got.ErrorCode)
		switch {
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return false
		case err != nil:
			t.Fatalf("looking up topic %s: %v", topic, err)
		}
		return got.Topic != nil && *got.Topic == topic
	})
}
