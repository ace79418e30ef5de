package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// changelogSQL creates the table of the old design's current writer, %s
// being its name: one row per entity, keyed by workspace, entity type and
// entity id, and no timestamp. The data is bytea, as pgstore's payload, so
// that neither table parses what it stores.
const changelogSQL = `CREATE TABLE %s (
	workspace   text NOT NULL,
	entity_type text NOT NULL,
	entity_id   text NOT NULL,
	entity_data bytea NOT NULL,
	PRIMARY KEY (workspace, entity_type, entity_id)
)`

// changelog is the old design's current writer: a pgx batch, sent in one
// round trip and run in one implicit transaction, of one statement per
// change, an upsert for a set, in which the later statement wins whatever
// the timestamps, and a hard DELETE for an unset, which leaves no
// tombstone.
type changelog struct {
	pool                 *pgxpool.Pool
	upsertSQL, deleteSQL string
}

func newChangelog(b *testing.B, pool *pgxpool.Pool) *changelog {
	b.Helper()
	table := pgx.Identifier{newTable(b)}.Sanitize()
	if _, err := pool.Exec(context.Background(), fmt.Sprintf(changelogSQL, table)); err != nil {
		b.Fatalf("create the changelog table: %v", err)
	}
	return &changelog{
		pool: pool,
		upsertSQL: `INSERT INTO ` + table + ` (workspace, entity_type, entity_id, entity_data) VALUES ($1, $2, $3, $4)
ON CONFLICT (workspace, entity_type, entity_id) DO UPDATE SET entity_data = EXCLUDED.entity_data`,
		deleteSQL: `DELETE FROM ` + table + ` WHERE workspace = $1 AND entity_type = $2 AND entity_id = $3`,
	}
}

// save encodes changes as Save does and writes them in one batch.
func (c *changelog) save(ctx context.Context, changes unionstore.Changes[storetest.Item]) error {
	var batch pgx.Batch
	err := eachRow(changes, func(args ...any) error {
		if args[3] == string(unionstore.ChangeTypeUnset) {
			batch.Queue(c.deleteSQL, args[0], args[1], args[2])
		} else {
			batch.Queue(c.upsertSQL, args[0], args[1], args[2], args[5])
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.pool.SendBatch(ctx, &batch).Close()
}

// mixedBatch returns n changes to the ids 0 to n-1 of namespace "bench",
// later than those of iteration iter-1: a quarter of them unsets, which
// move from id to id between iterations, the others sets, some of which
// bring back an id unset before.
func mixedBatch(iter, n int) unionstore.Changes[storetest.Item] {
	out := benchBatch(iter, n, false)
	for i := range out {
		if (i+iter)%4 == 0 {
			out[i].ChangeType = unionstore.ChangeTypeUnset
		}
	}
	return out
}

// BenchmarkSaveVersusChangelog measures, in one run, Save against the old
// design's current writer, [changelog], on the same batches of 100, 1,000
// and 10,000 changes to identities the tables hold, sets and unsets mixed:
// a store of the default layout, with the change feed, as sub-benchmarks
// named by the size, and one WithoutChangeFeed, under without-feed. Each
// iteration writes the batch with each, in an order that alternates
// between iterations, each into a table of its own. It reports the rates
// of both and the ratio of Save's to the changelog's, x-vs-changelog.
//
// Save's first saves over stored identities try a plain insert, which
// fails, before the store upserts directly (the backoff of its
// backend.FastPath): a cost paid once per store, which a run of a few
// iterations weighs heavily.
// Run it for a time (-benchtime 2s), so that small batches run hundreds of
// iterations, as a store in use does.
func BenchmarkSaveVersusChangelog(b *testing.B) {
	sizes := []int{100, 1000, 10000}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) { saveVersusChangelog(b, n) })
	}
	b.Run("without-feed", func(b *testing.B) {
		for _, n := range sizes {
			b.Run(fmt.Sprint(n), func(b *testing.B) { saveVersusChangelog(b, n, pgstore.WithoutChangeFeed()) })
		}
	})
}

// saveVersusChangelog is a sub-benchmark of BenchmarkSaveVersusChangelog:
// batches of n changes, Save's store made with opts.
func saveVersusChangelog(b *testing.B, n int, opts ...pgstore.Option) {
	ctx := context.Background()
	s := newStore(b, opts...)
	c := newChangelog(b, adminPool(b))
	fill := benchBatch(0, n, false)
	if err := s.Save(ctx, fill); err != nil {
		b.Fatalf("fill: %v", err)
	}
	if err := c.save(ctx, fill); err != nil {
		b.Fatalf("fill the changelog: %v", err)
	}
	var saveTook, changelogTook time.Duration
	timed := func(took *time.Duration, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*took += time.Since(start)
	}
	iter := 0
	for b.Loop() {
		iter++
		changes := mixedBatch(iter, n)
		save := func() { timed(&saveTook, func() error { return s.Save(ctx, changes) }) }
		log := func() { timed(&changelogTook, func() error { return c.save(ctx, changes) }) }
		if iter%2 == 0 {
			save()
			log()
		} else {
			log()
			save()
		}
	}
	saved := float64(iter * n)
	b.ReportMetric(saved/saveTook.Seconds(), "save-changes/s")
	b.ReportMetric(saved/changelogTook.Seconds(), "changelog-changes/s")
	b.ReportMetric(changelogTook.Seconds()/saveTook.Seconds(), "x-vs-changelog")
}
