package boltstore

import "errors"

// Errors returned by [Open] and by the methods of [Store]. Compare with
// [errors.Is]: returned errors wrap them with the file and the place that
// failed. Errors shared with other backends, such as
// [unionstore.ErrClosed], come from the core package.
var (
	// ErrLocked is returned by Open when another process holds the file
	// and the lock timeout ran out. Close the other program, or open the
	// file from it.
	ErrLocked = errors.New("boltstore: file is locked by another process")

	// ErrNotStore is returned by Open for a file that is not a bolt
	// database, is damaged, or is a bolt database that some other program
	// wrote (it has buckets but no unionstore metadata).
	ErrNotStore = errors.New("boltstore: not a unionstore bolt file")

	// ErrFormat is returned by Open for a unionstore file written in a
	// layout version that this package does not know, by a newer release.
	ErrFormat = errors.New("boltstore: unsupported file format version")

	// ErrKeyTooLong is wrapped, together with [unionstore.ErrInvalidChange],
	// by the error for a change whose namespace, or whose encoded kind and
	// id, exceed bbolt's key limit of 32768 bytes. The batch is rejected
	// whole.
	ErrKeyTooLong = errors.New("boltstore: key too long")

	// ErrValueTooLarge is wrapped, together with
	// [unionstore.ErrInvalidChange], by the error for a change whose stored
	// record would exceed [MaxRecordSize]. The batch is rejected whole.
	ErrValueTooLarge = errors.New("boltstore: record too large")

	// ErrCorrupt is wrapped by the [unionstore.DecodeError] for a stored
	// record whose key or value does not follow the file layout, and by the
	// error of any operation that met a damaged file: a file shorter than
	// its metadata says (at Open), or a page that bbolt cannot read. Such
	// an error names the file. The file needs repair: see the package doc.
	ErrCorrupt = errors.New("boltstore: damaged file or record")
)
