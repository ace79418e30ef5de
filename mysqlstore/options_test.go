package mysqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestOpenURLRefuses checks the URLs and options OpenURL refuses before it
// connects: the port is closed, so any attempt to connect would fail with
// another error.
func TestOpenURLRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		opts      []mysqlstore.Option
		want      string
	}{
		{"another scheme", "postgres://root@127.0.0.1:1/test", nil, `scheme "postgres": want mysql`},
		{"a malformed URL", "mysql://root:secret@127.0.0.1:bad port/test", nil, "malformed URL"},
		{"no host", "mysql:///test", nil, "no host"},
		{"no database", "mysql://root@127.0.0.1:1", nil, `path "": want /DATABASE`},
		{"a path of two parts", "mysql://root@127.0.0.1:1/test/more", nil, `path "/test/more"`},
		{"an unknown parameter", "mysql://root@127.0.0.1:1/test?tabel=x", nil, `unknown URL parameter "tabel": want table or create`},
		{"a driver parameter", "mysql://root@127.0.0.1:1/test?parseTime=true", nil, `unknown URL parameter "parseTime"`},
		{"create not a boolean", "mysql://root@127.0.0.1:1/test?create=no", nil, `create="no": want true or false`},
		{"an invalid table", "mysql://root@127.0.0.1:1/test?table=a-b", nil, `table name: "a-b" holds '-'`},
		{"an invalid option", "mysql://root@127.0.0.1:1/test", []mysqlstore.Option{mysqlstore.WithPageSize(0)}, "page size 0: must be positive"},
		{"a nil codec", "mysql://root@127.0.0.1:1/test", []mysqlstore.Option{mysqlstore.WithCodec[storetest.Item](nil)}, "nil codec"},
		{"a codec of another type", "mysql://root@127.0.0.1:1/test", []mysqlstore.Option{mysqlstore.WithCodec(unionstore.JSONCodec[*storetest.Item]())}, "codec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := mysqlstore.OpenURL[storetest.Item](context.Background(), tc.url, tc.opts...)
			storetest.WantRefused(t, fmt.Sprintf("OpenURL(%q)", tc.url), s, err, storetest.Refusal{Prefix: "mysqlstore: open", Want: tc.want, Secret: "secret"})
		})
	}
}

// TestWithTableRefuses checks the table names WithTable refuses.
func TestWithTableRefuses(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"", "empty"},
		{strings.Repeat("t", 60), "longer than 59"},
		{"123", "all digits"},
		{"a`b", "holds '`'"},
		{"a?b", "holds '?'"},
		{"a.b", "holds '.'"},
		{"tablé", "holds"},
	} {
		_, err := mysqlstore.New[storetest.Item](context.Background(), offlineDB(t), mysqlstore.WithTable(tc.name))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New with WithTable(%q) = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// offlineDB returns a pool on a closed port: New checks its options before
// it uses its pool, so that a test of options needs no server.
func offlineDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/test")
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestNewRefusesANilPool checks that New names a nil pool.
func TestNewRefusesANilPool(t *testing.T) {
	if _, err := mysqlstore.New[storetest.Item](context.Background(), nil); err == nil || !strings.Contains(err.Error(), "nil db") {
		t.Errorf("New(nil) = %v, want an error naming the nil db", err)
	}
}
