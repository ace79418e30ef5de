package natsstore_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// saveFirstValues saves identities "00000" on of kind "k" to namespace
// "r", n of them, each with value "v0".
func saveFirstValues(t *testing.T, s *natsstore.Store[storetest.Item], n int) {
	t.Helper()
	batch := make(unionstore.Changes[storetest.Item], n)
	for i := range batch {
		batch[i] = set("r", "k", fmt.Sprintf("%05d", i), "v0", at(i))
	}
	if err := s.Save(context.Background(), batch); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

// TestReadEndsWhileSubjectsAreRepublished reads a namespace while another
// writer keeps replacing its messages. Each replaced message leaves the
// server's count of the read's pending messages too high (servers 2.9 do
// not lower it when a counted message is deleted), so a read that waits
// for that many messages waits for ones that never come. Each read must
// end well before its deadline and return every identity once.
func TestReadEndsWhileSubjectsAreRepublished(t *testing.T) {
	const n = 4000
	ctx := context.Background()
	s := newStore(t)
	saveFirstValues(t, s, n)

	// The writer replaces the messages of identities spread over the
	// namespace, newest timestamps first, until the reads are done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	round := 0
	repeatUntil(t, &wg, stop, "Save during the reads", func() error {
		round++
		var changes unionstore.Changes[storetest.Item]
		for i := round % 97; i < n; i += 97 {
			changes = append(changes, set("r", "k", fmt.Sprintf("%05d", i), fmt.Sprint("v", round), at(n*round+i)))
		}
		return s.Save(ctx, changes)
	})
	defer wg.Wait()
	defer close(stop)

	reads := []struct {
		name string
		read func(context.Context) (int, error)
	}{
		{"Load", func(ctx context.Context) (int, error) {
			got, err := s.Load(ctx, "r")
			return len(got), err
		}},
		{"Scan", func(ctx context.Context) (int, error) { return countScan(ctx, s, "r") }},
	}
	for _, r := range reads {
		for round := range 3 {
			// The deadline is half of the read's own fetch deadline: a
			// read that waits for a message that never comes fails here.
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			got, err := r.read(rctx)
			cancel()
			if err != nil || got != n {
				t.Fatalf("%s round %d = %d changes, %v; want %d and no error", r.name, round, got, err, n)
			}
		}
	}
}

// TestScanWaysAgree checks that Scan yields what Load returns both when
// the namespace fits its spill threshold and when it writes sorted runs to
// a temporary file, that it takes the way its threshold says, and that
// the file is gone when the Scan ends, whether or not its loop ran to the
// end.
func TestScanWaysAgree(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var changes unionstore.Changes[storetest.Item]
	for i := range 600 {
		c := set("w", fmt.Sprint("k", i%3), fmt.Sprintf("%04d", i), "v", at(i))
		if i%5 == 0 {
			c.ChangeType = unionstore.ChangeTypeUnset
		}
		changes = append(changes, c)
	}
	changes = append(changes, set("other", "k", "1", "v", at(1)))
	if err := s.Save(ctx, changes); err != nil {
		t.Fatalf("Save: %v", err)
	}
	want, err := s.Load(ctx, "w")
	if err != nil || len(want) != 600 {
		t.Fatalf("Load = %d changes, %v; want 600", len(want), err)
	}
	dir := t.TempDir()
	for _, way := range []struct {
		name   string
		store  *natsstore.Store[storetest.Item]
		spills int // the Scans that write runs
	}{
		{"within the threshold", s, 0},
		{"beyond the threshold", spillingStore(t, s, dir), 1},
	} {
		t.Run(way.name, func(t *testing.T) {
			spills := 0
			defer natsstore.SetSpilledScan(func() { spills++ })()
			var got unionstore.Changes[storetest.Item]
			for c, err := range way.store.Scan(ctx, "w") {
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				got = append(got, c)
			}
			if spills != way.spills {
				t.Errorf("Scan wrote runs %d times, want %d", spills, way.spills)
			}
			if len(got) != len(want) {
				t.Fatalf("Scan yielded %d changes, want %d", len(got), len(want))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("Scan change %d = %v, want %v", i, got[i], want[i])
				}
			}
			for range way.store.Scan(ctx, "w") {
				break
			}
			if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
				t.Errorf("the temporary directory holds %d files after the Scans (%v), want none", len(left), err)
			}
		})
	}
}

// TestReadEndsWhenCountedMessagesAreReplaced replaces, after a read's
// first pull, the messages of three quarters of the namespace, which the
// read has counted but not reached. Servers 2.9 keep the replaced
// messages in the count of pending messages that comes with each message,
// so the count is still above a pull's worth when the read has delivered
// the namespace's last message; a read that pulls for that many and waits
// for them waits for its fetch deadline. Each read must end well before
// it and see every identity once, at its new value where it was replaced.
func TestReadEndsWhenCountedMessagesAreReplaced(t *testing.T) {
	const n, kept = 4 * 1024, 1024
	ctx := context.Background()
	s := newStore(t)
	saveFirstValues(t, s, n)
	round := 0
	replaced := false
	defer natsstore.SetPulled(func() {
		if replaced {
			return // the Save below reads through a consumer too
		}
		replaced = true
		var changes unionstore.Changes[storetest.Item]
		for i := kept; i < n; i++ {
			changes = append(changes, set("r", "k", fmt.Sprintf("%05d", i), fmt.Sprint("v", round), at(n*round+i)))
		}
		if err := s.Save(ctx, changes); err != nil {
			t.Errorf("Save during the read: %v", err)
		}
	})()
	reads := []struct {
		name string
		read func(context.Context) (unionstore.Changes[storetest.Item], error)
	}{
		{"Load", func(ctx context.Context) (unionstore.Changes[storetest.Item], error) { return s.Load(ctx, "r") }},
		{"Scan", func(ctx context.Context) (unionstore.Changes[storetest.Item], error) {
			var got unionstore.Changes[storetest.Item]
			for c, err := range s.Scan(ctx, "r") {
				if err != nil {
					return got, err
				}
				got = append(got, c)
			}
			return got, nil
		}},
	}
	for _, r := range reads {
		round++
		replaced = false
		// Half of the fetch deadline of a pull that waits.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		got, err := r.read(rctx)
		cancel()
		if err != nil || len(got) != n {
			t.Fatalf("%s = %d changes, %v; want %d and no error", r.name, len(got), err, n)
		}
		if !replaced {
			t.Fatalf("%s did not pull more than once", r.name)
		}
		for i, c := range got {
			want := "v0"
			if i >= kept {
				want = fmt.Sprint("v", round)
			}
			if c.Entity.Value != want {
				t.Fatalf("%s change %d = %v, want value %s", r.name, i, c, want)
			}
		}
	}
}
