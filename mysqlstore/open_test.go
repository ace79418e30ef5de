package mysqlstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestOpenWithoutCreate opens a store on a missing table with
// WithoutCreate and with create=false, and requires an error that names
// the table, and no table made.
func TestOpenWithoutCreate(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	for _, open := range []struct {
		name string
		open func() (*mysqlstore.Store[storetest.Item], error)
	}{
		{"WithoutCreate", func() (*mysqlstore.Store[storetest.Item], error) {
			return mysqlstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "table", table), mysqlstore.WithoutCreate())
		}},
		{"create=false", func() (*mysqlstore.Store[storetest.Item], error) {
			return mysqlstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "table", table)+"&create=false")
		}},
		{"New with WithoutCreate", func() (*mysqlstore.Store[storetest.Item], error) {
			return mysqlstore.New[storetest.Item](ctx, adminDB(t), mysqlstore.WithTable(table), mysqlstore.WithoutCreate())
		}},
	} {
		s, err := open.open()
		if err == nil {
			_ = s.Close()
			t.Fatalf("%s on a missing table succeeded", open.name)
		}
		if !errors.Is(err, mysqlstore.ErrNoTable) || !strings.Contains(err.Error(), `table "`+table+`"`) {
			t.Errorf("%s = %v, want ErrNoTable naming the table", open.name, err)
		}
	}
	var n int
	if err := adminDB(t).QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", table).Scan(&n); err != nil || n != 0 {
		t.Errorf("tables named %s: %d, %v, want none", table, n, err)
	}
	// Once created, the table opens without creating.
	openStore(t, table)
	openStore(t, table, mysqlstore.WithoutCreate())
}

// TestOpenRefusesATextKey opens a store on a table made by hand whose keys
// are text of a case-insensitive collation, which would merge "A" and "a",
// and requires an error naming the column.
func TestOpenRefusesATextKey(t *testing.T) {
	table := newTable(t)
	_, err := adminDB(t).Exec("CREATE TABLE `" + table + "` (namespace VARBINARY(255) NOT NULL, kind VARBINARY(255) NOT NULL, " +
		"id VARCHAR(255) COLLATE utf8mb4_general_ci NOT NULL, change_type ENUM('set', 'unset') NOT NULL, ts BIGINT NOT NULL, " +
		"payload LONGBLOB NOT NULL, PRIMARY KEY (namespace, kind, id))")
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	s, err := mysqlstore.OpenURL[storetest.Item](context.Background(), server.URLWith(t, "table", table))
	if err == nil {
		_ = s.Close()
		t.Fatal("OpenURL on a table with a text id succeeded")
	}
	if want := "column id is varchar, want varbinary"; !strings.Contains(err.Error(), want) {
		t.Errorf("OpenURL = %v, want an error containing %q", err, want)
	}
}

// TestOpenURLErrorsHideThePassword connects with a wrong password and
// requires an error that names the server but not the password.
func TestOpenURLErrorsHideThePassword(t *testing.T) {
	adminDB(t)
	u, err := url.Parse(server.URLWith(t, "table", newTable(t)))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("unionstore_nobody", "s3cret-pw")
	_, err = mysqlstore.OpenURL[storetest.Item](context.Background(), u.String())
	if err == nil {
		t.Fatal("OpenURL with a wrong user succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), u.Host) {
		t.Errorf("OpenURL = %v, want an error naming %s without the password", err, u.Host)
	}
}

// TestNewLeavesThePoolOpen closes a store made by New and requires the
// caller's pool to work on, while the store refuses with ErrClosed.
func TestNewLeavesThePoolOpen(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := newStoreOn(t, db, newTable(t))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("the caller's pool after Close: %v", err)
	}
	if _, err := s.Load(ctx, "ns"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Load after Close = %v, want ErrClosed", err)
	}
}

// TestErrorsNameTheTable checks that an error of the server names the
// store's table and server: the table is dropped under the store.
func TestErrorsNameTheTable(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s := openStore(t, table)
	if _, err := adminDB(t).Exec("DROP TABLE `" + table + "`"); err != nil {
		t.Fatalf("drop table: %v", err)
	}
	_, err := s.Load(ctx, "ns")
	u, _ := url.Parse(serverURL())
	want := `mysqlstore: load "ns" from table "` + table + `" of mysql ` + u.Host + u.Path + ": "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load = %v, want an error beginning %q", err, want)
	}
}
