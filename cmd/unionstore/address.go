package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
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
// scheme, anything else a bolt file path. An address that names no store
// it can open (empty, or of an unknown or planned scheme) gives a usage
// error; a store that fails to open gives the opener's error.
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
	return open(ctx, addr, a)
}

func openBolt(_ context.Context, addr string, a access) (store, error) {
	path, _ := boltPath(addr)
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

// boltPath returns the file path of a bolt address (a path, or bolt://PATH),
// and false for an address of any other scheme.
func boltPath(addr string) (string, bool) {
	scheme, path, ok := strings.Cut(addr, "://")
	switch {
	case !ok:
		return addr, true
	case scheme == "bolt":
		return path, true
	}
	return "", false
}

// resolve returns addr with a relative bolt path taken relative to e.dir.
func (e *env) resolve(addr string) string {
	path, ok := boltPath(addr)
	if !ok || e.dir == "" || path == "" || filepath.IsAbs(path) {
		return addr
	}
	if path == addr {
		return filepath.Join(e.dir, path)
	}
	return "bolt://" + filepath.Join(e.dir, path)
}

// sameStore reports whether the addresses a and b name the same store: the
// same bolt file however its path is spelt (./a.db and a.db), or the same
// URL. Opening one bolt file twice would wait for its own lock.
func (e *env) sameStore(a, b string) bool {
	pathA, boltA := boltPath(e.resolve(a))
	pathB, boltB := boltPath(e.resolve(b))
	if !boltA || !boltB {
		return a == b
	}
	absA, errA := filepath.Abs(pathA)
	absB, errB := filepath.Abs(pathB)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	fa, errA := os.Stat(pathA)
	fb, errB := os.Stat(pathB)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
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
	addrs []string // as given, for display
	// stats caches each store's namespace counts, which a store may have
	// to count afresh on every call: a command asks once.
	stats map[int]namespaceStats
}

type namespaceStats struct {
	list []unionstore.NamespaceStat
	err  error
}

// openAll opens the stores at addrs, the same store never twice.
func (e *env) openAll(ctx context.Context, addrs []string, a access) (*stores, error) {
	for i, addr := range addrs {
		for _, other := range addrs[:i] {
			if e.sameStore(other, addr) {
				return nil, usageErrorf("store %q is given twice (also as %q)", redactAddr(addr), redactAddr(other))
			}
		}
	}
	s := &stores{}
	for _, addr := range addrs {
		st, err := openStore(ctx, e.resolve(addr), a)
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
func (e *env) openEach(ctx context.Context, addrs []string, purpose string, a access, namespaces []string) (*stores, []string, error) {
	if len(addrs) < 2 {
		return nil, nil, usageErrorf("give at least two --store to %s, got %d", purpose, len(addrs))
	}
	opened, err := e.openAll(ctx, addrs, a)
	if err != nil {
		return nil, nil, err
	}
	if len(namespaces) == 0 {
		if namespaces, err = opened.namespaces(ctx, nil); err != nil {
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

// namespaceStats returns the namespaces of store i with their counts. It
// asks the store once; later calls return the same answer.
func (s *stores) namespaceStats(ctx context.Context, i int) ([]unionstore.NamespaceStat, error) {
	if ns, ok := s.stats[i]; ok {
		return ns.list, ns.err
	}
	var ns namespaceStats
	if nl, ok := s.list[i].(unionstore.NamespaceLister); ok {
		if ns.list, ns.err = nl.Namespaces(ctx); ns.err != nil {
			ns.err = fmt.Errorf("store %q: %w", s.addrs[i], ns.err)
		}
	} else {
		ns.err = fmt.Errorf("store %q cannot list its namespaces; name one", s.addrs[i])
	}
	if s.stats == nil {
		s.stats = make(map[int]namespaceStats)
	}
	s.stats[i] = ns
	return ns.list, ns.err
}

// namespaces returns the sorted union of the namespaces of the stores, or
// of those for which only returns true if it is not nil.
func (s *stores) namespaces(ctx context.Context, only func(i int) bool) ([]string, error) {
	var out []string
	for i := range s.list {
		if only != nil && !only(i) {
			continue
		}
		stats, err := s.namespaceStats(ctx, i)
		if err != nil {
			return nil, err
		}
		for _, st := range stats {
			out = append(out, st.Namespace)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
