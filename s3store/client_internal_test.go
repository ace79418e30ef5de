package s3store

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestOwnedClientKeepsTheSDKsSettings checks that the client of a store
// that OpenURL makes behaves as the SDK's own would: the transport's
// settings, and redirects followed only when they keep the method.
func TestOwnedClientKeepsTheSDKsSettings(t *testing.T) {
	var sdk *awshttp.BuildableClient
	s3.New(s3.Options{Region: "us-east-1"}, func(o *s3.Options) { sdk = o.HTTPClient.(*awshttp.BuildableClient) })
	if d, ok := sdk.GetReadTimeout(); ok && d > 0 {
		t.Fatalf("the SDK resolves a read timeout of %v for S3, which ownedClient does not carry over", d)
	}
	c, release := ownedClient(sdk)
	defer release()
	got, want := c.Transport.(*ownedTransport).tr, sdk.GetTransport()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"MaxIdleConns", got.MaxIdleConns, want.MaxIdleConns},
		{"MaxIdleConnsPerHost", got.MaxIdleConnsPerHost, want.MaxIdleConnsPerHost},
		{"MaxConnsPerHost", got.MaxConnsPerHost, want.MaxConnsPerHost},
		{"IdleConnTimeout", got.IdleConnTimeout, want.IdleConnTimeout},
		{"TLSHandshakeTimeout", got.TLSHandshakeTimeout, want.TLSHandshakeTimeout},
		{"ExpectContinueTimeout", got.ExpectContinueTimeout, want.ExpectContinueTimeout},
		{"ForceAttemptHTTP2", got.ForceAttemptHTTP2, want.ForceAttemptHTTP2},
		{"TLS MinVersion", got.TLSClientConfig.MinVersion, want.TLSClientConfig.MinVersion},
		{"client Timeout", c.Timeout, sdk.GetTimeout()},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want the SDK's %v", tc.name, tc.got, tc.want)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) {})
	for _, code := range []int{301, 302, 307, 308} {
		mux.HandleFunc(fmt.Sprint("/", code), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/target", code)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer c.CloseIdleConnections()
	for _, tc := range []struct {
		code, want int
	}{{301, 301}, {302, 302}, {307, 200}, {308, 200}} {
		resp, err := c.Post(fmt.Sprint(srv.URL, "/", tc.code), "text/plain", http.NoBody)
		if err != nil {
			t.Fatalf("POST answered %d: %v", tc.code, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("POST answered %d ends in %d, want %d", tc.code, resp.StatusCode, tc.want)
		}
	}
}
