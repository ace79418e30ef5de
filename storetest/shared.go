package storetest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// openTimeout bounds each call of [Shared.Open].
const openTimeout = 5 * time.Second

// removeTimeout bounds each call of [Shared.Remove].
const removeTimeout = 30 * time.Second

// Shared is one value made from a server that the tests of a package
// share, such as a connection pool for setting up and checking: Open runs
// once, at the first Get, with the server's URL and a context that ends
// after 5 seconds.
//
// With Release and Remove set, it also hands out what the tests and the
// examples make on the server and takes it away again: a value of a test's
// own ([Shared.Own]), a name of a test's own ([Shared.Scratch]) or of the
// run's ([Shared.ExampleName]), and a TestMain that cleans up after the
// run ([Shared.Main]). Its methods are safe for concurrent use.
type Shared[T any] struct {
	Server Server
	Open   func(ctx context.Context, url string) (T, error)
	// Release frees a value that Open made, such as by closing a pool: at
	// the end of a test for [Shared.Own], and after the run for the shared
	// value when [Shared.Main] runs the tests. Nil frees nothing.
	Release func(T) error
	// Remove deletes from the server, through v, what stores made under
	// name, such as a table: at the end of a test for [Shared.Scratch], and
	// after the run for [Shared.ExampleName]. It gets a context that ends
	// after 30 seconds.
	Remove func(ctx context.Context, v T, name string) error

	once sync.Once
	v    T
	err  error
	made bool

	mu       sync.Mutex
	examples []string // names from ExampleName, for Main to remove
}

// Get returns the value. A test that asks for it when Open failed is
// skipped, or failed under CI: see [Server.Unreachable].
func (s *Shared[T]) Get(tb testing.TB) T {
	tb.Helper()
	s.open()
	s.Server.Unreachable(tb, s.err)
	return s.v
}

// open makes the value once, and returns the error of Open.
func (s *Shared[T]) open() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		s.v, s.err = s.Open(ctx, s.Server.URL())
		s.made = s.err == nil
	})
	return s.err
}

// Close calls close on the value if Get made it, for a TestMain to run
// after the tests.
func (s *Shared[T]) Close(close func(T) error) error {
	if !s.made {
		return nil
	}
	return close(s.v)
}

// Own returns a value of the test's own, made by Open as the shared one
// is, such as a pool standing for another process, and freed by Release
// when the test ends. It skips the test as [Shared.Get] does, and fails
// it when the server answered the shared value's Open but not this one's.
func (s *Shared[T]) Own(tb testing.TB) T {
	tb.Helper()
	s.Get(tb)
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	v, err := s.Open(ctx, s.Server.URL())
	if err != nil {
		tb.Fatalf("open another %s client: %v", s.Server.Name, err)
	}
	tb.Cleanup(func() { s.release(v) })
	return v
}

// release frees v, when there is a Release to free it with.
func (s *Shared[T]) release(v T) {
	if s.Release != nil {
		_ = s.Release(v)
	}
}

// Scratch returns a name unique to the test, prefix followed by random
// digits (see [UniqueName]), under which Remove deletes what the test made
// when it ends; a failure to delete fails the test. It skips the test as
// [Shared.Get] does.
func (s *Shared[T]) Scratch(tb testing.TB, prefix string) string {
	tb.Helper()
	v := s.Get(tb)
	name := UniqueName(prefix)
	tb.Cleanup(func() {
		if err := s.remove(v, name); err != nil {
			tb.Errorf("remove %s from the %s server: %v", name, s.Server.Name, err)
		}
	})
	return name
}

// remove calls Remove on name with a context of its own.
func (s *Shared[T]) remove(v T, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	return s.Remove(ctx, v, name)
}

// ExampleName returns a name unique to the run, prefix followed by random
// digits, for an example to make a store under: examples have no cleanup
// of their own, so [Shared.Main] removes what was made under each such
// name after the run.
func (s *Shared[T]) ExampleName(prefix string) string {
	name := UniqueName(prefix)
	s.mu.Lock()
	s.examples = append(s.examples, name)
	s.mu.Unlock()
	return name
}

// ExampleURL returns the server's URL with the query parameter key set to
// a name from [Shared.ExampleName], for an example to open a store on. It
// panics when the URL does not parse: an example has no test to fail.
func (s *Shared[T]) ExampleURL(key, prefix string) string {
	u, err := s.Server.urlWith(key, s.ExampleName(prefix))
	if err != nil {
		panic(err)
	}
	return u
}

// Main returns m for a backend's TestMain to run, directly or through a
// leak check such as goleak.VerifyTestMain. Its Run parses the flags,
// makes the shared value and, when that fails, skips the examples that
// examples matches ("" for a package with none that need the server; see
// [Server.SkipExamples]); then it runs m, removes
// what was made under the names of [Shared.ExampleName], saying on
// standard error what it could not remove, and frees the shared value, so
// that a leak check that follows finds none of its goroutines. Run returns
// the code of m's Run.
func (s *Shared[T]) Main(m *testing.M, examples string) interface{ Run() int } {
	return sharedMain[T]{s: s, run: m.Run, examples: examples}
}

// sharedMain is what [Shared.Main] returns; run is the Run of the tests'
// testing.M.
type sharedMain[T any] struct {
	s        *Shared[T]
	run      func() int
	examples string
}

func (r sharedMain[T]) Run() int {
	flag.Parse() // so that SkipExamples can add to -test.skip
	r.s.Server.SkipExamples(r.examples, r.s.open())
	code := r.run()
	r.s.removeExamples()
	if r.s.made {
		r.s.release(r.s.v)
	}
	return code
}

// removeExamples removes what was made under the names of ExampleName,
// through the shared value, and says on standard error what it could not.
func (s *Shared[T]) removeExamples() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.examples) == 0 {
		return
	}
	if !s.made {
		fmt.Fprintf(os.Stderr, "storetest: remove the examples' %v from the %s server: %v\n", s.examples, s.Server.Name, s.err)
		return
	}
	for _, name := range s.examples {
		if err := s.remove(s.v, name); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: remove %s from the %s server: %v\n", name, s.Server.Name, err)
		}
	}
}
