package kafkastore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// brokersVar names the environment variable that points the tests at a
// real cluster, as host:port[,host:port]. Without it they run against
// kfake, an in-process cluster that speaks the Kafka protocol over
// loopback.
const brokersVar = "UNIONSTORE_KAFKA_BROKERS"

var cluster struct {
	once    sync.Once
	fake    *kfake.Cluster // nil against a real cluster
	brokers []string
	admin   *kgo.Client
	err     error
}

// setup returns the brokers the tests use, starting the in-process cluster
// on first use. When UNIONSTORE_KAFKA_BROKERS names a cluster that cannot
// be reached, it skips the test, or fails it when CI is set.
func setup(tb testing.TB) []string {
	tb.Helper()
	cluster.once.Do(func() {
		if v := os.Getenv(brokersVar); v != "" {
			cluster.brokers = strings.Split(v, ",")
		} else {
			c, err := kfake.NewCluster(kfake.NumBrokers(3))
			if err != nil {
				cluster.err = err
				return
			}
			cluster.fake, cluster.brokers = c, c.ListenAddrs()
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.brokers...))
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = cl.Ping(ctx)
			cancel()
			if err != nil {
				cl.Close()
			}
		}
		if err != nil {
			cluster.err = err
			return
		}
		cluster.admin = cl
	})
	if cluster.err != nil {
		msg := fmt.Sprintf("no Kafka cluster reachable at the brokers in %s (%v): %v", brokersVar, cluster.brokers, cluster.err)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return cluster.brokers
}

// fake returns the in-process cluster, or skips a test that needs one.
func fake(tb testing.TB) *kfake.Cluster {
	tb.Helper()
	setup(tb)
	if cluster.fake == nil {
		tb.Skipf("the test needs the in-process cluster, not the one in %s", brokersVar)
	}
	return cluster.fake
}

// TestMain closes the shared client and cluster once the tests are done,
// then fails the run if any goroutine is left behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if cluster.admin != nil {
		cluster.admin.Close()
	}
	if cluster.fake != nil {
		cluster.fake.Close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// newTopic returns the name of a topic unique to the test, deleted when the
// test ends if it was created.
func newTopic(tb testing.TB) string {
	tb.Helper()
	setup(tb)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	topic := "unionstore-test-" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = kadm.NewClient(cluster.admin).DeleteTopics(ctx, topic)
	})
	return topic
}

func topicURL(tb testing.TB, topic string) string {
	tb.Helper()
	return "kafka://" + strings.Join(setup(tb), ",") + "/" + topic
}

// open returns a store owning its client on topic, closed when the test
// ends.
func open(tb testing.TB, topic string, opts ...kafkastore.Option) *kafkastore.Store[storetest.Item] {
	tb.Helper()
	s, err := kafkastore.OpenURL[storetest.Item](context.Background(), topicURL(tb, topic), opts...)
	if err != nil {
		tb.Fatalf("OpenURL: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// newClient returns a client a store made by New accepts, closed when the
// test ends.
func newClient(tb testing.TB, opts ...kgo.Opt) *kgo.Client {
	tb.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(setup(tb)...), kgo.RecordPartitioner(kafkastore.Partitioner(nil))}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		tb.Fatalf("kgo.NewClient: %v", err)
	}
	tb.Cleanup(cl.Close)
	return cl
}

func set(ns, kind, id, value string, ts time.Time) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: storetest.Item{Kind: kind, ID: id, Value: value}, Timestamp: ts}
}

func unset(ns, kind, id string, ts time.Time) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeUnset, Entity: storetest.Item{Kind: kind, ID: id}, Timestamp: ts}
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Nanosecond) }

// describe renders changes for comparison, timestamps as nanoseconds.
func describe(changes unionstore.Changes[storetest.Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = fmt.Sprintf("%s/%s/%s %s %q at %d", c.Namespace, c.Entity.Kind, c.Entity.ID, c.ChangeType, c.Entity.Value, c.Timestamp.UnixNano())
	}
	return out
}

func save(tb testing.TB, s unionstore.Store[storetest.Item], changes ...unionstore.Change[storetest.Item]) {
	tb.Helper()
	if err := s.Save(context.Background(), changes); err != nil {
		tb.Fatalf("Save: %v", err)
	}
}

func load(tb testing.TB, s unionstore.Store[storetest.Item], ns string) unionstore.Changes[storetest.Item] {
	tb.Helper()
	got, err := s.Load(context.Background(), ns)
	if err != nil {
		tb.Fatalf("Load(%q): %v", ns, err)
	}
	return got
}
