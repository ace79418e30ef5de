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
	"time"

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
	// readOrEmpty is a dry run's or a check's: the store is not written,
	// and one that does not exist yet, which a command that writes would
	// create, reads as empty ([absent]) and is not created either.
	readOrEmpty
)

// writes reports whether a command opening stores with access a writes to
// them.
func (a access) writes() bool { return a == readWrite }

// openOptions is how a command opens a store.
type openOptions struct {
	access access
	// lockTimeout is how long to wait for a store that another program
	// holds locked, for stores that lock; 0 means the backend's default.
	lockTimeout time.Duration
	// logLevel is the level from which the unions over the stores log
	// their calls on them.
	logLevel logLevel
}

// opener opens the store at addr, the full address with its scheme. Its
// errors name the store by its address, passwords masked.
type opener func(ctx context.Context, addr string, o openOptions) (store, error)

// openers maps an address scheme to the code that opens it. A backend
// registers itself here from its own file.
var openers = map[string]opener{
	"bolt": openBolt,
}

// openStore opens the store at addr: "scheme://..." for a registered
// scheme, anything else a bolt file path. An address that names no store
// it can open (empty, or of an unknown scheme) gives a usage
// error; a store that fails to open gives the opener's error.
func openStore(ctx context.Context, addr string, o openOptions) (store, error) {
	if addr == "" {
		return nil, usageErrorf("empty store address")
	}
	scheme, _, ok := strings.Cut(addr, "://")
	if !ok {
		scheme = "bolt"
	}
	open, known := openers[scheme]
	if !known {
		return nil, usageErrorf("store %q: unknown scheme %q; give a bolt file path, bolt://PATH, pebble://DIR, sqlite://PATH, or a postgres://, mysql://, redis://, nats://, kafka:// or s3:// URL", redactAddr(addr), scheme)
	}
	return open(ctx, addr, o)
}

func openBolt(_ context.Context, addr string, o openOptions) (store, error) {
	path, _ := boltPath(addr)
	if err := checkBoltPath(addr, path, o.access); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); o.access == readOrEmpty && errors.Is(err, os.ErrNotExist) {
		return absent{addr}, nil
	}
	opts := engineOptions(o, boltstore.WithCodec[Record](recordCodec{}), boltstore.WithReadOnly())
	if o.lockTimeout > 0 {
		opts = append(opts, boltstore.WithLockTimeout(o.lockTimeout))
	}
	s, err := boltstore.Open[Record](path, opts...)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, notFound(addr, "no such file")
	case errors.Is(err, boltstore.ErrLocked):
		// The lock is the file's, whoever holds it: another program, or
		// this command, given the file twice under names that
		// sameStore cannot tell apart.
		return nil, &relabeled{fmt.Sprintf("store %q is in use by another program (or given twice under two names); stop it, run this command through it, or wait longer with --lock-timeout", addr), err}
	case errors.Is(err, boltstore.ErrNotStore):
		return nil, &relabeled{fmt.Sprintf("store %q is not a unionstore bolt file (%s)", addr, plainCause(err, boltstore.ErrNotStore)), err}
	}
	return nil, &relabeled{fmt.Sprintf("store %q: %s", addr, plainCause(err, nil)), err}
}

// checkBoltPath refuses, before bbolt sees it, a path that cannot be a
// store: a directory, an empty file (which bbolt would silently make a
// store of, or fail on with a bare system error), a file in a directory
// that does not exist, and, for a command that must find the store, a
// missing file.
func checkBoltPath(addr, path string, a access) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("store %q is a directory, not a store file", addr)
	case err == nil && fi.Mode().IsRegular() && fi.Size() == 0:
		return fmt.Errorf("store %q is an empty file, not a store; remove it if a command that writes should create a store there", addr)
	case err == nil:
		return nil
	}
	dir := filepath.Dir(path)
	if di, derr := os.Stat(dir); derr != nil {
		return fmt.Errorf("store %q: directory %q does not exist; create it first", addr, dir)
	} else if !di.IsDir() {
		return fmt.Errorf("store %q: %q is not a directory", addr, dir)
	}
	if a == readOnly && errors.Is(err, os.ErrNotExist) {
		return notFound(addr, "no such file")
	}
	return nil
}

// plainCause returns err's message without the "boltstore: open PATH:"
// prefixes that repeat what the command already says, and without the
// text of sentinel, when it is given.
func plainCause(err, sentinel error) string {
	msg := err.Error()
	if sentinel != nil {
		msg = strings.Replace(msg, sentinel.Error(), "", 1)
	}
	for {
		rest, ok := strings.CutPrefix(msg, "boltstore: ")
		if !ok {
			break
		}
		if strings.HasPrefix(rest, "open ") {
			if _, after, found := strings.Cut(rest, ": "); found {
				rest = after
			}
		}
		msg = rest
	}
	msg = strings.TrimLeft(msg, ": ")
	if msg == "" {
		return "unreadable"
	}
	return msg
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

// localPath returns the path of an address that names a local file or
// directory (a bolt path, bolt://PATH or pebble://DIR) and the scheme
// prefix written before it ("" for a plain path).
func localPath(addr string) (prefix, path string, ok bool) {
	if path, ok := boltPath(addr); ok {
		if path == addr {
			return "", path, true
		}
		return "bolt://", path, true
	}
	if path, ok := strings.CutPrefix(addr, "pebble://"); ok {
		return "pebble://", path, true
	}
	return "", "", false
}

// resolve returns addr with a relative local path taken relative to e.dir.
func (e *env) resolve(addr string) string {
	prefix, path, ok := localPath(addr)
	if !ok || e.dir == "" || path == "" || filepath.IsAbs(path) {
		return addr
	}
	return prefix + filepath.Join(e.dir, path)
}

// sameStore reports whether the addresses a and b name the same store: the
// same bolt file or pebble directory however its path is spelt (./a.db and
// a.db), or the same URL. Opening one local store twice would wait for its
// own lock.
func (e *env) sameStore(a, b string) bool {
	prefixA, pathA, localA := localPath(e.resolve(a))
	prefixB, pathB, localB := localPath(e.resolve(b))
	if !localA || !localB {
		return a == b
	}
	if (prefixA == "pebble://") != (prefixB == "pebble://") {
		return false
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
	// opts is how they were opened.
	opts openOptions
	// unionOpts are the options of every union over them: the command's
	// logging of calls on stores.
	unionOpts []unionstore.Option
	// stats caches each store's namespace counts, which a store may have
	// to count afresh on every call: a command asks once.
	stats map[int]namespaceStats
}

type namespaceStats struct {
	list []unionstore.NamespaceStat
	err  error
}

// openAll opens the stores at addrs, the same store never twice.
func (e *env) openAll(ctx context.Context, addrs []string, o openOptions) (*stores, error) {
	for i, addr := range addrs {
		for _, other := range addrs[:i] {
			if e.sameStore(other, addr) {
				return nil, usageErrorf("store %q is given twice (also as %q)", redactAddr(addr), redactAddr(other))
			}
		}
	}
	s := &stores{opts: o, unionOpts: o.logLevel.unionOptions(e)}
	for _, addr := range addrs {
		st, err := openStore(ctx, e.resolve(addr), o)
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
// given, or else every namespace any of the stores holds. Of stores that
// do not exist yet, which it may read as empty, at least one must exist:
// with none there is nothing to compare, and the addresses are most
// likely wrong.
func (e *env) openEach(ctx context.Context, addrs []string, purpose string, o openOptions, namespaces []string) (*stores, []string, error) {
	if len(addrs) < 2 {
		return nil, nil, usageErrorf("give at least two --store to %s, got %d", purpose, len(addrs))
	}
	opened, err := e.openAll(ctx, addrs, o)
	if err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(opened.list, func(s store) bool { _, ok := s.(absent); return !ok }) {
		opened.close()
		return nil, nil, fmt.Errorf("none of the stores exists (%s): nothing to %s; check the addresses", strings.Join(opened.addrs, ", "), purpose)
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
	return unionstore.New(members...).With(s.unionOpts...)
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
