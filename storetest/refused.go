package storetest

import (
	"io"
	"strings"
	"testing"
)

// Refusal is what the error of an opener that refuses must say: see
// [WantRefused].
type Refusal struct {
	// Prefix begins the error, such as "mysqlstore: open": the package and
	// the operation that refused.
	Prefix string
	// Want is a part of the error that names the reason, such as
	// "no host".
	Want string
	// Secret must not stand in the error, such as the password of the URL
	// opened; "" checks nothing.
	Secret string
}

// WantRefused checks the result of an opener that must refuse, such as a
// backend's OpenURL given a URL or an option it rejects: err must begin
// with r.Prefix, contain r.Want and not show r.Secret. what names the call
// in the messages, such as `OpenURL("mysql:///test")`. When the opener
// succeeded, WantRefused closes c and fails tb, stopping it; otherwise
// each check that does not hold fails tb without stopping it.
func WantRefused(tb testing.TB, what string, c io.Closer, err error, r Refusal) {
	tb.Helper()
	if err == nil {
		if c != nil {
			_ = c.Close()
		}
		tb.Fatalf("%s succeeded, want an error containing %q", what, r.Want)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, r.Prefix) || !strings.Contains(msg, r.Want) {
		tb.Errorf("%s = %v, want an error beginning %s and containing %q", what, err, r.Prefix, r.Want)
	}
	if r.Secret != "" && strings.Contains(err.Error(), r.Secret) {
		tb.Errorf("%s = %v, which shows the secret %q", what, err, r.Secret)
	}
}
