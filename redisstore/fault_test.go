package redisstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// namedClient returns a client of its own whose connections carry a name,
// so that the test can find and kill them.
func namedClient(t *testing.T) (*redis.Client, string) {
	t.Helper()
	adminClient(t)
	opts, err := redis.ParseURL(serverURL())
	if err != nil {
		t.Fatalf("parse %s: %v", server.EnvVar, err)
	}
	opts.ClientName = storetest.UniqueName("redisstore-test-")
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c, opts.ClientName
}

// connections returns the ids of the server's connections named name.
func connections(t *testing.T, name string) []string {
	t.Helper()
	list, err := adminClient(t).ClientList(context.Background()).Result()
	if err != nil {
		t.Fatalf("CLIENT LIST: %v", err)
	}
	var ids []string
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		var id, got string
		for _, f := range strings.Fields(sc.Text()) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if v, ok := strings.CutPrefix(f, "name="); ok {
				got = v
			}
		}
		if got == name {
			ids = append(ids, id)
		}
	}
	return ids
}

// killConnections kills the server's connections named name, and returns
// how many it killed.
func killConnections(t *testing.T, name string) int {
	t.Helper()
	ids := connections(t, name)
	for _, id := range ids {
		if err := adminClient(t).ClientKillByFilter(context.Background(), "ID", id).Err(); err != nil {
			t.Fatalf("CLIENT KILL ID %s: %v", id, err)
		}
	}
	return len(ids)
}

// TestSaveAfterKilledConnections kills the store's connections between
// saves, as a server restart or a proxy would, and checks that the store
// goes on, with the client's reconnection.
func TestSaveAfterKilledConnections(t *testing.T) {
	ctx := context.Background()
	client, name := namedClient(t)
	s := newStoreOn(t, client, newPrefix(t))
	model := unionstore.NewMemory[storetest.Item]()
	for round := range 5 {
		batch := storetest.Customers("ns", round*100, 100)
		if err := s.Save(ctx, batch); err != nil {
			t.Fatalf("round %d: Save: %v", round, err)
		}
		_ = model.Save(ctx, batch)
		if n := killConnections(t, name); n == 0 {
			t.Fatalf("round %d: no connection named %s to kill", round, name)
		}
	}
	storetest.ExpectModel(t, s, model, "ns")
}

// TestInterruptedSavesRepeated saves batches with deadlines short enough
// to end some of them midway, repeats each failed batch without one, and
// checks that the store then holds what a model given every batch holds:
// a batch cut short leaves whole records only, and repeating it is safe.
// Timestamps are distinct, so that no tie depends on the order of saves.
func TestInterruptedSavesRepeated(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	model := unionstore.NewMemory[storetest.Item]()
	r := rand.New(rand.NewPCG(3, 4))
	var failed []unionstore.Changes[storetest.Item]
	ts := 0
	for round := range 40 {
		var batch unionstore.Changes[storetest.Item]
		for range 1 + r.IntN(1500) {
			ts++
			ns := []string{"a", "b"}[r.IntN(2)]
			c := set(ns, "k", strconv.Itoa(r.IntN(2000)), fmt.Sprint("r", round), at(r.IntN(1_000_000)*1000+ts))
			if r.IntN(4) == 0 {
				c.ChangeType = unionstore.ChangeTypeUnset
			}
			batch = append(batch, c)
		}
		_ = model.Save(ctx, batch)
		sctx, cancel := context.WithTimeout(ctx, time.Duration(r.IntN(3000))*time.Microsecond)
		if err := s.Save(sctx, batch); err != nil {
			failed = append(failed, batch)
		}
		cancel()
	}
	t.Logf("%d of 40 saves failed and were repeated", len(failed))
	for _, batch := range failed {
		if err := s.Save(ctx, batch); err != nil {
			t.Fatalf("repeated Save: %v", err)
		}
	}
	storetest.ExpectModel(t, s, model, "a", "b")
}

// TestOpenURLOwnsItsClient checks that Close of a store made by OpenURL
// closes its client: the connections it named are gone.
func TestOpenURLOwnsItsClient(t *testing.T) {
	ctx := context.Background()
	name := storetest.UniqueName("redisstore-test-")
	s, err := redisstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "prefix", newPrefix(t))+"&client_name="+name)
	if err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	storetest.Save(t, s, set("ns", "k", "1", "v", at(1)))
	if len(connections(t, name)) == 0 {
		t.Fatalf("no connection named %s before Close", name)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(connections(t, name)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("connections of the store's client still open after Close")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
