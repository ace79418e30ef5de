package natsstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// openOwned opens a store that owns its connection to url, closed when the
// test ends.
func openOwned(t *testing.T, url string, opts ...natsstore.Option) *natsstore.Store[storetest.Item] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := natsstore.OpenURL[storetest.Item](ctx, url, opts...)
	if err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// batchOf returns batch number b of a run: ten new identities.
func batchOf(b int) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], 10)
	for i := range out {
		out[i] = set("ns", "k", fmt.Sprintf("%05d-%d", b, i), fmt.Sprint(b), at(b))
	}
	return out
}

// TestRestartLosesNoAcknowledgedChange saves batches in a loop while the
// in-process server is stopped and started again on the same files: every
// batch whose Save returned nil must be there afterwards, and the store
// must work again without being reopened.
func TestRestartLosesNoAcknowledgedChange(t *testing.T) {
	opts := serverOptions(t, t.TempDir())
	srv := startServer(t, opts)
	s := openOwned(t, serverAddr(opts))

	var (
		acked   []int
		mu      sync.Mutex
		stop    atomic.Bool
		wg      sync.WaitGroup
		failed  atomic.Int64
		savedOK atomic.Int64
	)
	wg.Go(func() {
		for b := 0; !stop.Load(); b++ {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			err := s.Save(ctx, batchOf(b))
			cancel()
			if err != nil {
				failed.Add(1)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			savedOK.Add(1)
			mu.Lock()
			acked = append(acked, b)
			mu.Unlock()
		}
	})
	waitFor(t, "saves before the restart", func() bool { return savedOK.Load() >= 20 })
	stopServer(srv)
	time.Sleep(300 * time.Millisecond)
	startServer(t, opts) // stopped when the test ends
	before := savedOK.Load()
	waitFor(t, "saves after the restart", func() bool { return savedOK.Load() >= before+20 })
	stop.Store(true)
	wg.Wait()
	t.Logf("%d batches acknowledged, %d saves failed during the restart", savedOK.Load(), failed.Load())

	got, err := s.Load(context.Background(), "ns")
	if err != nil {
		t.Fatalf("Load after the restart: %v", err)
	}
	have := map[string]bool{}
	for _, c := range got {
		have[c.Entity.ID] = true
	}
	for _, b := range acked {
		for _, c := range batchOf(b) {
			if !have[c.Entity.ID] {
				t.Fatalf("batch %d was acknowledged but %s is missing after the restart", b, c.Entity.ID)
			}
		}
	}
}

// TestSaveWhileServerDownEndsAtTheDeadline stops the server under an open
// store: Save, Load, Scan and Get must end with an error wrapping
// context.DeadlineExceeded soon after the context's deadline, not hang.
func TestSaveWhileServerDownEndsAtTheDeadline(t *testing.T) {
	opts := serverOptions(t, t.TempDir())
	srv := startServer(t, opts)
	s := openOwned(t, serverAddr(opts))
	if err := s.Save(context.Background(), batchOf(0)); err != nil {
		t.Fatalf("Save: %v", err)
	}
	stopServer(srv)

	const deadline = 300 * time.Millisecond
	for _, op := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Save of a few", func(ctx context.Context) error { return s.Save(ctx, batchOf(1)) }},
		{"Save of many", func(ctx context.Context) error {
			var big unionstore.Changes[storetest.Item]
			for b := 2; b < 30; b++ {
				big = append(big, batchOf(b)...)
			}
			return s.Save(ctx, big)
		}},
		{"Load", func(ctx context.Context) error { _, err := s.Load(ctx, "ns"); return err }},
		{"Get", func(ctx context.Context) error { _, _, err := s.Get(ctx, "ns", "k", "x"); return err }},
		{"Scan", func(ctx context.Context) error {
			for _, err := range s.Scan(ctx, "ns") {
				if err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		err := op.run(ctx)
		took := time.Since(start)
		cancel()
		if err == nil {
			t.Errorf("%s with the server down = nil, want an error", op.name)
		}
		if took > deadline+2*time.Second {
			t.Errorf("%s with the server down took %v, want about the deadline of %v", op.name, took, deadline)
		}
		t.Logf("%s: %v after %v", op.name, err, took.Round(time.Millisecond))
	}
}

// TestClusterSurvivesTheLossOfANode runs three in-process servers as one
// cluster, a stream with three replicas, and stops one node: Save and Load
// go on, and nothing saved is lost.
func TestClusterSurvivesTheLossOfANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starting a three-node cluster takes seconds")
	}
	const nodes = 3
	all := make([]*server.Options, nodes)
	clusterPorts := make([]int, nodes)
	for i := range all {
		all[i] = serverOptions(t, t.TempDir())
		all[i].ServerName = fmt.Sprintf("n%d", i)
		clusterPorts[i] = freePort(t)
	}
	for i, o := range all {
		o.Cluster = server.ClusterOpts{Name: "unionstore", Host: "127.0.0.1", Port: clusterPorts[i]}
		for j := range all {
			if j != i {
				o.Routes = append(o.Routes, server.RoutesFromStr(fmt.Sprintf("nats://127.0.0.1:%d", clusterPorts[j]))...)
			}
		}
	}
	servers := make([]*server.Server, nodes)
	for i, o := range all {
		servers[i] = startServer(t, o)
	}
	var urls string
	for i, o := range all {
		if i > 0 {
			urls += ","
		}
		urls += serverAddr(o)
	}
	waitFor(t, "the cluster's JetStream to be ready", func() bool {
		for _, srv := range servers {
			if !srv.JetStreamIsClustered() || !srv.JetStreamIsCurrent() {
				return false
			}
		}
		return true
	})
	js := connect(t, urls)
	var s *natsstore.Store[storetest.Item]
	waitFor(t, "a stream with three replicas", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		s, err = natsstore.New[storetest.Item](ctx, js, natsstore.WithReplicas(3))
		return err == nil
	})
	t.Cleanup(func() { _ = s.Close() })

	var want unionstore.Changes[storetest.Item]
	save := func(b int) {
		t.Helper()
		batch := batchOf(b)
		var err error
		for attempt := 0; attempt < 50; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err = s.Save(ctx, batch)
			cancel()
			if err == nil {
				want = append(want, batch...)
				return
			}
			// A leader election after the loss of a node takes a moment.
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("Save of batch %d: %v", b, err)
	}
	for b := 0; b < 20; b++ {
		save(b)
	}
	// Stop the node the client is not necessarily on: any one of them,
	// here the stream's leader when it is known, the hardest case.
	victim := 0
	for i, srv := range servers {
		if srv.JetStreamIsStreamLeader("$G", natsstore.DefaultStream) {
			victim = i
		}
	}
	stopServer(servers[victim])
	for b := 20; b < 40; b++ {
		save(b)
	}
	want = unionstore.Compact(want)
	// A replica may answer a read before it has applied the last writes:
	// wait until what is read is everything saved.
	var got unionstore.Changes[storetest.Item]
	waitFor(t, "a Load with every saved change", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		got, err = s.Load(ctx, "ns")
		return err == nil && len(got) == len(want)
	})
	if !slices.EqualFunc(got, want, func(a, b unionstore.Change[storetest.Item]) bool {
		return a.Entity == b.Entity && a.Timestamp.Equal(b.Timestamp) && a.ChangeType == b.ChangeType
	}) {
		t.Fatalf("Load with node %d stopped = %d changes, want the %d saved", victim, len(got), len(want))
	}
	c, ok, err := s.Get(context.Background(), "ns", "k", want[len(want)-1].Entity.ID)
	if err != nil || !ok || c.Entity != want[len(want)-1].Entity {
		t.Fatalf("Get with node %d stopped = %+v, %v, %v; want %+v", victim, c.Entity, ok, err, want[len(want)-1].Entity)
	}
}

// waitFor polls cond until it holds, and fails the test after 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
