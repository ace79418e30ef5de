package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/storetest"
)

// driverOf returns the driver of s.
func driverOf[E unionstore.Entity](s *Store[E]) *driver { return s.Driver().(*driver) }

func openTest(t *testing.T) *Store[storetest.Item] {
	t.Helper()
	s, err := Open[storetest.Item](filepath.Join(t.TempDir(), "group.db"), WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func requestOf(t *testing.T, s *Store[storetest.Item], ctx context.Context, ids ...string) *request {
	t.Helper()
	var batch []backend.Record
	for _, id := range ids {
		payload, err := unionstore.JSONCodec[storetest.Item]().Encode(storetest.Item{Kind: "k", ID: id, Value: "v"})
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, backend.Record{Namespace: "ns", Kind: "k", ID: id, Type: unionstore.ChangeTypeSet,
			Timestamp: time.Unix(1700000000, 0).UnixNano(), Payload: payload})
	}
	return &request{ctx: ctx, batch: driverOf(s).encode(batch), done: make(chan error, 1)}
}

// ids returns the ids stored in namespace "ns". The nested bucket that
// TestGroupFailureIsolated plants is reported by Load as a record that
// does not decode, and is left out.
func ids(t *testing.T, s *Store[storetest.Item]) []string {
	t.Helper()
	got, err := s.Load(context.Background(), "ns")
	if err != nil && !errors.Is(err, unionstore.ErrDecode) {
		t.Fatal(err)
	}
	var out []string
	for _, c := range got {
		out = append(out, c.Entity.ID)
	}
	return out
}

// TestGroupFailureIsolated commits groups in which one batch cannot be
// written (its key is taken by a nested bucket, as in a damaged file) or
// one batch's ctx has ended: the other batches are committed whole, the
// failing one not at all, and each request gets its own outcome.
func TestGroupFailureIsolated(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	tests := []struct {
		name     string
		batches  [][]string
		ctxs     []context.Context // nil: background
		wantErrs []error           // per batch; nil for success
		wantIDs  string
	}{
		{"a failing batch in the middle", [][]string{{"a1", "a2"}, {"b1", "trap", "b2"}, {"c1"}}, nil,
			[]error{nil, berrors.ErrIncompatibleValue, nil}, "[a1 a2 c1]"},
		{"a failing batch first", [][]string{{"trap"}, {"b1"}}, nil,
			[]error{berrors.ErrIncompatibleValue, nil}, "[b1]"},
		{"a batch alone that fails", [][]string{{"a1", "trap"}}, nil,
			[]error{berrors.ErrIncompatibleValue}, "[]"},
		{"a batch whose ctx ended", [][]string{{"a1"}, {"b1"}, {"c1"}}, []context.Context{ctx, canceled, ctx},
			[]error{nil, context.Canceled, nil}, "[a1 c1]"},
		{"two failing batches", [][]string{{"trap"}, {"b1"}, {"c1", "trap"}}, nil,
			[]error{berrors.ErrIncompatibleValue, nil, berrors.ErrIncompatibleValue}, "[b1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			err := driverOf(s).db.Update(func(tx *bolt.Tx) error {
				b, err := tx.Bucket(recordsBucket).CreateBucket([]byte("ns"))
				if err != nil {
					return err
				}
				_, err = b.CreateBucket(encodeKey(nil, "k", "trap"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var group []*request
			for i, b := range tt.batches {
				c := ctx
				if tt.ctxs != nil {
					c = tt.ctxs[i]
				}
				group = append(group, requestOf(t, s, c, b...))
			}
			driverOf(s).commitGroup(group)
			for i, r := range group {
				err := <-r.done
				if want := tt.wantErrs[i]; (want == nil) != (err == nil) || !errors.Is(err, want) {
					t.Errorf("batch %d %v: outcome %v, want %v", i, tt.batches[i], err, want)
				}
			}
			if got := fmt.Sprint(ids(t, s)); got != tt.wantIDs {
				t.Errorf("stored ids %s, want %s", got, tt.wantIDs)
			}
			stats, err := s.Namespaces(ctx)
			if want := len(ids(t, s)); err != nil || (want > 0 && (len(stats) != 1 || stats[0].Entities != want)) {
				t.Errorf("Namespaces = %+v, %v; want %d entities", stats, err, want)
			}
		})
	}
}

// TestSaveWithdrawnWhenCtxEndsWhileQueued holds bbolt's writer so that the
// committer is stuck on one batch, queues another, ends its ctx, and checks
// that Save returns at once with the ctx error and the batch is never
// applied, while the first is.
func TestSaveWithdrawnWhenCtxEndsWhileQueued(t *testing.T) {
	s := openTest(t)
	tx, err := driverOf(s).db.Begin(true) // the committer's next Update waits for it
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		first <- s.Save(context.Background(), unionstore.Changes[storetest.Item]{change("ns", "k", "first", "v")})
	}()
	// Wait until the committer has taken the first batch.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		g := driverOf(s).group
		g.mu.Lock()
		n := g.taken
		g.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the committer did not take the first batch")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = s.Save(ctx, unionstore.Changes[storetest.Item]{change("ns", "k", "second", "v")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Save whose ctx ended while queued = %v, want DeadlineExceeded", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first Save = %v", err)
	}
	if got := fmt.Sprint(ids(t, s)); got != "[first]" {
		t.Errorf("stored ids %s, want [first]", got)
	}
}

// TestConcurrentSavesMatchMemory saves random batches from many goroutines
// at once and compares the file with the reference store given the same
// batches. Timestamps are distinct per identity, so the outcome does not
// depend on the order in which the batches were committed.
func TestConcurrentSavesMatchMemory(t *testing.T) {
	s := openTest(t)
	ref := unionstore.NewMemory[storetest.Item]()
	ctx := context.Background()
	const workers, rounds = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var mu sync.Mutex
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				var batch unionstore.Changes[storetest.Item]
				for i := range 1 + (w+r)%5 {
					c := change("ns", "k", fmt.Sprint((w*7+r*3+i)%50), fmt.Sprint(w, r, i))
					c.Timestamp = time.Unix(1700000000, int64(((r*workers+w)*5+i)*1000))
					if (w+i)%4 == 0 {
						c.ChangeType = unionstore.ChangeTypeUnset
					}
					batch = append(batch, c)
				}
				if err := s.Save(ctx, batch); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				err := ref.Save(ctx, batch)
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want, _ := ref.Load(ctx, "ns")
	got, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after concurrent saves, Load differs from the reference:\ngot  %v\nwant %v", got, want)
	}
	gotStats, err := s.Namespaces(ctx)
	wantStats, _ := ref.Namespaces(ctx)
	if err != nil || fmt.Sprint(gotStats) != fmt.Sprint(wantStats) {
		t.Fatalf("Namespaces = %v, %v; want %v", gotStats, err, wantStats)
	}
}
