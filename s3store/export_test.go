package s3store

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
)

// ClientOf returns the client of s, for tests that look at its objects.
func ClientOf[E unionstore.Entity](s *Store[E]) *s3.Client { return s.client }

// CrashAfterCompactWrite makes the compactions of s stop with err once they
// have written their merged segment, before they delete its inputs.
func CrashAfterCompactWrite[E unionstore.Entity](s *Store[E], err error) {
	s.afterCompactWrite = func() error { return err }
}
