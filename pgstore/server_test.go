package pgstore_test

import (
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestOpenPoolOnAClosedPortLeavesNothingRunning is the check behind the
// skips without a server: the pool that the tests' helper opens on an
// address where nothing listens must leave no goroutine behind, or the
// package's leak check fails a run whose tests all skipped.
func TestOpenPoolOnAClosedPortLeavesNothingRunning(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	before := goleak.IgnoreCurrent()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "postgres://postgres@" + addr + "/test?sslmode=disable"
	if pool, err := openPool(ctx, url); err == nil {
		pool.Close()
		t.Fatalf("openPool(%q) succeeded with nothing listening", url)
	}
	if err := goleak.Find(before); err != nil {
		t.Errorf("openPool(%q) failed and left goroutines running: %v", url, err)
	}
}
