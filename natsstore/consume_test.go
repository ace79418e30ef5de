package natsstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore/natsstore"
)

// apiCounter counts the JetStream API requests of one kind whose
// subjects contain one of the words it is asked for.
type apiCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *apiCounter) trace() *jetstream.ClientTrace {
	return &jetstream.ClientTrace{RequestSent: func(subj string, _ []byte) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, w := range []string{"CONSUMER.CREATE", "CONSUMER.INFO"} {
			if strings.Contains(subj, w) {
				c.counts[w]++
			}
		}
	}}
}

func (c *apiCounter) take() (creates, infos int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	creates, infos = c.counts["CONSUMER.CREATE"], c.counts["CONSUMER.INFO"]
	clear(c.counts)
	return creates, infos
}

// TestReadsAskConsumerInfoOnlyNearTheEnd reads a namespace of ten pulls'
// worth of messages with every read that goes through a consumer, and
// counts the consumer info requests: a consumer's info costs time in
// proportion to the stream after its position, so a read that asks it
// after every pull takes time in the square of the stream. Each consumer
// may ask it at most twice, near the end of its read. It also counts the
// consumers, each a pass over the namespace: one per read, Scan's
// included, and two for a purge followed by Namespaces.
func TestReadsAskConsumerInfoOnlyNearTheEnd(t *testing.T) {
	const n = 10 * 1024
	ctx := context.Background()
	counter := &apiCounter{counts: map[string]int{}}
	js, err := jetstream.New(sharedJSConn(t), jetstream.WithClientTrace(counter.trace()))
	if err != nil {
		t.Fatal(err)
	}
	s := newStoreOn(t, js, newStreamName(t, js))
	fillNamespace(t, s, n)
	g := growthStore{s, newStoreOn(t, js, s.Stream(), natsstore.WithSpillThreshold(1<<10))}
	passes := map[string]int{"purge-tombstones": 2}
	for _, r := range growthReads {
		t.Run(r.name, func(t *testing.T) {
			counter.take()
			got, err := r.read(ctx, g)
			if err != nil || got != n {
				t.Fatalf("%s = %d, %v; want %d", r.name, got, err, n)
			}
			creates, infos := counter.take()
			if want := max(passes[r.name], 1); creates != want {
				t.Errorf("%s of %d messages created %d consumers, want %d", r.name, n, creates, want)
			}
			if infos > 2*creates {
				t.Fatalf("%s of %d messages created %d consumers and asked their info %d times, want at most twice per consumer", r.name, n, creates, infos)
			}
			t.Logf("%s: %d consumers, %d info requests", r.name, creates, infos)
		})
	}
}
