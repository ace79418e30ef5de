package storetest_test

import (
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
