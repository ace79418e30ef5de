package natsstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

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
	batch := make(unionstore.Changes[storetest.Item], n)
	for i := range batch {
		batch[i] = set("r", "k", fmt.Sprintf("%05d", i), "v0", at(i))
	}
	if err := s.Save(ctx, batch); err != nil {
		t.Fatalf("Save: %v", err)
	}

	// The writer replaces the messages of identities spread over the
	// namespace, newest timestamps first, until the reads are done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for round := 1; ; round++ {
			select {
			case <-stop:
				return
			default:
			}
			var changes unionstore.Changes[storetest.Item]
			for i := round % 97; i < n; i += 97 {
				changes = append(changes, set("r", "k", fmt.Sprintf("%05d", i), fmt.Sprint("v", round), at(n*round+i)))
			}
			if err := s.Save(ctx, changes); err != nil {
				t.Errorf("Save during the reads: %v", err)
				return
			}
		}
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
		{"Scan", func(ctx context.Context) (int, error) {
			count := 0
			for _, err := range s.Scan(ctx, "r") {
				if err != nil {
					return count, err
				}
				count++
			}
			return count, nil
		}},
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
