package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

// store is what an address opens.
type store = unionstore.Store[Record]

// access says what a command will do with a store it opens.
type access int

const (
	readOnly  access = iota // the store must exist and is not written
	readWrite               // the store is created if missing
)

// opener opens the store at addr, the full address with its scheme.
type opener func(ctx context.Context, addr string, a access) (store, error)

// openers maps an address scheme to the code that opens it. A backend
// registers itself here from its own file.
var openers = map[string]opener{
	"bolt": openBolt,
}

// planned are schemes of backends that the command will support later.
var planned = []string{"nats", "kafka"}

// openStore opens the store at addr: "scheme://..." for a registered
// scheme, anything else a bolt file path. Its errors are usage errors: they
// exit with status 2.
func openStore(ctx context.Context, addr string, a access) (store, error) {
	if addr == "" {
		return nil, usageErrorf("empty store address")
	}
	scheme, _, ok := strings.Cut(addr, "://")
	if !ok {
		scheme = "bolt"
	}
	if slices.Contains(planned, scheme) {
		return nil, usageErrorf("store %q: %s:// stores are not supported yet; use a bolt file path or a postgres:// URL", redactAddr(addr), scheme)
	}
	open, known := openers[scheme]
	if !known {
		return nil, usageErrorf("store %q: unknown scheme %q; give a bolt file path, bolt://PATH or postgres://URL", redactAddr(addr), scheme)
	}
	s, err := open(ctx, addr, a)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	return s, nil
}

func openBolt(_ context.Context, addr string, a access) (store, error) {
	path := strings.TrimPrefix(addr, "bolt://")
	opts := []boltstore.Option{boltstore.WithCodec[Record](recordCodec{})}
	if a == readOnly {
		opts = append(opts, boltstore.WithReadOnly())
	}
	s, err := boltstore.Open[Record](path, opts...)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("store %q: no such file; check the path (commands that only read never create a store)", addr)
	case errors.Is(err, boltstore.ErrLocked):
		return nil, fmt.Errorf("store %q is in use by another program; stop it, or run this command through it", addr)
	}
	return nil, fmt.Errorf("store %q: %w", addr, err)
}

// redactAddr returns addr for display: a URL's password is masked, so that
// output and errors never show it.
func redactAddr(addr string) string {
	if !strings.Contains(addr, "://") {
		return addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return "(malformed URL)"
	}
	return u.Redacted()
}

// stores holds the stores a command opened, to close them all at the end.
type stores struct {
	list  []store
	addrs []string
}

func openAll(ctx context.Context, addrs []string, a access) (*stores, error) {
	s := &stores{}
	for _, addr := range addrs {
		st, err := openStore(ctx, addr, a)
		if err != nil {
			s.close()
			return nil, err
		}
		s.list = append(s.list, st)
		s.addrs = append(s.addrs, redactAddr(addr))
	}
	return s, nil
}

// openEach opens the two or more stores of a command that compares or
// repairs them, and returns them with the namespaces to work on: those
// given, or else every namespace any of the stores holds.
func openEach(ctx context.Context, addrs []string, purpose string, a access, namespaces []string) (*stores, []string, error) {
	if len(addrs) < 2 {
		return nil, nil, usageErrorf("give at least two --store to %s, got %d", purpose, len(addrs))
	}
	opened, err := openAll(ctx, addrs, a)
	if err != nil {
		return nil, nil, err
	}
	if len(namespaces) == 0 {
		if namespaces, err = opened.namespaces(ctx); err != nil {
			opened.close()
			return nil, nil, err
		}
	}
	return opened, namespaces, nil
}

func (s *stores) close() error {
	var errs []error
	for _, st := range s.list {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// union returns the union of the stores, each named by its address.
func (s *stores) union() *unionstore.Union[Record] {
	members := make([]unionstore.Store[Record], len(s.list))
	for i, st := range s.list {
		members[i] = unionstore.Named(s.addrs[i], st)
	}
	return unionstore.New(members...)
}

// namespaces returns the sorted union of the namespaces of the stores.
func (s *stores) namespaces(ctx context.Context) ([]string, error) {
	var out []string
	for i, st := range s.list {
		nl, ok := st.(unionstore.NamespaceLister)
		if !ok {
			return nil, fmt.Errorf("store %q cannot list its namespaces; name one", s.addrs[i])
		}
		stats, err := nl.Namespaces(ctx)
		if err != nil {
			return nil, fmt.Errorf("store %q: %w", s.addrs[i], err)
		}
		for _, st := range stats {
			out = append(out, st.Namespace)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
