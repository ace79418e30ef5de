package kafkastore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicInfo is what the store learns about its topic when it opens.
type topicInfo struct {
	id              [16]byte
	partitions      int32
	maxMessageBytes int
	compacted       bool
}

// maxTopicName is the longest topic name Kafka accepts.
const maxTopicName = 249

// checkTopicName returns why Kafka would refuse name, or nil.
func checkTopicName(name string) error {
	switch {
	case name == "":
		return errors.New("empty topic name")
	case len(name) > maxTopicName:
		return fmt.Errorf("topic name of %d bytes, longer than Kafka's %d", len(name), maxTopicName)
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q is not allowed", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("topic name %q: only ASCII letters, digits, '.', '_' and '-' are allowed", name)
		}
	}
	return nil
}

// openTopic returns the topic's details, creating it first when it is
// missing and c allows it.
func openTopic(ctx context.Context, cl *kgo.Client, adm *kadm.Client, topic string, c config) (topicInfo, error) {
	info, err := describeTopic(ctx, cl, adm, topic)
	if !errors.Is(err, ErrNoTopic) {
		return info, err
	}
	if !c.create {
		return topicInfo{}, fmt.Errorf("topic %q: %w", topic, ErrNoTopic)
	}
	if err := createTopic(ctx, adm, topic, c); err != nil {
		return topicInfo{}, err
	}
	// Metadata can lag behind a creation: retry for a while.
	for delay := 10 * time.Millisecond; ; delay *= 2 {
		info, err = describeTopic(ctx, cl, adm, topic)
		if !errors.Is(err, ErrNoTopic) || delay > 2*time.Second {
			return info, err
		}
		select {
		case <-ctx.Done():
			return topicInfo{}, fmt.Errorf("topic %q: wait for its creation: %w", topic, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// createTopic creates topic with the policy c asks for. A topic created by
// another process meanwhile is not an error.
func createTopic(ctx context.Context, adm *kadm.Client, topic string, c config) error {
	policy, retention := "delete", "-1"
	if c.compacted {
		policy = "compact"
	}
	configs := map[string]*string{"cleanup.policy": &policy}
	if !c.compacted {
		configs["retention.ms"] = &retention
		configs["retention.bytes"] = &retention
	}
	resp, err := adm.CreateTopic(ctx, c.partitions, c.replication, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		if resp.ErrMessage != "" {
			return fmt.Errorf("create topic %q: %w: %s", topic, err, resp.ErrMessage)
		}
		return fmt.Errorf("create topic %q: %w", topic, err)
	}
	return nil
}

// describeTopic returns the topic's details, or an error wrapping
// [ErrNoTopic] when it does not exist.
func describeTopic(ctx context.Context, cl *kgo.Client, adm *kadm.Client, topic string) (topicInfo, error) {
	info, err := describePartitions(ctx, cl, topic)
	if err != nil {
		return topicInfo{}, err
	}
	if err := describeConfigs(ctx, adm, topic, &info); err != nil {
		return topicInfo{}, err
	}
	return info, nil
}

// describePartitions returns the topic's id and partition count, from
// fresh metadata, or an error wrapping [ErrNoTopic] when the cluster does
// not know the topic or lists no partition for it.
func describePartitions(ctx context.Context, cl *kgo.Client, topic string) (topicInfo, error) {
	// Uncached: the client's metadata cache may still hold the topic as
	// missing just after its creation.
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return topicInfo{}, fmt.Errorf("topic %q: metadata: %w", topic, err)
	}
	var info topicInfo
	found := false
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		err := kerr.ErrorForCode(t.ErrorCode)
		if errors.Is(err, kerr.UnknownTopicOrPartition) || (err == nil && len(t.Partitions) == 0) {
			break
		}
		if err != nil {
			return topicInfo{}, fmt.Errorf("topic %q: metadata: %w", topic, err)
		}
		found = true
		if info, err = partitionsInfo(topic, &t); err != nil {
			return topicInfo{}, err
		}
	}
	if !found {
		return topicInfo{}, fmt.Errorf("topic %q: %w", topic, ErrNoTopic)
	}
	return info, nil
}

// partitionsInfo returns the id and partition count of t, the metadata of
// topic, after checking that its partitions are numbered from 0 without
// gaps.
func partitionsInfo(topic string, t *kmsg.MetadataResponseTopic) (topicInfo, error) {
	info := topicInfo{id: t.TopicID, partitions: int32(len(t.Partitions))}
	for _, p := range t.Partitions {
		if p.Partition < 0 || p.Partition >= info.partitions {
			return topicInfo{}, fmt.Errorf("topic %q: partition %d listed among %d partitions", topic, p.Partition, info.partitions)
		}
	}
	return info, nil
}

// describeConfigs completes info with the topic's configuration: its
// largest record and whether it is compacted. It fails when the cluster
// does not report the largest record.
func describeConfigs(ctx context.Context, adm *kadm.Client, topic string, info *topicInfo) error {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return fmt.Errorf("topic %q: describe configs: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return fmt.Errorf("topic %q: describe configs: %w", topic, err)
	}
	for _, cfg := range rc.Configs {
		if cfg.Value == nil {
			continue
		}
		if err := applyConfig(topic, cfg.Key, *cfg.Value, info); err != nil {
			return err
		}
	}
	if info.maxMessageBytes == 0 {
		return fmt.Errorf("topic %q: the cluster did not report max.message.bytes", topic)
	}
	return nil
}

// applyConfig records in info the topic configuration key=value if the
// store uses it, and ignores any other.
func applyConfig(topic, key, value string, info *topicInfo) error {
	switch key {
	case "max.message.bytes":
		n, err := strconv.Atoi(value)
		if err != nil || n <= 0 {
			return fmt.Errorf("topic %q: max.message.bytes %q is not a positive integer", topic, value)
		}
		info.maxMessageBytes = n
	case "cleanup.policy":
		for _, p := range strings.Split(value, ",") {
			info.compacted = info.compacted || strings.TrimSpace(p) == "compact"
		}
	}
	return nil
}
