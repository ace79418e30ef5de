package s3store

import "errors"

// Errors of this package. Compare with [errors.Is]: returned errors wrap
// them with the operation and the object that failed.
var (
	// ErrCorrupt is wrapped by the error for a segment object that is not a
	// well-formed segment: a wrong magic or version, a checksum mismatch, a
	// truncated object, records out of order, an index that disagrees with
	// the blocks. The error names the object.
	ErrCorrupt = errors.New("corrupt segment")

	// ErrNoBucket is wrapped by the error of a constructor given a bucket
	// that does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
)
