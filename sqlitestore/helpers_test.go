package sqlitestore_test

import (
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/sqlitestore"
	"github.com/unionstore/unionstore/storetest"
)

type item = storetest.Item

func TestMain(m *testing.M) {
	crash.ServeChild()
	if spec := os.Getenv(writerEnv); spec != "" {
		os.Exit(writerChild(spec))
	}
	goleak.VerifyTestMain(m)
}

// disk opens the tests' stores, each in a file.
var disk = storetest.OnDisk[*sqlitestore.Store[item], sqlitestore.Option]{
	Name: "store.db",
	Open: sqlitestore.Open[item],
	Path: (*sqlitestore.Store[item]).Path,
}

// openAt opens the store at path and closes it at the test's end.
func openAt(t testing.TB, path string, opts ...sqlitestore.Option) *sqlitestore.Store[item] {
	t.Helper()
	return disk.At(t, path, opts...)
}

// open opens a store in a new file of the test's own directory.
func open(t testing.TB, opts ...sqlitestore.Option) *sqlitestore.Store[item] {
	t.Helper()
	return disk.Fresh(t, opts...)
}

// reopen opens a new store on the file of closed, with opts.
func reopen(t *testing.T, closed unionstore.Store[item], opts ...sqlitestore.Option) unionstore.Store[item] {
	t.Helper()
	return disk.Reopen(opts...)(t, closed)
}

// at returns the instant n seconds after a fixed one.
func at(n int) time.Time { return time.Unix(1_700_000_000+int64(n), 0).UTC() }

// set returns a set of kind k with the given id, value and timestamp.
func set(ns, id, value string, ts time.Time) unionstore.Change[item] {
	return unionstore.Change[item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet,
		Entity: item{Kind: "k", ID: id, Value: value}, Timestamp: ts}
}
