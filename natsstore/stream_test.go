package natsstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestNewChecksTheStreamsSettings creates streams that differ from the
// store's own in one setting each and opens a store on them: New must
// refuse every setting that would drop changes silently or fail saves,
// naming it, and accept the others, on which a save then works.
func TestNewChecksTheStreamsSettings(t *testing.T) {
	ctx := context.Background()
	js := sharedJS(t)
	for _, tc := range []struct {
		name string
		// change alters the settings the stream is created with; seal
		// seals it afterwards, which creation does not allow.
		change func(*jetstream.StreamConfig)
		seal   bool
		opts   []natsstore.Option
		// refused is a phrase of New's error naming the setting, or ""
		// when New must accept the stream.
		refused string
	}{
		{name: "the store's own settings"},
		{name: "max message size 100", change: func(c *jetstream.StreamConfig) { c.MaxMsgSize = 100 }, refused: "max message size 100"},
		{name: "max message size one under the least", change: func(c *jetstream.StreamConfig) { c.MaxMsgSize = 1279 }, refused: "max message size 1279"},
		{name: "max message size at the least", change: func(c *jetstream.StreamConfig) { c.MaxMsgSize = 1280 }},
		{name: "discard new", change: func(c *jetstream.StreamConfig) { c.Discard = jetstream.DiscardNew }},
		{name: "discard new per subject", change: func(c *jetstream.StreamConfig) {
			c.Discard, c.DiscardNewPerSubject = jetstream.DiscardNew, true
		}, refused: "discard new per subject"},
		{name: "no ack", change: func(c *jetstream.StreamConfig) { c.NoAck = true }, refused: "no ack"},
		{name: "sealed", seal: true, refused: "sealed"},
		{name: "deny delete and purge", change: func(c *jetstream.StreamConfig) { c.DenyDelete, c.DenyPurge = true, true }},
		{name: "max messages per subject unlimited", change: func(c *jetstream.StreamConfig) { c.MaxMsgsPerSubject = -1 }, refused: "max messages per subject -1"},
		{name: "max messages per subject 2", change: func(c *jetstream.StreamConfig) { c.MaxMsgsPerSubject = 2 }, refused: "max messages per subject 2"},
		{name: "interest retention", change: func(c *jetstream.StreamConfig) { c.Retention = jetstream.InterestPolicy }, refused: "retention Interest"},
		{name: "work queue retention", change: func(c *jetstream.StreamConfig) { c.Retention = jetstream.WorkQueuePolicy }, refused: "retention WorkQueue"},
		{name: "max messages", change: func(c *jetstream.StreamConfig) { c.MaxMsgs = 1000 }, refused: "max messages 1000"},
		{name: "max bytes", change: func(c *jetstream.StreamConfig) { c.MaxBytes = 1 << 20 }, refused: "max bytes 1048576"},
		{name: "max age", change: func(c *jetstream.StreamConfig) { c.MaxAge = time.Hour }, refused: "max age 1h0m0s"},
		{name: "another description", change: func(c *jetstream.StreamConfig) { c.Description = "orders" }, refused: `description "orders"`},
		{name: "other subjects", change: func(c *jetstream.StreamConfig) { c.Subjects = []string{c.Name + ".a.>"} }, refused: "subjects"},
		{name: "replicas other than asked", opts: []natsstore.Option{natsstore.WithReplicas(3)}, refused: "replicas 1"},
		{name: "storage other than asked", change: func(c *jetstream.StreamConfig) { c.Storage = jetstream.MemoryStorage },
			opts: []natsstore.Option{natsstore.WithStorage(jetstream.FileStorage)}, refused: "storage Memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := newStreamName(t, js)
			cfg := natsstore.StreamConfig(name)
			if tc.change != nil {
				tc.change(&cfg)
			}
			if _, err := js.CreateStream(ctx, cfg); err != nil {
				t.Fatalf("create the stream: %v", err)
			}
			if tc.seal {
				cfg.Sealed = true
				if _, err := js.UpdateStream(ctx, cfg); err != nil {
					t.Fatalf("seal the stream: %v", err)
				}
			}
			opts := append([]natsstore.Option{natsstore.WithStream(name), natsstore.WithCreateStream(false)}, tc.opts...)
			s, err := natsstore.New[storetest.Item](ctx, js, opts...)
			if tc.refused != "" {
				if err == nil {
					s.Close()
					t.Fatalf("New on a stream with %s = a store, want an error naming %q", tc.name, tc.refused)
				}
				if !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("New on a stream with %s = %v, want an error naming %q", tc.name, err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatalf("New on a stream with %s = %v, want a store", tc.name, err)
			}
			defer s.Close()
			c := set("ns", "k", "1", "v", at(1))
			if err := s.Save(ctx, unionstore.Changes[storetest.Item]{c}); err != nil {
				t.Fatalf("Save on a stream with %s = %v", tc.name, err)
			}
			if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "1", "w", at(2))}); err != nil {
				t.Fatalf("Save of the same identity again on a stream with %s = %v", tc.name, err)
			}
		})
	}
}
