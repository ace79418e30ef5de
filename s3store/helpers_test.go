package s3store_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
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

// realEndpoint is the endpoint urlVar names, for the skip or failure of a
// test that cannot reach it.
var realEndpoint = storetest.Server{Name: "S3", EnvVar: urlVar, Default: "none: an in-process server"}

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

// fakeS3 is an in-process S3 server: gofakes3 with its memory backend,
// served over loopback TCP.
type fakeS3 struct {
	srv     *httptest.Server
	backend *s3mem.Backend
	conns   atomic.Int64 // connections the server holds open

	mu     sync.Mutex
	before func(*http.Request) // called with each request before it is served
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
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		before := f.before
		f.mu.Unlock()
		if before != nil {
			before(r)
		}
		h.ServeHTTP(w, r)
	}))
	f.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			f.conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			f.conns.Add(-1)
		}
	}
	if tls {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	tb.Cleanup(f.srv.Close)
	return f
}

// setBefore makes the server call fn with each request before serving it;
// nil stops that.
func (f *fakeS3) setBefore(fn func(*http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before = fn
}

// server returns the S3 endpoint of f, for the tests that run on any.
func (f *fakeS3) server() *server {
	return &server{
		bucket:    testBucket,
		endpoint:  f.srv.URL,
		region:    "us-east-1",
		creds:     credentials.NewStaticCredentialsProvider("test", "test", ""),
		transport: func() *http.Transport { return f.srv.Client().Transport.(*http.Transport).Clone() },
		fake:      f,
	}
}

// server is the S3 endpoint that a test's stores live on: the one named by
// urlVar, or an in-process server of the test's own.
type server struct {
	bucket    string
	root      string // the prefix of every store the test makes: "" or ending in a slash
	endpoint  string // "" for AWS's own
	region    string
	creds     aws.CredentialsProvider
	transport func() *http.Transport // a new transport to the endpoint
	fake      *fakeS3                // nil for a real endpoint
}

// newServer returns the endpoint named by urlVar when it is set, and
// otherwise an in-process server of the test's own. Tests that need the
// in-process server's workings call newFakeS3 instead.
func newServer(tb testing.TB) *server {
	tb.Helper()
	if os.Getenv(urlVar) == "" {
		return newFakeS3(tb, false).server()
	}
	return realServer(tb)
}

// realServer returns the endpoint named by urlVar, with a root of the
// test's own under the URL's prefix, whose objects are deleted when the
// test ends, through a client of the cleanup's own. It skips the test when
// the endpoint is unreachable, unless the CI variable is set: then it
// fails.
func realServer(tb testing.TB) *server {
	tb.Helper()
	raw := os.Getenv(urlVar)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		tb.Fatalf("%s=%q: want an s3://BUCKET/PREFIX?endpoint=...&region=... URL", urlVar, raw)
	}
	q := u.Query()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var load []func(*awsconfig.LoadOptions) error
	if r := q.Get("region"); r != "" {
		load = append(load, awsconfig.WithRegion(r))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		tb.Fatalf("AWS configuration for %s: %v", urlVar, err)
	}
	sdk, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		sdk = awshttp.NewBuildableClient()
	}
	e := &server{
		bucket:    u.Host,
		root:      strings.TrimPrefix(storetest.UniqueName(strings.TrimSuffix(u.Path, "/")+"/unionstore-test-")+"/", "/"),
		endpoint:  q.Get("endpoint"),
		region:    cfg.Region,
		creds:     cfg.Credentials,
		transport: sdk.GetTransport,
	}
	if e.region == "" {
		e.region = "us-east-1"
	}
	c, _ := e.client(tb)
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(e.bucket)})
	realEndpoint.Unreachable(tb, err)
	// Registered before any store of the test, so that it runs after they
	// are closed, on a client of its own.
	tb.Cleanup(func() {
		tr := e.transport()
		defer tr.CloseIdleConnections()
		c, _ := e.clientOn(tr)
		for _, k := range listKeys(tb, c, e.bucket, e.root) {
			if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(k)}); err != nil {
				tb.Errorf("clean up %s: %v", k, err)
			}
		}
	})
	return e
}

// requests counts the requests a client sends, by kind.
type requests struct {
	mu     sync.Mutex
	counts map[string]int
	// before, when set, is called with each request's kind before the
	// request is sent.
	before func(kind string)
}

func (r *requests) setBefore(fn func(kind string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.before = fn
}

func (r *requests) add(kind string) {
	r.mu.Lock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[kind]++
	before := r.before
	r.mu.Unlock()
	if before != nil {
		before(kind)
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
	t.reqs.add(kind)
	return t.next.RoundTrip(req)
}

// client returns an S3 client for the endpoint, with path-style addressing
// for an endpoint other than AWS's and checksums only where required, whose
// connections are closed when the test ends, and the counter of its
// requests.
func (e *server) client(tb testing.TB) (*s3.Client, *requests) {
	tb.Helper()
	tr := e.transport()
	tb.Cleanup(tr.CloseIdleConnections)
	return e.clientOn(tr)
}

// clientOn is client on the transport tr, which stays the caller's.
func (e *server) clientOn(tr *http.Transport) (*s3.Client, *requests) {
	reqs := &requests{}
	o := s3.Options{
		Region:                     e.region,
		Credentials:                e.creds,
		HTTPClient:                 &http.Client{Transport: countingTransport{tr, reqs}},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if e.endpoint != "" {
		o.BaseEndpoint, o.UsePathStyle = aws.String(e.endpoint), true
	}
	return s3.New(o), reqs
}

// newPrefix returns a prefix of its own under the endpoint's root.
func (e *server) newPrefix() string { return storetest.UniqueName(e.root + "t/") }

// newStore returns a store under a fresh prefix of the endpoint's bucket,
// closed when the test ends, and the counter of its requests.
func (e *server) newStore(tb testing.TB, opts ...s3store.Option) (*s3store.Store[storetest.Item], *requests) {
	tb.Helper()
	c, reqs := e.client(tb)
	s, err := s3store.New[storetest.Item](context.Background(), c, e.bucket, e.newPrefix(), opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	reqs.take()
	return s, reqs
}

// reopen returns a second store on the same bucket and prefix as s.
func (e *server) reopen(tb testing.TB, s *s3store.Store[storetest.Item], opts ...s3store.Option) *s3store.Store[storetest.Item] {
	tb.Helper()
	c, _ := e.client(tb)
	s2, err := s3store.New[storetest.Item](context.Background(), c, s.Bucket(), s.Prefix(), opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s2.Close() })
	return s2
}

// openURL returns a store that OpenURL opens, on its own client, under
// prefix of the endpoint's bucket, closed when the test ends.
func (e *server) openURL(tb testing.TB, prefix string, opts ...s3store.Option) *s3store.Store[storetest.Item] {
	tb.Helper()
	q := url.Values{"region": {e.region}}
	if e.endpoint != "" {
		q.Set("endpoint", e.endpoint)
	}
	raw := (&url.URL{Scheme: "s3", Host: e.bucket, Path: "/" + prefix, RawQuery: q.Encode()}).String()
	s, err := s3store.OpenURL[storetest.Item](context.Background(), raw, opts...)
	if err != nil {
		tb.Fatalf("OpenURL: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// keys returns the keys of the objects under prefix, sorted.
func (e *server) keys(tb testing.TB, prefix string) []string {
	tb.Helper()
	c, _ := e.client(tb)
	return listKeys(tb, c, e.bucket, prefix)
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

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns a timestamp n milliseconds after a fixed instant.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
