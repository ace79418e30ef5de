package s3store

import (
	"io"
	"net/http"
	"sync/atomic"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// ownedClient returns an HTTP client made from sdk, the SDK's client as it
// resolved it for S3, and the function that releases the client's
// connections, for a store that owns its client.
//
// The client keeps what the SDK resolved: the transport's settings (CA
// bundle, proxy, dial and TLS timeouts, pool sizes, HTTP/2), the overall
// timeout and the redirect policy, which follows only 307 and 308. Only the
// transport differs: it is one of ours, since the client the SDK builds
// wraps its transport in a type without CloseIdleConnections
// (aws-sdk-go-v2 1.48), so that the idle connections of that client can
// never be closed. The SDK sets no read timeout for S3, so there is none
// to carry over.
func ownedClient(sdk *awshttp.BuildableClient) (*http.Client, func()) {
	tr := &ownedTransport{tr: sdk.GetTransport()}
	c := &http.Client{Transport: tr, Timeout: sdk.GetTimeout(), CheckRedirect: noRedirects}
	if built, ok := sdk.Freeze().(*http.Client); ok && built.CheckRedirect != nil {
		c.CheckRedirect = built.CheckRedirect
	}
	return c, tr.release
}

// noRedirects is the redirect policy where the SDK's cannot be had: S3's
// redirects carry an error that the SDK reports.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ownedTransport is the transport of a client that a store owns. Once
// released it also closes the connections that requests in flight at the
// time give back later, when their responses have been read, so that
// nothing stays open after [Store.Close] returns and those requests end.
type ownedTransport struct {
	tr       *http.Transport
	released atomic.Bool
}

func (t *ownedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.tr.RoundTrip(req)
	// A response without a body gave its connection back already.
	t.closeIdleIfReleased()
	if resp != nil && resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &ownedBody{ReadCloser: resp.Body, t: t}
	}
	return resp, err
}

// CloseIdleConnections closes the transport's idle connections, as
// [http.Client.CloseIdleConnections] expects of a transport.
func (t *ownedTransport) CloseIdleConnections() { t.tr.CloseIdleConnections() }

// release closes the idle connections, and from then on every connection
// given back.
func (t *ownedTransport) release() {
	t.released.Store(true)
	t.tr.CloseIdleConnections()
}

func (t *ownedTransport) closeIdleIfReleased() {
	if t.released.Load() {
		t.tr.CloseIdleConnections()
	}
}

// ownedBody is a response body that, once closed, closes the connection it
// gave back if the transport was released meanwhile.
type ownedBody struct {
	io.ReadCloser
	t *ownedTransport
}

func (b *ownedBody) Close() error {
	err := b.ReadCloser.Close()
	b.t.closeIdleIfReleased()
	return err
}
