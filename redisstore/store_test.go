package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestScanOrderAcrossPages checks that Scan yields (kind, id) in byte
// order, with kinds that are prefixes of others, across page boundaries.
func TestScanOrderAcrossPages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.WithPageSize(2))
	var changes unionstore.Changes[storetest.Item]
	for _, kind := range []string{"ab", "a", "b", "", "a\x01", "aa"} {
		for _, id := range []string{"2", "1", "10", "\x01"} {
			changes = append(changes, set("ns", kind, id, "v", at(0)))
		}
	}
	if err := s.Save(ctx, changes); err != nil {
		t.Fatalf("Save: %v", err)
	}
	var got [][2]string
	for c, err := range s.Scan(ctx, "ns") {
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		kind, id := c.Entity.CompactionKey()
		got = append(got, [2]string{kind, id})
	}
	want := slices.Clone(got)
	slices.SortFunc(want, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	if len(got) != len(changes) || !slices.Equal(got, want) {
		t.Errorf("Scan yielded %q, want %d identities in order %q", got, len(changes), want)
	}
}

// TestLargeBatchSpansChunks saves a batch of several chunks, of two
// namespaces, and reads it back with its counts.
func TestLargeBatchSpansChunks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	batch := append(storetest.Customers("a", 0, 1234), storetest.Customers("b", 0, 777)...)
	for i := 0; i < len(batch); i += 3 {
		batch[i].ChangeType = unionstore.ChangeTypeUnset
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatalf("Save: %v", err)
	}
	storetest.ExpectModel(t, s, storetest.Model(t, batch), "a", "b")
}

// TestDamagedValue writes bytes that are no value of the layout into a
// namespace, and checks that reads report that identity, by name, as a
// decode error, and return the others.
func TestDamagedValue(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix)
	storetest.Save(t, s, set("ns", "k", "good", "v", at(1)), set("ns", "k", "bad", "v", at(1)))
	records, _, _ := redisstore.NamespaceKeys(prefix, "ns")
	if err := adminClient(t).HSet(ctx, records, redisstore.Member("k", "bad"), "\x01\x07junk").Err(); err != nil {
		t.Fatalf("damage: %v", err)
	}
	got, err := s.Load(ctx, "ns")
	var de *unionstore.DecodeError
	if !errors.As(err, &de) || de.ID != "bad" || !strings.Contains(err.Error(), "damaged value") {
		t.Errorf("Load error = %v, want a decode error naming id bad", err)
	}
	if len(got) != 1 || got[0].Entity.ID != "good" {
		t.Errorf("Load = %v, want the good change only", got)
	}
	if _, _, err := s.Get(ctx, "ns", "k", "bad"); !errors.Is(err, unionstore.ErrDecode) {
		t.Errorf("Get of the damaged value: error = %v, want one wrapping ErrDecode", err)
	}
	// A newer save replaces the damaged value, which cannot be compared.
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "bad", "fixed", at(0))}); err != nil {
		t.Fatalf("Save over the damaged value: %v", err)
	}
	if c, _, err := s.Get(ctx, "ns", "k", "bad"); err != nil || c.Entity.Value != "fixed" {
		t.Errorf("Get after the repair = %v, %v, want value fixed", c, err)
	}
}

// TestScriptsReloaded flushes the server's script cache, as a restart
// does, and checks that every operation loads the scripts again.
func TestScriptsReloaded(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	flush := func() {
		if err := adminClient(t).ScriptFlush(ctx).Err(); err != nil {
			t.Fatalf("SCRIPT FLUSH: %v", err)
		}
	}
	flush()
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "1", "v", at(1)), unset("ns", "k", "2", at(1))}); err != nil {
		t.Fatalf("Save after SCRIPT FLUSH: %v", err)
	}
	flush()
	if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 2 {
		t.Fatalf("Load after SCRIPT FLUSH = %v, %v, want 2 changes", got, err)
	}
	flush()
	if n, err := s.PurgeTombstones(ctx, "ns", t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones after SCRIPT FLUSH = %d, %v, want 1", n, err)
	}
}

// TestErrorsNameTheStore checks that errors name the prefix and server,
// and wrap ErrClosed after Close.
func TestErrorsNameTheStore(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, newClient(t), prefix)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := s.Load(ctx, "ns")
	if !errors.Is(err, unionstore.ErrClosed) || !strings.Contains(err.Error(), fmt.Sprintf("prefix %q of redis ", prefix)) {
		t.Errorf("Load after Close: error = %v, want ErrClosed naming prefix %q", err, prefix)
	}
}

// TestLargestPages reads and purges a namespace in pages of MaxPageSize,
// whose members the scripts pass to one command each.
func TestLargestPages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.WithPageSize(redisstore.MaxPageSize))
	batch := storetest.Customers("ns", 0, 2*redisstore.MaxPageSize+1)
	for i := range batch {
		batch[i].ChangeType = unionstore.ChangeTypeUnset
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got, err := s.Load(ctx, "ns"); err != nil || len(got) != len(batch) {
		t.Fatalf("Load = %d changes, %v, want %d", len(got), err, len(batch))
	}
	if n, err := s.PurgeTombstones(ctx, "ns", unionstore.MaxTimestamp); err != nil || n != len(batch) {
		t.Fatalf("PurgeTombstones = %d, %v, want %d", n, err, len(batch))
	}
}

// TestDamagedCount checks that Namespaces reports a count that is no
// number, naming the namespace, rather than listing a wrong figure.
func TestDamagedCount(t *testing.T) {
	ctx := context.Background()
	prefix := newPrefix(t)
	s := newStoreOn(t, adminClient(t), prefix)
	storetest.Save(t, s, set("ns", "k", "1", "v", at(1)))
	_, _, counts := redisstore.NamespaceKeys(prefix, "ns")
	if err := adminClient(t).HSet(ctx, counts, "sets", "many").Err(); err != nil {
		t.Fatalf("damage: %v", err)
	}
	if _, err := s.Namespaces(ctx); err == nil || !strings.Contains(err.Error(), `namespace "ns": damaged count "many"`) {
		t.Errorf("Namespaces error = %v, want one naming the damaged count of ns", err)
	}
}
