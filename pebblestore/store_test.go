package pebblestore_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pebblestore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Store[storetest.Item]   = (*pebblestore.Store[storetest.Item])(nil)
	_ unionstore.Scanner[storetest.Item] = (*pebblestore.Store[storetest.Item])(nil)
	_ unionstore.Getter[storetest.Item]  = (*pebblestore.Store[storetest.Item])(nil)
	_ unionstore.Checker[storetest.Item] = (*pebblestore.Store[storetest.Item])(nil)
	_ unionstore.NamespaceLister         = (*pebblestore.Store[storetest.Item])(nil)
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(damageEnv); spec != "" {
		if err := damageChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "damage child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	if spec := os.Getenv(crashEnv); spec != "" {
		if err := crashChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// disk opens the tests' stores of storetest items, each in a directory.
var disk = storetest.OnDisk[*pebblestore.Store[storetest.Item], pebblestore.Option]{
	Name: "store",
	Open: pebblestore.Open[storetest.Item],
	Path: (*pebblestore.Store[storetest.Item]).Dir,
}

// open opens a store of storetest items in a fresh directory.
func open(t testing.TB, opts ...pebblestore.Option) *pebblestore.Store[storetest.Item] {
	t.Helper()
	return disk.Fresh(t, opts...)
}

// openAt opens the store in the directory dir, closed when t ends.
func openAt(t testing.TB, dir string, opts ...pebblestore.Option) *pebblestore.Store[storetest.Item] {
	t.Helper()
	return disk.At(t, dir, opts...)
}

// factory returns the factory of stores in fresh directories opened with
// opts, and reopen the reopen of a closed store: its directory opened
// again with opts.
var factory, reopen = disk.Factory, disk.Reopen

func TestConformance(t *testing.T) {
	storetest.Run(t, factory(), storetest.WithReopen(reopen()))
}

func TestConformanceNoSync(t *testing.T) {
	storetest.Run(t, factory(pebblestore.WithNoSync()))
}
