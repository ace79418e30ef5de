package kafkastore_test

import (
	"context"
	"fmt"
	"os"
	"strings"
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

// server is the cluster the tests use: the brokers in
// UNIONSTORE_KAFKA_BROKERS, as host:port[,host:port], or by default kfake,
// an in-process cluster that speaks the Kafka protocol over loopback.
var server = storetest.Server{Name: "Kafka", EnvVar: "UNIONSTORE_KAFKA_BROKERS", Default: inProcess}

// inProcess is the default address of server: the in-process cluster.
const inProcess = "in-process"

// testCluster is the cluster the tests share, and a client to set it up.
type testCluster struct {
	fake    *kfake.Cluster // nil against a real cluster
	brokers []string
	admin   *kgo.Client
}

// cluster is made on first use; a cluster that cannot be reached skips
// the tests, or fails them when CI is set. It deletes the topics of
// newTopic when their test ends.
var cluster = storetest.Shared[*testCluster]{Server: server, Open: openCluster, Remove: deleteTopic}

// openCluster starts the in-process cluster for inProcess, or connects to
// the brokers of addr, and checks that they answer.
func openCluster(ctx context.Context, addr string) (*testCluster, error) {
	c := &testCluster{}
	if addr == inProcess {
		fc, err := kfake.NewCluster(kfake.NumBrokers(3))
		if err != nil {
			return nil, err
		}
		c.fake, c.brokers = fc, fc.ListenAddrs()
	} else {
		c.brokers = strings.Split(addr, ",")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.brokers...))
	if err == nil {
		if err = cl.Ping(ctx); err != nil {
			cl.Close()
		}
	}
	if err != nil {
		if c.fake != nil {
			c.fake.Close()
		}
		return nil, err
	}
	c.admin = cl
	return c, nil
}

// close closes the client and the in-process cluster.
func (c *testCluster) close() error {
	c.admin.Close()
	if c.fake != nil {
		c.fake.Close()
	}
	return nil
}

// setup returns the brokers the tests use.
func setup(tb testing.TB) []string {
	tb.Helper()
	return cluster.Get(tb).brokers
}

// admin returns the client the tests set the cluster up with.
func admin(tb testing.TB) *kgo.Client {
	tb.Helper()
	return cluster.Get(tb).admin
}

// fake returns the in-process cluster, or skips a test that needs one.
func fake(tb testing.TB) *kfake.Cluster {
	tb.Helper()
	c := cluster.Get(tb)
	if c.fake == nil {
		tb.Skipf("the test needs the in-process cluster, not the one in %s", server.EnvVar)
	}
	return c.fake
}

// TestMain closes the shared client and cluster once the tests are done,
// then fails the run if any goroutine is left behind. Started with
// clusterEnv, the test binary serves a cluster instead (see separateURL).
func TestMain(m *testing.M) {
	if os.Getenv(clusterEnv) != "" {
		os.Exit(serveCluster())
	}
	code := m.Run()
	_ = cluster.Close((*testCluster).close)
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
	return cluster.Scratch(tb, "unionstore-test-")
}

// deleteTopic deletes topic through c's client. A topic that was never
// created is no error: the cluster's answer for it is not looked at, only
// whether the request went through.
func deleteTopic(ctx context.Context, c *testCluster, topic string) error {
	_, err := kadm.NewClient(c.admin).DeleteTopics(ctx, topic)
	return err
}

func topicURL(tb testing.TB, topic string) string {
	tb.Helper()
	return "kafka://" + strings.Join(setup(tb), ",") + "/" + topic
}

// open returns a store owning its client on topic, closed when the test
// ends.
func open(tb testing.TB, topic string, opts ...kafkastore.Option) *kafkastore.Store[storetest.Item] {
	tb.Helper()
	return openURL(tb, topicURL(tb, topic), opts...)
}

// openURL returns a store made by OpenURL on url, closed when the test
// ends.
func openURL(tb testing.TB, url string, opts ...kafkastore.Option) *kafkastore.Store[storetest.Item] {
	tb.Helper()
	s, err := kafkastore.OpenURL[storetest.Item](context.Background(), url, opts...)
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

// set and unset make the tests' changes: see [storetest.Set].
var set, unset = storetest.Set, storetest.Unset

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
