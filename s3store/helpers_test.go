package s3store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// urlVar names the environment variable that points the tests at a real
// S3 or S3-compatible endpoint, as an s3:// URL that OpenURL accepts.
const urlVar = "UNIONSTORE_S3_URL"

const testBucket = "unionstore-test"

func TestMain(m *testing.M) {
	// The tests set what they need; ambient AWS settings must not change
	// their outcome. AWS_CA_BUNDLE is kept for the tests of a real
	// endpoint, and the tests of OpenURL set it themselves.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") && k != "AWS_CA_BUNDLE" && os.Getenv(urlVar) == "" {
			os.Unsetenv(k)
		}
	}
	// Static credentials for the examples, which open stores with OpenURL.
	if os.Getenv(urlVar) == "" {
		os.Setenv("AWS_ACCESS_KEY_ID", "test")
		os.Setenv("AWS_SECRET_ACCESS_KEY", "test")
		os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	}
	goleak.VerifyTestMain(m)
}

// fakeS3 is an in-process S3 server: gofakes3 with its memory backend.
type fakeS3 struct {
	srv     *httptest.Server
	backend *s3mem.Backend
}

// newFakeS3 starts a server, over TLS if tls is set, with the test bucket,
// and stops it when the test ends.
func newFakeS3(tb testing.TB, tls bool) *fakeS3 {
	tb.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		tb.Fatalf("create bucket: %v", err)
	}
	h := gofakes3.New(backend).Server()
	f := &fakeS3{backend: backend}
	if tls {
		f.srv = httptest.NewTLSServer(h)
	} else {
		f.srv = httptest.NewServer(h)
	}
	tb.Cleanup(f.srv.Close)
	return f
}

// requests counts the requests a client sends, by kind.
type requests struct {
	mu     sync.Mutex
	counts map[string]int
	// before, when set, is called with each request's kind and key before
	// the request is sent.
	before func(kind, key string)
}

func (r *requests) setBefore(fn func(kind, key string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.before = fn
}

func (r *requests) add(kind, key string) {
	r.mu.Lock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[kind]++
	before := r.before
	r.mu.Unlock()
	if before != nil {
		before(kind, key)
	}
}

// take returns the counts so far and starts again from zero.
func (r *requests) take() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.counts
	r.counts = nil
	if c == nil {
		c = map[string]int{}
	}
	return c
}

type countingTransport struct {
	next http.RoundTripper
	reqs *requests
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := req.Method
	q := req.URL.Query()
	switch {
	case req.Method == http.MethodGet && q.Has("list-type"):
		kind = "LIST"
	case req.Method == http.MethodPost && q.Has("delete"):
		kind = "DELETE-MULTI"
	}
	// Path-style: /bucket/key.
	_, key, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	t.reqs.add(kind, key)
	return t.next.RoundTrip(req)
}

// client returns an S3 client for the server with static credentials,
// path-style addressing and checksums only where required, and the
// counter of its requests.
func (f *fakeS3) client(tb testing.TB) (*s3.Client, *requests) {
	tb.Helper()
	tr := f.srv.Client().Transport.(*http.Transport).Clone()
	tb.Cleanup(tr.CloseIdleConnections)
	reqs := &requests{}
	c := s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(f.srv.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:                 &http.Client{Transport: countingTransport{tr, reqs}},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	return c, reqs
}

// newStore returns a store under a fresh prefix of the server's bucket,
// closed when the test ends, and the counter of its requests.
func (f *fakeS3) newStore(tb testing.TB, opts ...s3store.Option) (*s3store.Store[storetest.Item], *requests) {
	tb.Helper()
	c, reqs := f.client(tb)
	s, err := s3store.New[storetest.Item](context.Background(), c, testBucket, "t/"+randomHex(6), opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	reqs.take()
	return s, reqs
}

// reopen returns a second store on the same bucket and prefix as s.
func (f *fakeS3) reopen(tb testing.TB, s *s3store.Store[storetest.Item], opts ...s3store.Option) *s3store.Store[storetest.Item] {
	tb.Helper()
	c, _ := f.client(tb)
	s2, err := s3store.New[storetest.Item](context.Background(), c, s.Bucket(), s.Prefix(), opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s2.Close() })
	return s2
}

// keys returns the keys of the objects under prefix, sorted.
func (f *fakeS3) keys(tb testing.TB, prefix string) []string {
	tb.Helper()
	c, _ := f.client(tb)
	return listKeys(tb, c, testBucket, prefix)
}

func listKeys(tb testing.TB, c *s3.Client, bucket, prefix string) []string {
	tb.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			tb.Fatalf("list %s: %v", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// realStore returns a store under a fresh prefix of the endpoint named by
// urlVar, whose objects are deleted when the test ends. It skips the test
// when the variable is not set, and when the endpoint is unreachable,
// unless the CI variable is set: then it fails.
func realStore(tb testing.TB) *s3store.Store[storetest.Item] {
	tb.Helper()
	raw := os.Getenv(urlVar)
	if raw == "" {
		tb.Skipf("no S3 endpoint: set %s to an s3://BUCKET/PREFIX?endpoint=...&region=... URL to run against one", urlVar)
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("%s: %v", urlVar, err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/unionstore-test-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := s3store.OpenURL[storetest.Item](ctx, u.String())
	if err != nil {
		msg := fmt.Sprintf("the S3 endpoint in %s is unreachable: %v", urlVar, err)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() {
		c := s3store.ClientOf(s)
		keys := listKeys(tb, c, s.Bucket(), s.Prefix())
		for _, k := range keys {
			if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket()), Key: aws.String(k)}); err != nil {
				tb.Errorf("clean up %s: %v", k, err)
			}
		}
		_ = s.Close()
	})
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns a timestamp n milliseconds after a fixed instant.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
