package unionstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestMain fails the run when goroutines of this module outlive the
// tests: the root module keeps to its three dependencies, so this is its
// own small version of a leak checker.
func TestMain(m *testing.M) {
	if spec, ok := probeSpec(); ok {
		os.Exit(runInstructionProbe(spec))
	}
	code := m.Run()
	if code == 0 {
		if leaked := lingering(5 * time.Second); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "%d goroutines outlived the tests:\n\n%s\n", len(leaked), strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// ours returns the stacks of the goroutines running code of this module,
// other than the caller's and those of the tests themselves.
func ours() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the calling goroutine comes first
			continue
		}
		// Test goroutines and the main one are the testing package's.
		if strings.Contains(g, "github.com/unionstore/unionstore") && !strings.Contains(g, "testing.tRunner") && !strings.Contains(g, "unionstore_test.TestMain(") {
			out = append(out, g)
		}
	}
	return out
}

// lingering waits up to grace for this module's goroutines to end and
// returns the stacks of those still running.
func lingering(grace time.Duration) []string {
	deadline := time.Now().Add(grace)
	for {
		g := ours()
		if len(g) == 0 || time.Now().After(deadline) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNoGoroutineOutlivesAHungMember ends the context of calls while a
// member hangs. A member that honours its context is cancelled by the
// union and its goroutine ends at once; one that ignores it keeps its
// goroutine until it returns, and no longer.
func TestNoGoroutineOutlivesAHungMember(t *testing.T) {
	if g := ours(); len(g) > 0 {
		t.Skipf("%d goroutines of other tests still running; run this test alone to check:\n%s", len(g), strings.Join(g, "\n\n"))
	}
	ops := map[string]func(ctx context.Context, u *unionstore.Union[Item]) error{
		"save": func(ctx context.Context, u *unionstore.Union[Item]) error {
			return u.Save(ctx, batch(set("a", "v", at(1))))
		},
		"load": func(ctx context.Context, u *unionstore.Union[Item]) error { _, err := u.Load(ctx, "ns"); return err },
		"get": func(ctx context.Context, u *unionstore.Union[Item]) error {
			_, _, err := u.Get(ctx, "ns", "k", "a")
			return err
		},
		"scan": func(ctx context.Context, u *unionstore.Union[Item]) error {
			for _, err := range u.Scan(ctx, "ns") {
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	for name, op := range ops {
		t.Run(name+" honouring its context", func(t *testing.T) {
			u := unionstore.New[Item](unionstore.NewMemory[Item](), hanging(storetest.AllOps...))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			if err := op(ctx, u); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s = %v, want the deadline", name, err)
			}
			if left := lingering(2 * time.Second); len(left) > 0 {
				t.Fatalf("%d goroutines outlived %s:\n%s", len(left), name, strings.Join(left, "\n\n"))
			}
		})
		t.Run(name+" ignoring its context", func(t *testing.T) {
			stuck := newStuck(t)
			u := unionstore.New[Item](unionstore.NewMemory[Item](), stuckScanner{stuck})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			if err := op(ctx, u); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s = %v, want the deadline", name, err)
			}
			if len(ours()) == 0 {
				t.Fatal("no goroutine waits for the stuck member")
			}
			stuck.once.Do(func() { close(stuck.release) })
			if left := lingering(2 * time.Second); len(left) > 0 {
				t.Fatalf("%d goroutines outlived the stuck member's return:\n%s", len(left), strings.Join(left, "\n\n"))
			}
		})
	}
}
