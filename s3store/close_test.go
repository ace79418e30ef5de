package s3store_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// TestCloseReleasesConnections opens a store with OpenURL on a server
// reached over loopback TCP, as a real one is, and requires that the
// server holds no connection of the store's once Close has returned and
// the calls under way have ended: the idle connections, and those of
// requests in flight when Close is called.
func TestCloseReleasesConnections(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// use works with s, calling closeStore on the way.
		use func(t *testing.T, f *fakeS3, s *s3store.Store[storetest.Item], closeStore func())
	}{
		{"idle connections", func(t *testing.T, f *fakeS3, s *s3store.Store[storetest.Item], closeStore func()) {
			if err := s.Save(ctx, append(batch("a", 0, 10), batch("b", 0, 10)...)); err != nil {
				t.Fatal(err)
			}
			expectLoad(t, s, "a", batch("a", 0, 10))
			closeStore()
		}},
		{"a load in flight", func(t *testing.T, f *fakeS3, s *s3store.Store[storetest.Item], closeStore func()) {
			for i := range 4 {
				if err := s.Save(ctx, batch("ns", i*10, 10)); err != nil {
					t.Fatal(err)
				}
			}
			inFlight(t, f, http.MethodGet, closeStore, func() error {
				_, err := s.Load(ctx, "ns")
				return err
			})
		}},
		// The answers to PUTs have no body: their connections go back to
		// the pool as the answers arrive.
		{"a save in flight", func(t *testing.T, f *fakeS3, s *s3store.Store[storetest.Item], closeStore func()) {
			expectLoad(t, s, "a", nil)
			inFlight(t, f, http.MethodPut, closeStore, func() error {
				return s.Save(ctx, append(append(batch("a", 0, 10), batch("b", 0, 10)...), batch("c", 0, 10)...))
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3(t, false)
			awsEnv(t, "")
			s, err := s3store.OpenURL[storetest.Item](ctx, "s3://"+testBucket+"/p?endpoint="+url.QueryEscape(f.srv.URL), s3store.WithMaxSegments(0))
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			defer s.Close()
			tc.use(t, f, s, func() {
				if n := f.conns.Load(); n == 0 {
					t.Fatal("the store kept no connection open before Close: nothing to check")
				}
				if err := s.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
			})
			// The server sees a connection closed when it reads its end.
			for deadline := time.Now().Add(10 * time.Second); f.conns.Load() > 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("after Close the server still holds %d connections open", f.conns.Load())
				}
			}
		})
	}
}

// TestRealEndpointRunLeavesNothingOpen runs the conformance suite in a
// child process against a server of this one, named by urlVar as a real
// endpoint is: the child's leak check then sees every connection its
// stores, and the cleanup after each test, leave open, as it does with a
// real server. The cleanup must also leave the bucket empty.
func TestRealEndpointRunLeavesNothingOpen(t *testing.T) {
	if os.Getenv(urlVar) != "" {
		t.Skipf("already running against the endpoint in %s", urlVar)
	}
	f := newFakeS3(t, false)
	dir := t.TempDir()
	// Stores made by New, on the tests' clients, and by OpenURL.
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformance$/^(default|opened_by_URL)$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(),
		urlVar+"=s3://"+testBucket+"/child?region=us-east-1&endpoint="+url.QueryEscape(f.srv.URL),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the conformance suite against %s in a child process: %v\n%s", f.srv.URL, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestConformance ") {
		t.Fatalf("the conformance suite in a child process did not run:\n%s", out)
	}
	if keys := f.server().keys(t, "child/"); len(keys) > 0 {
		t.Errorf("the child left %d objects, the first %q", len(keys), keys[0])
	}
}

// inFlight runs call with every request of method held at the server
// until closeStore has returned.
func inFlight(t *testing.T, f *fakeS3, method string, closeStore func(), call func() error) {
	t.Helper()
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.setBefore(func(r *http.Request) {
		if r.Method == method && !r.URL.Query().Has("list-type") {
			once.Do(func() { close(arrived) })
			<-release
		}
	})
	defer f.setBefore(nil)
	done := make(chan error, 1)
	go func() { done <- call() }()
	<-arrived
	closeStore()
	close(release)
	t.Logf("%s with Close under way: %v", method, <-done)
}
