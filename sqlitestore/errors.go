package sqlitestore

import (
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/unionstore/unionstore/backend"
)

// Errors returned by [Open] and by the methods of [Store]. Compare with
// [errors.Is]: returned errors wrap them with the file and the operation
// that failed. Errors shared with other backends, such as
// [unionstore.ErrClosed] and [unionstore.ErrReadOnly], come from the core
// package.
var (
	// ErrNotStore is returned by Open for a file that is not a unionstore
	// SQLite file: a SQLite database that another program wrote (its
	// application id is not this package's, or it holds tables without
	// one), or a file that is not a SQLite database at all (then the error
	// wraps [ErrCorrupt] too). Open writes nothing into such a file.
	ErrNotStore = errors.New("sqlitestore: not a unionstore sqlite file")

	// ErrFormat is returned by Open for a unionstore file of a layout
	// version that this release does not know, written by a newer one.
	ErrFormat = errors.New("sqlitestore: unsupported file format version")

	// ErrCorrupt is wrapped by the error of any operation that met a
	// damaged file: SQLite's SQLITE_CORRUPT ("database disk image is
	// malformed") and SQLITE_NOTADB, a records table whose definition is
	// not the one this package writes, and a row whose columns do not hold
	// what the layout says. The error names the file. See the package doc
	// for what to do.
	ErrCorrupt = errors.New("sqlitestore: damaged file or record")

	// ErrKeyTooLong and ErrPayloadTooLarge are wrapped, with
	// [unionstore.ErrInvalidChange], by the error of a batch holding a
	// change beyond the store's limits (see the package doc). The batch is
	// refused whole.
	ErrKeyTooLong      = backend.ErrKeyTooLong
	ErrPayloadTooLarge = backend.ErrPayloadTooLarge
)

// classify makes err wrap [ErrCorrupt] when SQLite reported a damaged
// file, so that callers need not know SQLite's result codes.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrCorrupt) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		case sqlite3.SQLITE_ERROR:
			// A header whose schema format or file format versions
			// SQLite does not know: damaged, as no SQLite writes them.
			if strings.Contains(se.Error(), "unsupported file format") {
				return fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
		}
	}
	return err
}

// notADatabase makes err, met while Open reads a file's header, wrap
// [ErrNotStore] as well when SQLite said the file is no database at all.
func notADatabase(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB && !errors.Is(err, ErrNotStore) {
		return fmt.Errorf("%w: %w", ErrNotStore, err)
	}
	return err
}
