package storetest_test

import (
	"errors"
	"flag"
	"regexp"
	"testing"

	"github.com/unionstore/unionstore/storetest"
)

func TestServerURL(t *testing.T) {
	s := storetest.Server{Name: "Test", EnvVar: "UNIONSTORE_STORETEST_URL", Default: "test://default"}
	t.Setenv("UNIONSTORE_STORETEST_URL", "")
	if got := s.URL(); got != "test://default" {
		t.Fatalf("URL with the variable unset = %q, want the default", got)
	}
	t.Setenv("UNIONSTORE_STORETEST_URL", "test://set")
	if got := s.URL(); got != "test://set" {
		t.Fatalf("URL with the variable set = %q", got)
	}
}

func TestUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		name := storetest.UniqueName("test_")
		if !regexp.MustCompile(`^test_[0-9a-f]{12}$`).MatchString(name) {
			t.Fatalf("UniqueName(test_) = %q, want test_ and 12 hexadecimal digits", name)
		}
		if seen[name] {
			t.Fatalf("UniqueName(test_) returned %q twice", name)
		}
		seen[name] = true
	}
}

// TestSkipExamples checks that SkipExamples adds its pattern to -test.skip
// when the server did not answer, and that an empty pattern, which names
// no example, leaves -test.skip as it is rather than adding an empty
// alternative that would match every test.
func TestSkipExamples(t *testing.T) {
	skip := flag.Lookup("test.skip")
	if skip == nil {
		t.Skip("no -test.skip flag")
	}
	old := skip.Value.String()
	t.Cleanup(func() { _ = flag.Set("test.skip", old) })
	t.Setenv("CI", "")
	s := storetest.Server{Name: "Test", EnvVar: "UNIONSTORE_STORETEST_URL", Default: "test://default"}
	down := errors.New("connection refused")
	for _, tc := range []struct {
		pattern string
		err     error
		want    string
	}{
		{"Example_server", nil, "TestKept"},
		{"", down, "TestKept"},
		{"Example_server", down, "TestKept|Example_server"},
	} {
		_ = flag.Set("test.skip", "TestKept")
		s.SkipExamples(tc.pattern, tc.err)
		if got := skip.Value.String(); got != tc.want {
			t.Errorf("SkipExamples(%q, %v) left -test.skip %q, want %q", tc.pattern, tc.err, got, tc.want)
		}
	}
}
