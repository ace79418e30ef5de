package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"testing"
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

// URLWith returns the server's URL with the query parameter key set to
// value, such as the table or the key prefix a store opened on the URL
// uses. It fails tb when the URL does not parse.
func (s Server) URLWith(tb testing.TB, key, value string) string {
	tb.Helper()
	u, err := s.urlWith(key, value)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func (s Server) urlWith(key, value string) (string, error) {
	u, err := url.Parse(s.URL())
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", s.EnvVar, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// UniqueName returns prefix followed by 12 random hexadecimal digits: the
// name of a table, a key prefix or a stream that no other test, run or
// process sharing the server picks.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s Server) why(err error) string {
	return fmt.Sprintf("no %s server reachable at the address in %s (default %s): %v", s.Name, s.EnvVar, s.Default, err)
}

// SkipExamples makes go test skip the examples that pattern matches when
// err says the server did not answer, unless the CI variable is set, and
// says so on standard error: examples cannot skip themselves. A backend's
// TestMain calls it after flag.Parse, with the error of a connection
// attempt, before m.Run. An empty pattern names no example: nothing is
// skipped.
func (s Server) SkipExamples(pattern string, err error) {
	if err == nil || pattern == "" || os.Getenv("CI") != "" {
		return
	}
	fmt.Fprintf(os.Stderr, "examples %s skipped: %s\n", pattern, s.why(err))
	skip := pattern
	if old := flag.Lookup("test.skip"); old != nil && old.Value.String() != "" {
		skip = old.Value.String() + "|" + skip
	}
	_ = flag.Set("test.skip", skip)
}
