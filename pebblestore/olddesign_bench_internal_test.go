package pebblestore

import (
	"encoding/json"
	"fmt"
	"log"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// oldDesign follows the Pebble store of the design this package replaces,
// for BenchmarkUpdatesVersusBlind to measure against: each change is kept
// as a JSON envelope (namespace, change type, kind, id, the entity's own
// JSON and the timestamp) under the key "namespace:kind:id", and a Save
// sets its changes blindly in one synced batch, one Save at a time under
// a lock of the whole store, in a database of pebble's default options
// with a block cache of 128 MiB. It keeps no change feed, no counts and
// no last-write-wins: a later Save of an older change overwrites a newer
// one.
type oldDesign struct {
	mu sync.Mutex
	db *pebble.DB
}

// oldEnvelope is the old design's record of a change.
type oldEnvelope struct {
	Namespace  string          `json:"namespace"`
	ChangeType string          `json:"changeType"`
	EntityType string          `json:"entityType"`
	EntityID   string          `json:"entityID"`
	Entity     json.RawMessage `json:"entity"`
	Timestamp  time.Time       `json:"timestamp"`
}

func openOldDesign(dir string) (*oldDesign, error) {
	cache := pebble.NewCache(128 << 20)
	defer cache.Unref()
	db, err := pebble.Open(dir, &pebble.Options{Cache: cache, Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("open the old design's store: %w", err)
	}
	return &oldDesign{db: db}, nil
}

// quietLogger drops pebble's informational messages, which would land in
// the middle of the benchmark's output lines, and keeps its errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)              {}
func (quietLogger) Errorf(format string, args ...any) { log.Printf(format, args...) }
func (quietLogger) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }

func (o *oldDesign) save(changes unionstore.Changes[storetest.Item]) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.db.NewBatch()
	defer b.Close()
	for _, c := range changes {
		entity, err := json.Marshal(c.Entity)
		if err != nil {
			return err
		}
		ns, kind, id := c.Key()
		record, err := json.Marshal(oldEnvelope{Namespace: ns, ChangeType: string(c.ChangeType), EntityType: kind, EntityID: id, Entity: entity, Timestamp: c.Timestamp})
		if err != nil {
			return err
		}
		if err := b.Set([]byte(ns+":"+kind+":"+id), record, nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.Sync)
}

// fillAndUpdateOld is fillAndUpdate on the old design's store: the same
// records, drawn from the same seed, in the same batches.
func fillAndUpdateOld(b *testing.B, n int, seed uint64) (insert, update time.Duration) {
	o, err := openOldDesign(filepath.Join(b.TempDir(), "old"))
	if err != nil {
		b.Fatal(err)
	}
	defer o.db.Close()
	return fillPhases(b, n, seed, o.save)
}

// TestOldDesignOverwritesBlindly checks that the baseline is the old
// design's: a later save of an older change replaces the newer one.
func TestOldDesignOverwritesBlindly(t *testing.T) {
	o, err := openOldDesign(filepath.Join(t.TempDir(), "old"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.db.Close()
	ts := time.Unix(1_700_000_000, 0).UTC()
	for _, c := range []unionstore.Change[storetest.Item]{
		storetest.Set("ns", "k", "a", "newer", ts.Add(time.Second)),
		storetest.Set("ns", "k", "a", "older", ts),
	} {
		if err := o.save(unionstore.Changes[storetest.Item]{c}); err != nil {
			t.Fatal(err)
		}
	}
	v, closer, err := o.db.Get([]byte("ns:k:a"))
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	var got oldEnvelope
	if err := json.Unmarshal(v, &got); err != nil {
		t.Fatal(err)
	}
	var e storetest.Item
	if err := json.Unmarshal(got.Entity, &e); err != nil {
		t.Fatal(err)
	}
	if e.Value != "older" || !got.Timestamp.Equal(ts) || got.ChangeType != "set" || got.EntityType != "k" || got.EntityID != "a" {
		t.Errorf("the old design's store holds %+v with entity %+v, want the older change, saved last", got, e)
	}
}
