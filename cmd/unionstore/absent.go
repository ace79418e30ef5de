package main

import (
	"context"
	"fmt"
	"iter"

	"github.com/unionstore/unionstore"
)

// absent is a store that does not exist yet, as a dry run, check or
// shards sees it: empty, as the store that a command that writes would
// create. Nothing is created for it; Save refuses.
type absent struct{ addr string }

var (
	_ unionstore.Store[Record]   = absent{}
	_ unionstore.Scanner[Record] = absent{}
	_ unionstore.Getter[Record]  = absent{}
	_ unionstore.NamespaceLister = absent{}
)

// Save returns an error wrapping [unionstore.ErrReadOnly]: a command that
// reads a missing store as empty never creates it.
func (s absent) Save(context.Context, unionstore.Changes[Record]) error {
	return fmt.Errorf("store %q does not exist yet and is only read: %w", redactAddr(s.addr), unionstore.ErrReadOnly)
}

func (absent) Load(context.Context, string) (unionstore.Changes[Record], error) { return nil, nil }

func (absent) Scan(context.Context, string) iter.Seq2[unionstore.Change[Record], error] {
	return func(func(unionstore.Change[Record], error) bool) {}
}

func (absent) Get(context.Context, string, string, string) (unionstore.Change[Record], bool, error) {
	return unionstore.Change[Record]{}, false, nil
}

func (absent) Namespaces(context.Context) ([]unionstore.NamespaceStat, error) { return nil, nil }

func (absent) Close() error { return nil }

// sayAbsent says which of the stores do not exist yet and were read as
// empty, unless quiet or the summary is printed as JSON.
func (s *stores) sayAbsent(e *env, asJSON bool) {
	for i, st := range s.list {
		if _, ok := st.(absent); ok {
			e.say(asJSON, "%s does not exist yet: read as empty, and not created", s.addrs[i])
		}
	}
}
