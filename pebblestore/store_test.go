package pebblestore_test

import (
	"fmt"
	"os"
	"path/filepath"
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

// open opens a store of storetest items in a fresh directory.
func open(t testing.TB, opts ...pebblestore.Option) *pebblestore.Store[storetest.Item] {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "store"), opts...)
}

func openAt(t testing.TB, dir string, opts ...pebblestore.Option) *pebblestore.Store[storetest.Item] {
	t.Helper()
	s, err := pebblestore.Open[storetest.Item](dir, opts...)
	return storetest.Closing(t, fmt.Sprintf("Open(%q)", dir), s, err)
}

// factory returns the factory of stores in fresh directories opened
// with opts.
func factory(opts ...pebblestore.Option) storetest.Factory {
	return func(t *testing.T) unionstore.Store[storetest.Item] { return open(t, opts...) }
}

// reopen returns the reopen of a closed store: its directory opened again
// with opts.
func reopen(opts ...pebblestore.Option) func(*testing.T, unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
	return func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
		return openAt(t, closed.(*pebblestore.Store[storetest.Item]).Dir(), opts...)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, factory(), storetest.WithReopen(reopen()))
}

func TestConformanceNoSync(t *testing.T) {
	storetest.Run(t, factory(pebblestore.WithNoSync()))
}
