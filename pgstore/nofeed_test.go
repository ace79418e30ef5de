package pgstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// feedColumns returns how many of the change feed's columns (xid, rev) the
// table named by the quoted name has.
func feedColumns(t *testing.T, quoted string) int {
	t.Helper()
	var n int
	err := adminPool(t).QueryRow(context.Background(), `SELECT count(*) FROM pg_attribute
WHERE attrelid = to_regclass($1) AND attname IN ('xid', 'rev') AND NOT attisdropped`, quoted).Scan(&n)
	if err != nil {
		t.Fatalf("look up the columns of %s: %v", quoted, err)
	}
	return n
}

// checkUnwatchable checks that the store saves, loads and purges
// tombstones, keeping the latest change of each identity, and that its
// Snapshot and Watch say the table has no change feed.
func checkUnwatchable(t *testing.T, s *pgstore.Store[storetest.Item]) {
	t.Helper()
	ctx := context.Background()
	// The insert, then the upsert of stored identities, an older change
	// among them, then a tombstone.
	for _, batch := range []unionstore.Changes[storetest.Item]{
		{set("ns", "k", "a", "1", at(2)), set("ns", "k", "b", "1", at(2))},
		{set("ns", "k", "a", "old", at(1)), set("ns", "k", "b", "2", at(3))},
		{unset("ns", "k", "a", 4)},
	} {
		if err := s.Save(ctx, batch); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
	got, err := s.Load(ctx, "ns")
	if err != nil || len(got) != 2 || got[0].ChangeType != unionstore.ChangeTypeUnset || got[1].Entity.Value != "2" {
		t.Fatalf("Load = %v, %v; want a's tombstone and b=2", got, err)
	}
	if n, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil || n != 1 {
		t.Fatalf("PurgeTombstones = %d, %v; want 1 tombstone", n, err)
	}
	if _, _, err := s.Snapshot(ctx, "ns"); !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "WithoutChangeFeed") {
		t.Errorf("Snapshot = %v, want errors.ErrUnsupported naming WithoutChangeFeed", err)
	}
	if _, err := watchNext(t, s, "ns", "")(5 * time.Second); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Watch = %v, want errors.ErrUnsupported", err)
	}
}

// TestWithoutChangeFeed makes a store WithoutChangeFeed each way one can
// be made: its table has neither the feed's columns nor its index, and
// the store works but for the feed.
func TestWithoutChangeFeed(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		open func(t *testing.T, table string) (*pgstore.Store[storetest.Item], error)
	}{
		{"New WithCreateSchema", func(t *testing.T, table string) (*pgstore.Store[storetest.Item], error) {
			return pgstore.New[storetest.Item](ctx, adminPool(t), pgstore.WithTable(table), pgstore.WithCreateSchema(), pgstore.WithoutChangeFeed())
		}},
		{"OpenURL WithoutChangeFeed", func(t *testing.T, table string) (*pgstore.Store[storetest.Item], error) {
			return pgstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "table", table), pgstore.WithoutChangeFeed())
		}},
		{"OpenURL changefeed=false", func(t *testing.T, table string) (*pgstore.Store[storetest.Item], error) {
			return pgstore.OpenURL[storetest.Item](ctx, withURL(t, func(_ *url.URL, q url.Values) {
				q.Set("table", table)
				q.Set("changefeed", "false")
			}))
		}},
		{"CreateSchema", func(t *testing.T, table string) (*pgstore.Store[storetest.Item], error) {
			s, err := pgstore.New[storetest.Item](ctx, adminPool(t), pgstore.WithTable(table), pgstore.WithoutChangeFeed())
			if err != nil {
				return nil, err
			}
			return s, s.CreateSchema(ctx)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			table := newTable(t)
			s, err := tt.open(t, table)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if n := feedColumns(t, s.Table()); n != 0 {
				t.Errorf("the table has %d of the feed's columns, want none", n)
			}
			var indexes int
			if err := adminPool(t).QueryRow(ctx, "SELECT count(*) FROM pg_index WHERE indrelid = to_regclass($1)", s.Table()).Scan(&indexes); err != nil {
				t.Fatal(err)
			}
			if indexes != 1 {
				t.Errorf("the table has %d indexes, want its primary key only", indexes)
			}
			checkUnwatchable(t, s)
		})
	}
	if _, err := pgstore.OpenURL[storetest.Item](ctx, "postgres://127.0.0.1:1/db?changefeed=off"); err == nil || !strings.Contains(err.Error(), `changefeed="off": want true or false`) {
		t.Errorf("OpenURL(changefeed=off) = %v, want an error naming the parameter, before connecting", err)
	}
}

// TestWithoutChangeFeedLeavesTheTable opens stores WithoutChangeFeed on
// tables that exist: one without the feed is not migrated, and one with it
// keeps it, Save moving each change it writes in the feed for the stores
// that watch it.
func TestWithoutChangeFeedLeavesTheTable(t *testing.T) {
	ctx := context.Background()
	t.Run("without the feed", func(t *testing.T) {
		table := newTable(t)
		plain := newStoreOn(t, adminPool(t), table, pgstore.WithoutChangeFeed())
		s := newStoreOn(t, adminPool(t), table, pgstore.WithoutChangeFeed())
		if err := s.CreateSchema(ctx); err != nil {
			t.Fatalf("CreateSchema: %v", err)
		}
		if n := feedColumns(t, plain.Table()); n != 0 {
			t.Errorf("the table has %d of the feed's columns after CreateSchema WithoutChangeFeed, want none", n)
		}
		checkUnwatchable(t, s)
	})
	t.Run("with the feed", func(t *testing.T) {
		table := newTable(t)
		fed := newStoreOn(t, adminPool(t), table)
		_, c := storetest.Snapshot(t, fed, "ns")
		next := watchNext(t, fed, "ns", c)
		s := newStoreOn(t, adminPool(t), table, pgstore.WithoutChangeFeed())
		if n := feedColumns(t, s.Table()); n != 2 {
			t.Fatalf("the table has %d of the feed's columns, want both kept", n)
		}
		// The second save replaces the first's row, after the watch
		// passed it: the row must move in the feed for the watch to see
		// it again.
		for i, v := range []string{"1", "2"} {
			if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", v, at(i+1))}); err != nil {
				t.Fatalf("Save WithoutChangeFeed on a table with the feed: %v", err)
			}
			awaitValue(t, "Watch of the changes a store WithoutChangeFeed saved", next, v)
		}
	})
}

// TestSchemaSQLWithoutChangeFeed checks the statements SchemaSQL returns
// with and without the feed.
func TestSchemaSQLWithoutChangeFeed(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []pgstore.Option
		feed bool
	}{
		{"default", nil, true},
		{"WithoutChangeFeed", []pgstore.Option{pgstore.WithoutChangeFeed()}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sql, err := pgstore.SchemaSQL(tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{"xid8", "CREATE INDEX", pgstore.PurgesTable} {
				if strings.Contains(sql, part) != tt.feed {
					t.Errorf("SchemaSQL holds %q: %v, want %v\n%s", part, !tt.feed, tt.feed, sql)
				}
			}
			if !strings.Contains(sql, "PRIMARY KEY (namespace, kind, id)") {
				t.Errorf("SchemaSQL lacks the table's key:\n%s", sql)
			}
			// The statements run on the server.
			table := newTable(t)
			sql, err = pgstore.SchemaSQL(append(tt.opts, pgstore.WithTable(table))...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := adminPool(t).Exec(context.Background(), sql); err != nil {
				t.Fatalf("run SchemaSQL: %v", err)
			}
			if got, want := feedColumns(t, pgx.Identifier{table}.Sanitize()), map[bool]int{true: 2, false: 0}[tt.feed]; got != want {
				t.Errorf("the table SchemaSQL made has %d of the feed's columns, want %d", got, want)
			}
		})
	}
}
