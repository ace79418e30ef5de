package storetest_test

import (
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
