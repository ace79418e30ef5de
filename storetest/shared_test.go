package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeServer stands for a server that [Shared] opens clients on: it counts
// the clients opened and released and the names removed.
type fakeServer struct {
	down bool // Open fails

	mu       sync.Mutex
	opened   int
	released []int // the numbers of the clients released
	removed  []string
}

// fakeClient is a client of fakeServer, numbered from 1 in opening order.
type fakeClient struct{ n int }

func (f *fakeServer) shared() *Shared[*fakeClient] {
	return &Shared[*fakeClient]{
		Server: Server{Name: "Fake", EnvVar: "UNIONSTORE_FAKE_URL", Default: "fake://"},
		Open: func(context.Context, string) (*fakeClient, error) {
			if f.down {
				return nil, errors.New("connection refused")
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.opened++
			return &fakeClient{n: f.opened}, nil
		},
		Release: func(c *fakeClient) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.released = append(f.released, c.n)
			return nil
		},
		Remove: func(_ context.Context, c *fakeClient, name string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.removed = append(f.removed, name)
			return nil
		},
	}
}

func TestSharedScratch(t *testing.T) {
	var f fakeServer
	s := f.shared()
	var names []string
	t.Run("test", func(t *testing.T) {
		for range 2 {
			names = append(names, s.Scratch(t, "scratch_"))
		}
		if len(f.removed) != 0 {
			t.Fatalf("removed %v before the test ended", f.removed)
		}
	})
	if names[0] == names[1] || !strings.HasPrefix(names[0], "scratch_") {
		t.Fatalf("Scratch(scratch_) = %q, %q; want two names with that prefix", names[0], names[1])
	}
	slices.Sort(names)
	slices.Sort(f.removed)
	if !slices.Equal(f.removed, names) {
		t.Fatalf("removed %v when the test ended, want %v", f.removed, names)
	}
	if f.opened != 1 {
		t.Fatalf("opened %d clients, want the shared one", f.opened)
	}
}

func TestSharedOwn(t *testing.T) {
	var f fakeServer
	s := f.shared()
	t.Run("test", func(t *testing.T) {
		shared, own := s.Get(t), s.Own(t)
		if shared == own {
			t.Fatal("Own returned the shared client")
		}
		if len(f.released) != 0 {
			t.Fatalf("released %v before the test ended", f.released)
		}
	})
	if !slices.Equal(f.released, []int{2}) {
		t.Fatalf("released clients %v when the test ended, want the test's own, 2", f.released)
	}
}

func TestSharedSkipsWithoutServer(t *testing.T) {
	t.Setenv("CI", "")
	f := fakeServer{down: true}
	s := f.shared()
	for _, tc := range []struct {
		name string
		use  func(t *testing.T)
	}{
		{"Get", func(t *testing.T) { s.Get(t) }},
		{"Own", func(t *testing.T) { s.Own(t) }},
		{"Scratch", func(t *testing.T) { s.Scratch(t, "scratch_") }},
	} {
		var sub *testing.T
		t.Run(tc.name, func(t *testing.T) {
			sub = t
			tc.use(t)
			t.Fatal("the test went on without a server")
		})
		if !sub.Skipped() {
			t.Errorf("%s without a server did not skip the test", tc.name)
		}
	}
	if len(f.removed) != 0 {
		t.Errorf("removed %v from a server that is down", f.removed)
	}
}

func TestSharedMain(t *testing.T) {
	var f fakeServer
	s := f.shared()
	first, second := s.ExampleName("ex_"), s.ExampleName("ex_")
	main := sharedMain[*fakeClient]{s: s, examples: "^ExampleNone$", run: func() int {
		if f.opened != 1 {
			t.Errorf("the tests ran with %d clients opened, want the shared one", f.opened)
		}
		if len(f.removed) != 0 || len(f.released) != 0 {
			t.Errorf("the tests ran after removing %v and releasing %v", f.removed, f.released)
		}
		return 3
	}}
	if code := main.Run(); code != 3 {
		t.Errorf("Run = %d, want the tests' 3", code)
	}
	if !slices.Equal(f.removed, []string{first, second}) {
		t.Errorf("removed %v after the run, want the examples' %v", f.removed, []string{first, second})
	}
	if !slices.Equal(f.released, []int{1}) {
		t.Errorf("released clients %v after the run, want the shared one, 1", f.released)
	}
}

// TestServerURLWith checks the URL behind [Server.URLWith] and
// [Shared.ExampleURL], and its error, which the first fails a test with.
func TestServerURLWith(t *testing.T) {
	s := Server{Name: "Test", EnvVar: "UNIONSTORE_STORETEST_URL", Default: "test://default"}
	for _, tc := range []struct {
		name, url, want, err string
	}{
		{"no query", "postgres://h:5432/db", "postgres://h:5432/db?table=t1", ""},
		{"a query kept", "postgres://h/db?sslmode=disable", "postgres://h/db?sslmode=disable&table=t1", ""},
		{"the key replaced", "mysql://h/db?table=old", "mysql://h/db?table=t1", ""},
		{"an escaped value kept", "redis://h/0?db=a%26b", "redis://h/0?db=a%26b&table=t1", ""},
		{"no URL", "postgres://h:port/db", "", "parse UNIONSTORE_STORETEST_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("UNIONSTORE_STORETEST_URL", tc.url)
			got, err := s.urlWith("table", "t1")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("urlWith(table, t1) on %q = %q, %v; want an error with %q", tc.url, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("urlWith(table, t1) on %q = %q, %v; want %q", tc.url, got, err, tc.want)
			}
		})
	}
}

func TestSharedExampleURL(t *testing.T) {
	var f fakeServer
	s := f.shared()
	t.Setenv(s.Server.EnvVar, "fake://h/db?sslmode=disable")
	u := s.ExampleURL("table", "ex_")
	if len(s.examples) != 1 || u != "fake://h/db?sslmode=disable&table="+s.examples[0] {
		t.Fatalf("ExampleURL(table, ex_) = %q with the examples' names %v, want the URL naming the one name", u, s.examples)
	}
}
