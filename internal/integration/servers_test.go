package integration_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// The servers the tests use.
var (
	postgresServer = storetest.Server{Name: "PostgreSQL", EnvVar: "UNIONSTORE_POSTGRES_URL", Default: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}
	natsServer     = storetest.Server{Name: "NATS", EnvVar: "UNIONSTORE_NATS_URL", Default: "nats://127.0.0.1:4222"}
)

// pgTable returns the URL of a table unique to the test, dropped when the
// test ends.
func pgTable(t *testing.T) string {
	t.Helper()
	raw := postgresServer.URL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, raw)
	postgresServer.Unreachable(t, err)
	table := storetest.UniqueName("unionstore_integration_")
	t.Cleanup(func() {
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
			t.Errorf("drop table %s: %v", table, err)
		}
	})
	return postgresServer.URLWith(t, "table", table)
}

// natsStore returns a store on a stream unique to the test, deleted when
// the test ends.
func natsStore(t *testing.T) *natsstore.Store[storetest.Item] {
	t.Helper()
	nc, err := nats.Connect(natsServer.URL(), nats.Timeout(2*time.Second), nats.MaxReconnects(0))
	natsServer.Unreachable(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream := storetest.UniqueName("INTEGRATION_")
	s, err := natsstore.New[storetest.Item](context.Background(), js, natsstore.WithStream(stream))
	if err != nil {
		t.Fatalf("natsstore.New: %v", err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		_ = js.DeleteStream(context.Background(), stream)
	})
	return s
}

// s3Store returns a store in a bucket of an in-process S3 server reached
// over loopback.
func s3Store(t *testing.T) *s3store.Store[storetest.Item] {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("integration"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	s, err := s3store.OpenURL[storetest.Item](context.Background(), "s3://integration/test?endpoint="+url.QueryEscape(srv.URL))
	if err != nil {
		t.Fatalf("s3store.OpenURL: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// set makes the tests' changes: see [storetest.Set].
var set = storetest.Set
