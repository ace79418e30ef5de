package s3store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
)

// ClientOf returns the client of s, for tests that look at its objects.
func ClientOf[E unionstore.Entity](s *Store[E]) *s3.Client { return s.d.client }

// CrashAfterCompactWrite makes the compactions of s stop with err once they
// have written their merged segment, before they delete its inputs.
func CrashAfterCompactWrite[E unionstore.Entity](s *Store[E], err error) {
	s.d.afterCompactWrite = func() error { return err }
}

// CursorAt returns the cursor of a watch of namespace whose floor is at,
// as a watcher whose clock runs ahead would hold, with no purge accounted
// for.
func CursorAt[E unionstore.Entity](s *Store[E], namespace string, at time.Time) unionstore.Cursor {
	return unionstore.Cursor(s.d.cursor(namespace, at.UnixNano(), 0))
}

// LoadSize returns the hint the driver of s gives a Load of namespace.
func LoadSize[E unionstore.Entity](s *Store[E], namespace string) int {
	return s.d.LoadSize(namespace)
}

// MaxLoadSizes is how many namespaces' load sizes a store keeps.
const MaxLoadSizes = maxLoadSizes
