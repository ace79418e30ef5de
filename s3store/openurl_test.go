package s3store_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// awsEnv sets static credentials and shared files that do not exist, so
// that OpenURL's default configuration reads only what the test gives it,
// and AWS_CA_BUNDLE to caBundle.
func awsEnv(t *testing.T, caBundle string) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CA_BUNDLE", caBundle)
}

// caBundleFor writes the server's certificate to a PEM file and returns
// its path.
func caBundleFor(t *testing.T, f *fakeS3) string {
	path := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenURLOverTLSWithCABundle opens a store the way a user on a machine
// with AWS_CA_BUNDLE does, over TLS, and checks that a body of known length
// that cannot seek is stored as it was sent: with the SDK's default
// checksums it is sent aws-chunked with a trailing checksum, which the
// server stores verbatim.
func TestOpenURLOverTLSWithCABundle(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, true)
	awsEnv(t, caBundleFor(t, f))
	s, err := s3store.OpenURL[storetest.Item](ctx, "s3://"+testBucket+"/tls/prefix?region=eu-west-1&endpoint="+f.srv.URL)
	if err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	defer s.Close()
	in := batch("ns", 0, 2000)
	if err := s.Save(ctx, in); err != nil {
		t.Fatalf("Save: %v", err)
	}
	expectLoad(t, s, "ns", in)

	body := bytes.Repeat([]byte("0123456789"), 500)
	got := putUnseekable(t, s3store.ClientOf(s), "tls/raw", body)
	if !bytes.Equal(got, body) {
		t.Fatalf("a %d-byte unseekable body read back as %d bytes", len(body), len(got))
	}

	// The same through the SDK's default configuration, which OpenURL
	// changes for an endpoint: logged, not required, since it depends on
	// the server.
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("eu-west-1"), awsconfig.WithLogger(logging.Nop{}))
	if err != nil {
		t.Fatal(err)
	}
	hc := cfg.HTTPClient.(*awshttp.BuildableClient).Freeze().(*http.Client)
	defer hc.CloseIdleConnections()
	cfg.HTTPClient = hc
	def := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(f.srv.URL); o.UsePathStyle = true })
	t.Logf("with the SDK's default checksums, %d bytes written read back as %d", len(body), len(putUnseekable(t, def, "tls/default", body)))
}

// putUnseekable writes body through a reader that cannot seek, with its
// length given, and returns what reads back.
func putUnseekable(t *testing.T, c *s3.Client, key string, body []byte) []byte {
	t.Helper()
	ctx := context.Background()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key),
		Body: io.MultiReader(bytes.NewReader(body)), ContentLength: aws.Int64(int64(len(body)))})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return got
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, false)
	// A CA bundle in the environment, as on machines that set one, with
	// plain HTTP: OpenURL must not trip over it.
	awsEnv(t, caBundleFor(t, newFakeS3(t, true)))
	good := "s3://" + testBucket + "/some/prefix/?endpoint=" + f.srv.URL
	s, err := s3store.OpenURL[storetest.Item](ctx, good)
	if err != nil {
		t.Fatalf("OpenURL(%q): %v", good, err)
	}
	if s.Bucket() != testBucket || s.Prefix() != "some/prefix/" {
		t.Errorf("bucket %q prefix %q, want %q and %q", s.Bucket(), s.Prefix(), testBucket, "some/prefix/")
	}
	if err := s.Save(ctx, batch("ns", 0, 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, batch("ns", 0, 3)); !errors.Is(err, unionstore.ErrClosed) {
		t.Fatalf("Save after Close = %v, want ErrClosed", err)
	}

	for _, tc := range []struct {
		url, want string
		is        error
	}{
		{"s3://missing-bucket/p?endpoint=" + f.srv.URL, `bucket "missing-bucket"`, s3store.ErrNoBucket},
		{"gs://b/p", `scheme "gs"`, nil},
		{"s3:///p?endpoint=" + f.srv.URL, "no bucket", nil},
		{"s3://b/p?endpoint=" + f.srv.URL + "&acl=private", `unknown URL parameter "acl"`, nil},
		{"s3://b/p?endpoint=ftp://host", `endpoint "ftp://host"`, nil},
		{"s3://user:secret@b/p", "user", nil},
		{"s3://" + testBucket + "/" + strings.Repeat("p", 1000) + "?endpoint=" + f.srv.URL, "prefix of 1001 bytes", nil},
	} {
		s, err := s3store.OpenURL[storetest.Item](ctx, tc.url)
		if err == nil {
			s.Close()
			t.Errorf("OpenURL(%q) succeeded, want an error", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) || strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenURL(%q) = %v, want an error with %q", tc.url, err, tc.want)
		}
	}
}

func TestCheckLimitsAtTheEdge(t *testing.T) {
	ctx := context.Background()
	f := newServer(t)
	s, _ := f.newStore(t)
	// The longest namespace: its escaped form, the prefix, a slash and a
	// segment name fill MaxKeyBytes exactly.
	room := s3store.MaxKeyBytes - len(s.Prefix()) - 1 - len("0123456789abcdef-0123456789abcdef.seg")
	emptyJSON := len(`{"kind":"k","id":"a","value":"","n":0}`)
	for _, tc := range []struct {
		name string
		c    unionstore.Change[storetest.Item]
		ok   bool
		is   error // what a refusal wraps beside ErrInvalidChange
	}{
		{"namespace at the key limit", item(strings.Repeat("n", room), "a", 1), true, nil},
		{"namespace one byte over", item(strings.Repeat("n", room+1), "a", 1), false, backend.ErrKeyTooLong},
		{"escaped namespace at the key limit", item(strings.Repeat("/", room/3)+strings.Repeat("n", room%3), "a", 1), true, nil},
		{"escaped namespace one byte over", item(strings.Repeat("/", room/3)+strings.Repeat("n", room%3+1), "a", 1), false, backend.ErrKeyTooLong},
		{"record at the limit", withValue(item("ns", "a", 0), s3store.MaxRecordBytes-len("k")-len("a")-emptyJSON), true, nil},
		{"record one byte over", withValue(item("ns", "a", 0), s3store.MaxRecordBytes-len("k")-len("a")-emptyJSON+1), false, backend.ErrPayloadTooLarge},
	} {
		in := unionstore.Changes[storetest.Item]{item("ns", "first", 1), tc.c}
		checkErr := s.Check(in)
		saveErr := s.Save(ctx, in)
		if tc.ok {
			if checkErr != nil || saveErr != nil {
				t.Errorf("%s: Check = %v, Save = %v, want both nil", tc.name, checkErr, saveErr)
			}
			continue
		}
		for op, err := range map[string]error{"Check": checkErr, "Save": saveErr} {
			if !errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, tc.is) || !strings.Contains(err.Error(), "change 1") {
				t.Errorf("%s: %s = %v, want ErrInvalidChange and %v naming change 1", tc.name, op, err, tc.is)
			}
		}
	}
	// Only the accepted batches were written: each wrote "ns" or its own
	// namespace, and "first" is in "ns".
	c, ok, err := s.Get(ctx, "ns", "k", "first")
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v, %v", describe(c), ok, err)
	}
}

func withValue(c unionstore.Change[storetest.Item], n int) unionstore.Change[storetest.Item] {
	c.Entity.Value = strings.Repeat("v", n)
	return c
}
