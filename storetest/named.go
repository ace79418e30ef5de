package storetest

import (
	"sync"
	"testing"

	"github.com/unionstore/unionstore"
)

// Named returns a factory and a [WithReopen] option for a store that lives
// under a name on a server, such as a table, a key prefix or a stream, for
// [Run] and [RunPurgeDurable]: the factory opens a store with open on a
// name from fresh, and the reopen opens one with reopen on the name of the
// closed store it is given. reopen may be open itself; a backend passes
// another function where a reopened store stands for another process, on
// a client of its own. The two are safe for concurrent use.
func Named(fresh func(testing.TB) string, open, reopen func(t *testing.T, name string) unionstore.Store[Item]) (Factory, Option) {
	var (
		mu    sync.Mutex
		names = map[unionstore.Store[Item]]string{}
	)
	newStore := func(t *testing.T) unionstore.Store[Item] {
		name := fresh(t)
		s := open(t, name)
		mu.Lock()
		names[s] = name
		mu.Unlock()
		return s
	}
	return newStore, WithReopen(func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item] {
		mu.Lock()
		name, ok := names[closed]
		mu.Unlock()
		if !ok {
			t.Fatalf("storetest: reopen of a store that the factory of Named did not make: %T", closed)
		}
		return reopen(t, name)
	})
}
