package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestInvalidOptionsAreRefused(t *testing.T) {
	// The pool connects lazily: nothing here reaches a server.
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/none")
	if err != nil {
		t.Fatalf("pgxpool.New: %v", err)
	}
	defer pool.Close()
	for _, tt := range []struct {
		name string
		opt  pgstore.Option
		want string
	}{
		{"empty table", pgstore.WithTable(""), "table name: empty"},
		{"long table", pgstore.WithTable(strings.Repeat("t", 64)), "longer than PostgreSQL's 63"},
		{"NUL in table", pgstore.WithTable("a\x00b"), "NUL byte"},
		{"invalid UTF-8 in table", pgstore.WithTable("a\xffb"), "not valid UTF-8"},
		{"empty schema", pgstore.WithSchema(""), "schema name: empty"},
		{"NUL in schema", pgstore.WithSchema("\x00"), "NUL byte"},
		{"zero page size", pgstore.WithPageSize(0), "page size 0"},
		{"nil codec", pgstore.WithCodec[storetest.Item](nil), "nil codec"},
		{"codec of another type", pgstore.WithCodec(unionstore.JSONCodec[other]()), "does not encode the store's entity type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := pgstore.New[storetest.Item](context.Background(), pool, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New(%s) = %v, %v; want an error containing %q", tt.name, s, err, tt.want)
			}
			_, err = pgstore.OpenURL[storetest.Item](context.Background(), "postgres://127.0.0.1:1/none", tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OpenURL(%s) = %v; want an error containing %q, before connecting", tt.name, err, tt.want)
			}
		})
	}
	if _, err := pgstore.New[storetest.Item](context.Background(), nil); err == nil {
		t.Error("New(nil pool) succeeded")
	}
}

type other struct{}

func (other) CompactionKey() (string, string) { return "", "" }

func TestSchemaSQLQuotesNames(t *testing.T) {
	for _, tt := range []struct {
		opts []pgstore.Option
		want string
	}{
		{nil, `CREATE TABLE IF NOT EXISTS "unionstore_changes" (`},
		{[]pgstore.Option{pgstore.WithTable("Mixed Case")}, `CREATE TABLE IF NOT EXISTS "Mixed Case" (`},
		{[]pgstore.Option{pgstore.WithTable(`x"; drop table y; --`)}, `CREATE TABLE IF NOT EXISTS "x""; drop table y; --" (`},
		{[]pgstore.Option{pgstore.WithSchema("s"), pgstore.WithTable("t")}, `CREATE TABLE IF NOT EXISTS "s"."t" (`},
	} {
		got, err := pgstore.SchemaSQL(tt.opts...)
		if err != nil {
			t.Fatalf("SchemaSQL: %v", err)
		}
		if first, _, _ := strings.Cut(got, "\n"); first != tt.want {
			t.Errorf("SchemaSQL first line = %q, want %q", first, tt.want)
		}
	}
}

// TestHostileTableNameIsQuoted saves through a table whose name is an SQL
// injection attempt against another table, which must survive.
func TestHostileTableNameIsQuoted(t *testing.T) {
	ctx := context.Background()
	pool := adminPool(t)
	victim := newTable(t)
	if _, err := pool.Exec(ctx, "CREATE TABLE "+pgx.Identifier{victim}.Sanitize()+" (x int)"); err != nil {
		t.Fatalf("create %s: %v", victim, err)
	}
	hostile := fmt.Sprintf(`x"; DROP TABLE %s; --`, victim)
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{hostile}.Sanitize())
	})
	s := newStoreOn(t, pool, hostile)
	in := unionstore.Changes[storetest.Item]{set("ns", "k", "a", "v", at(1))}
	if err := s.Save(ctx, in); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 1 {
		t.Fatalf("Load = %v, %v; want the saved change", got, err)
	}
	var n int
	err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = ANY($1)", []string{victim, hostile}).Scan(&n)
	if err != nil || n != 2 {
		t.Fatalf("tables named %q and %q: found %d, %v; want both", victim, hostile, n, err)
	}
}

// TestWithSchema saves into a table in a schema of its own, for each way
// Save sends a batch: the copy names the table apart from the statements.
func TestWithSchema(t *testing.T) { forEachSavePath(t, testWithSchema) }

func testWithSchema(t *testing.T) {
	ctx := context.Background()
	pool := adminPool(t)
	schema := newSchema(t, pool)
	s, err := pgstore.New[storetest.Item](ctx, pool, pgstore.WithSchema(schema), pgstore.WithCreateSchema())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if want := (pgx.Identifier{schema, pgstore.DefaultTable}).Sanitize(); s.Table() != want {
		t.Errorf("Table() = %s, want %s", s.Table(), want)
	}
	storetest.Save(t, s, set("ns", "k", "a", "v", at(1)))
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+s.Table()).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows in %s = %d, %v; want 1", s.Table(), n, err)
	}
}

func TestCreateSchemaIsIdempotentUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s, err := pgstore.New[storetest.Item](ctx, adminPool(t), pgstore.WithTable(table))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateSchema(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent CreateSchema: %v", err)
	}
	if err := s.CreateSchema(ctx); err != nil {
		t.Fatalf("CreateSchema again: %v", err)
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s, err := pgstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "table", table), pgstore.WithCreateSchema())
	if err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	defer s.Close()
	if want := (pgx.Identifier{table}).Sanitize(); s.Table() != want {
		t.Errorf("Table() = %s, want %s from the URL", s.Table(), want)
	}
	// An option given as an argument wins over the URL.
	s2, err := pgstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "table", "from_url"), pgstore.WithTable(table))
	if err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	defer s2.Close()
	if s2.Table() != s.Table() {
		t.Errorf("Table() = %s, want %s from WithTable", s2.Table(), s.Table())
	}

	for _, tt := range []struct{ url, want string }{
		{"mysql://localhost/db", `scheme "mysql"`},
		{"host=localhost dbname=test", `scheme ""`},
		{"postgres://%zz", "malformed URL"},
		{"postgres://localhost/db?table=", "table name: empty"},
	} {
		if _, err := pgstore.OpenURL[storetest.Item](ctx, tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenURL(%q) = %v, want an error containing %q", tt.url, err, tt.want)
		}
	}
}

func TestUndecodablePayload(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	_, err := adminPool(t).Exec(ctx, "INSERT INTO "+s.Table()+" (namespace, kind, id, change_type, ts, payload) VALUES ('ns', 'k', 'bad', 'set', 1, 'not json')")
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	check := func(op string, err error) {
		t.Helper()
		var de *unionstore.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, unionstore.ErrDecode) || de.Namespace != "ns" || de.Kind != "k" || de.ID != "bad" {
			t.Errorf("%s = %v, want a DecodeError for ns/k/bad", op, err)
		}
	}
	_, err = s.Load(ctx, "ns")
	check("Load", err)
	var last error
	for _, err := range s.Scan(ctx, "ns") {
		last = err
	}
	check("Scan", last)
}

// TestScanPages walks namespaces whose sizes fall on and around the page
// size, and checks that Scan yields what Load returns.
func TestScanPages(t *testing.T) {
	ctx := context.Background()
	const page = 4
	s := newStore(t, pgstore.WithPageSize(page))
	for _, n := range []int{0, 1, page - 1, page, page + 1, 3 * page} {
		ns := fmt.Sprint("n", n)
		var in unionstore.Changes[storetest.Item]
		for i := 0; i < n; i++ {
			in = append(in, set(ns, fmt.Sprint("k", i%2), fmt.Sprint(i), "v", at(i)))
		}
		if err := s.Save(ctx, in); err != nil {
			t.Fatalf("Save: %v", err)
		}
		want, err := s.Load(ctx, ns)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		var got unionstore.Changes[storetest.Item]
		for c, err := range s.Scan(ctx, ns) {
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			got = append(got, c)
		}
		if len(got) != n || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Scan(%d changes, page %d) = %v, want %v", n, page, got, want)
		}
	}
}

// TestDocShowsTheSchema keeps the SQL in the package documentation, which
// the README repeats, in step with the SQL the store runs.
func TestDocShowsTheSchema(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatalf("read doc.go: %v", err)
	}
	sql, err := pgstore.SchemaSQL()
	if err != nil {
		t.Fatalf("SchemaSQL: %v", err)
	}
	var want strings.Builder
	for line := range strings.Lines(sql + "\n") {
		want.WriteString("//\t" + line)
	}
	if !strings.Contains(string(doc), want.String()) {
		t.Errorf("doc.go does not show the schema; want it to contain\n%s", want.String())
	}
}

// TestErrorsNamePgstoreOnce checks that the errors of the constructors
// carry the package's prefix once, however many layers they pass through.
func TestErrorsNamePgstoreOnce(t *testing.T) {
	ctx := context.Background()
	missing := pgstore.WithSchema(storetest.UniqueName("unionstore_no_such_schema_"))
	check := func(op string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s succeeded, want an error", op)
		} else if n := strings.Count(err.Error(), "pgstore:"); n != 1 {
			t.Errorf("%s = %q, names pgstore %d times, want once", op, err, n)
		}
	}
	for _, tt := range []struct {
		name         string
		opts         []pgstore.Option
		badSchemaSQL bool // SchemaSQL fails too
	}{
		{"invalid table", []pgstore.Option{pgstore.WithTable("")}, true},
		{"invalid schema", []pgstore.Option{pgstore.WithSchema("\x00")}, true},
		{"invalid page size", []pgstore.Option{pgstore.WithPageSize(-1)}, true},
		{"nil codec", []pgstore.Option{pgstore.WithCodec[storetest.Item](nil)}, true},
		{"codec of another type", []pgstore.Option{pgstore.WithCodec(unionstore.JSONCodec[other]())}, false},
		{"table in a missing schema", []pgstore.Option{missing, pgstore.WithCreateSchema()}, false},
	} {
		s, err := pgstore.New[storetest.Item](ctx, adminPool(t), tt.opts...)
		check("New with "+tt.name, err)
		if s != nil {
			_ = s.Close()
		}
		s, err = pgstore.OpenURL[storetest.Item](ctx, serverURL(), tt.opts...)
		check("OpenURL with "+tt.name, err)
		if s != nil {
			_ = s.Close()
		}
		if tt.badSchemaSQL {
			_, err = pgstore.SchemaSQL(tt.opts...)
			check("SchemaSQL with "+tt.name, err)
		}
	}
	_, err := pgstore.New[storetest.Item](ctx, nil)
	check("New with a nil pool", err)
	s, err := pgstore.New[storetest.Item](ctx, adminPool(t), missing)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	err = s.CreateSchema(ctx)
	check("CreateSchema in a missing schema", err)
	if err != nil && strings.Count(err.Error(), s.Table()) != 1 {
		t.Errorf("CreateSchema in a missing schema = %q, want it to name the table %s once", err, s.Table())
	}
	_, err = pgstore.New[storetest.Item](ctx, adminPool(t), missing, pgstore.WithCreateSchema())
	if err == nil || strings.Count(err.Error(), s.Table()) != 1 {
		t.Errorf("New creating a table in a missing schema = %v, want it to name the table %s once", err, s.Table())
	}
}
