package pgstore

import (
	"errors"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
)

// maxInsertBackoff is the most saves Save upserts directly after its
// plain inserts failed in a row.
const maxInsertBackoff = 64

// insertFirst decides whether Save first tries a plain insert of a batch,
// which is cheaper than the upsert but fails on the first identity the
// table holds. Each failure costs a statement's start, the rows inserted
// before the conflict, and a duplicate key error in the server's log; so
// after a failure Save upserts the next batches directly, 1, then 2, 4 up
// to [maxInsertBackoff] of them after failures in a row, and tries again
// after that. A success resets the backoff. A store whose saves overwrite
// stored identities thus tries, and fails, at most once in 65 saves, and
// one whose saves add identities takes the plain insert every time.
//
// It is a heuristic: concurrent saves may read and update it in any order,
// which changes only how often an insert is tried. It is safe for
// concurrent use; its zero value tries an insert first.
type insertFirst struct {
	skip    atomic.Int32 // saves left to upsert directly
	backoff atomic.Int32 // length of the last skip
}

// try reports whether the next save should try a plain insert first, and
// counts a skipped one down.
func (f *insertFirst) try() bool {
	for {
		n := f.skip.Load()
		if n <= 0 {
			return true
		}
		if f.skip.CompareAndSwap(n, n-1) {
			return false
		}
	}
}

// failed records a plain insert that met a stored identity.
func (f *insertFirst) failed() {
	b := min(max(2*f.backoff.Load(), 1), maxInsertBackoff)
	f.backoff.Store(b)
	f.skip.Store(b)
}

// succeeded records a plain insert that wrote its batch.
func (f *insertFirst) succeeded() {
	if f.backoff.Load() != 0 {
		f.backoff.Store(0)
	}
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation,
// which a plain insert returns when the table holds one of its identities,
// committed or committed meanwhile by a concurrent save.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
