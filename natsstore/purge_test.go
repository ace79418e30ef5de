package natsstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*natsstore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*natsstore.Store[storetest.Item])(nil)
)

// TestPurgeTombstonesKeepsAConcurrentSet races a tombstone purge against
// saves that bring the entities back: a purge deletes messages by their
// sequence, so a set published after its read always survives.
func TestPurgeTombstonesKeepsAConcurrentSet(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 40
	var tombs, sets unionstore.Changes[storetest.Item]
	for i := range n {
		item := storetest.Item{Kind: "k", ID: fmt.Sprint(i)}
		tombs = append(tombs, unionstore.Change[storetest.Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: item, Timestamp: base})
		item.Value = "back"
		sets = append(sets, unionstore.Change[storetest.Item]{Namespace: "ns", ChangeType: unionstore.ChangeTypeSet, Entity: item, Timestamp: base.Add(time.Hour)})
	}
	if err := s.Save(ctx, tombs); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var purged int
	var purgeErr error
	wg.Go(func() { purged, purgeErr = s.PurgeTombstones(ctx, "ns", base.Add(time.Minute)) })
	for _, c := range sets {
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{c}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if purgeErr != nil || purged > n {
		t.Fatalf("PurgeTombstones = %d, %v, want at most %d, nil", purged, purgeErr, n)
	}
	got, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("Load = %d changes, want the %d sets saved during the purge", len(got), n)
	}
	for _, c := range got {
		if c.ChangeType != unionstore.ChangeTypeSet {
			t.Fatalf("Load holds %v %s, want every entity set again", c.ChangeType, c.Entity.ID)
		}
	}
	t.Logf("the purge removed %d tombstones before their entities came back", purged)
}

// TestRefusedDeletionsAreTold checks that the deletion of a message no
// longer in the stream, which PurgeTombstones takes for a tombstone saved
// again, is told apart from a deletion the server refuses for another
// reason, which PurgeTombstones must check by reading the message.
func TestRefusedDeletionsAreTold(t *testing.T) {
	ctx := context.Background()
	js := sharedJS(t)
	for _, tc := range []struct {
		name       string
		denyDelete bool
		want       bool
	}{
		{name: "message replaced", want: true},
		{name: "deletion denied", denyDelete: true, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := newStreamName(t, js)
			st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, MaxMsgsPerSubject: 1, DenyDelete: tc.denyDelete})
			if err != nil {
				t.Fatal(err)
			}
			first, err := js.Publish(ctx, name+".a", []byte("1"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := js.Publish(ctx, name+".a", []byte("2")); err != nil {
				t.Fatal(err)
			}
			err = st.DeleteMsg(ctx, first.Sequence)
			if got := natsstore.NotFound(err); err == nil || got != tc.want {
				t.Errorf("NotFound(%v) = %v, want %v", err, got, tc.want)
			}
		})
	}
}

// TestPurgeTombstonesReportsARefusal purges tombstones from a stream that
// denies deletions: the server's refusal must end the purge as its error,
// with nothing counted, rather than pass for tombstones saved again.
func TestPurgeTombstonesReportsARefusal(t *testing.T) {
	ctx := context.Background()
	js := sharedJS(t)
	name := newStreamName(t, js)
	cfg := natsstore.StreamConfig(name)
	cfg.DenyDelete = true
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	s, err := natsstore.New[storetest.Item](ctx, js, natsstore.WithStream(name), natsstore.WithCreateStream(false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 5 {
		storetest.Save(t, s, unset("ns", "k", fmt.Sprint(i), at(1)))
	}
	n, err := s.PurgeTombstones(ctx, "ns", at(2))
	if err == nil || !strings.Contains(err.Error(), "not permitted") || n != 0 {
		t.Fatalf("PurgeTombstones on a stream that denies deletions = %d, %v; want 0 and the server's refusal", n, err)
	}
}
