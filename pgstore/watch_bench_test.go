package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch measures the feed's delivery latency and rate beside
// those of the engine's raw feed, the ceiling: a loop that runs
// SELECT ... WHERE rev > $1 whenever LISTEN wakes it, on a table of its
// own written by the same Save, whose revs increase with each save, as
// the loop needs (a single writer commits in the order of its revs). See
// [storetest.BenchmarkWatch].
//
//	go test -run '^$' -bench BenchmarkWatch -benchtime 2000x ./pgstore/
func BenchmarkWatch(b *testing.B) {
	watched := newStore(b)
	raw := newStore(b)
	// The store's revs come from a sequence whose values each connection
	// takes a hundred at a time: unique, not increasing across
	// connections, which the feed does not need and the raw loop does.
	if _, err := adminPool(b).Exec(context.Background(), "ALTER TABLE "+raw.Table()+" ALTER COLUMN rev SET CACHE 1"); err != nil {
		b.Fatal(err)
	}
	rawWatch := func(ctx context.Context, ns string, _ unionstore.Cursor, arrive func(id string)) error {
		return rawFeed(ctx, b, raw.Table(), ns, arrive)
	}
	storetest.BenchmarkWatch(b, watched, storetest.PollFeed(raw, rawWatch))
}

// rawFeed is the raw feed of namespace ns of table until ctx ends: on a
// connection of its own it listens to the channel Save notifies, and on
// each notification (or every second) reads the rows after the last rev
// it read, reporting each.
func rawFeed(ctx context.Context, tb testing.TB, table, ns string, arrive func(id string)) error {
	pool := adminPool(tb)
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT $1::regclass::oid", table).Scan(&oid); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("LISTEN unionstore_%d", oid)); err != nil {
		return err
	}
	query := fmt.Sprintf("SELECT id, rev FROM %s WHERE namespace = $1 AND rev > $2 ORDER BY rev", table)
	var last int64
	for {
		rows, err := pool.Query(ctx, query, ns, last)
		if err != nil {
			return err
		}
		var id string
		var rev int64
		_, err = pgx.ForEachRow(rows, []any{&id, &rev}, func() error {
			last = rev
			arrive(id)
			return nil
		})
		if err != nil {
			return err
		}
		wait, cancel := context.WithTimeout(ctx, time.Second)
		_, _ = conn.WaitForNotification(wait)
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
