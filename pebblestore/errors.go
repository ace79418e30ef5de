package pebblestore

import "errors"

// Errors returned by [Open] and by the methods of [Store]. Compare with
// [errors.Is]: returned errors wrap them with the directory and the place
// that failed. Errors shared with other backends, such as
// [unionstore.ErrClosed], come from the core package.
var (
	// ErrLocked is returned by Open when another process, or another
	// open Store of this process, holds the directory and the lock
	// timeout ran out. Close the other program, or work through it.
	ErrLocked = errors.New("pebblestore: directory is locked by another process")

	// ErrNotStore is returned by Open for a path that is not a unionstore
	// pebble directory: a file, a non-empty directory without a pebble
	// database, a pebble database that some other program wrote, or a
	// damaged one (then with [ErrCorrupt] too, where the damage is
	// certain; see the package doc's section on damaged directories).
	ErrNotStore = errors.New("pebblestore: not a unionstore pebble directory")

	// ErrFormat is returned by Open for a unionstore directory written in
	// a layout version that this package does not know, by a newer
	// release.
	ErrFormat = errors.New("pebblestore: unsupported layout version")

	// ErrTooLarge is wrapped, together with [unionstore.ErrInvalidChange],
	// by the error for a change whose key exceeds [MaxKeySize], or a batch
	// whose encoding exceeds pebble's batch limit. The batch is rejected
	// whole.
	ErrTooLarge = errors.New("pebblestore: too large")

	// ErrCorrupt is wrapped by the error of every operation on a store
	// in which pebble met damage (a table block that fails its checksum,
	// a fatal error or a panic of pebble), from then until Close; by the
	// error of Open for a directory damaged beyond use; and by the
	// [unionstore.DecodeError] of every read for a stored record whose key
	// or value does not follow the layout.
	ErrCorrupt = errors.New("pebblestore: damaged directory or record")
)
