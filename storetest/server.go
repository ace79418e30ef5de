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

// Server is a server that a backend's tests talk to: the environment
// variable that names it, and the address used when the variable is unset.
// Without a reachable server the tests skip, naming the variable to set;
// with the CI variable set they fail instead, since CI must run them.
type Server struct {
	Name    string // for messages, such as "PostgreSQL"
	EnvVar  string // such as "UNIONSTORE_POSTGRES_URL"
	Default string // the address when EnvVar is unset
}

// URL returns the address in the environment variable, or the default.
func (s Server) URL() string {
	if u := os.Getenv(s.EnvVar); u != "" {
		return u
	}
	return s.Default
}

// Unreachable ends tb's test for a server that did not answer with err: a
// skip that names the variable to set, or a failure when the CI variable
// is set. It returns when err is nil.
func (s Server) Unreachable(tb testing.TB, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	msg := s.why(err)
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

func (s Server) why(err error) string {
	return fmt.Sprintf("no %s server reachable at the address in %s (default %s): %v", s.Name, s.EnvVar, s.Default, err)
}

// SkipExamples makes go test skip the examples that pattern matches when
// err says the server did not answer, unless the CI variable is set, and
// says so on standard error: examples cannot skip themselves. A backend's
// TestMain calls it after flag.Parse, with the error of a connection
// attempt, before m.Run.
func (s Server) SkipExamples(pattern string, err error) {
	if err == nil || os.Getenv("CI") != "" {
		return
	}
	fmt.Fprintf(os.Stderr, "examples %s skipped: %s\n", pattern, s.why(err))
	skip := pattern
	if old := flag.Lookup("test.skip"); old != nil && old.Value.String() != "" {
		skip = old.Value.String() + "|" + skip
	}
	_ = flag.Set("test.skip", skip)
}

// Shared is one value made from a server that the tests of a package
// share, such as a connection pool for setting up and checking: Open runs
// once, at the first Get, with the server's URL and a context that ends
// after 5 seconds.
type Shared[T any] struct {
	Server Server
	Open   func(ctx context.Context, url string) (T, error)

	once sync.Once
	v    T
	err  error
	made bool
}

// Get returns the value. A test that asks for it when Open failed is
// skipped, or failed under CI: see [Server.Unreachable].
func (s *Shared[T]) Get(tb testing.TB) T {
	tb.Helper()
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.v, s.err = s.Open(ctx, s.Server.URL())
		s.made = s.err == nil
	})
	s.Server.Unreachable(tb, s.err)
	return s.v
}

// Close calls close on the value if Get made it, for a TestMain to run
// after the tests.
func (s *Shared[T]) Close(close func(T) error) error {
	if !s.made {
		return nil
	}
	return close(s.v)
}
