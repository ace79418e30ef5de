package storetest

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/unionstore/unionstore"
)

// Rows is what [PollRevisions] reads of a query's result; *sql.Rows is
// one.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close() error
}

// RevisionFeed is the revision counter and wake-up of a SQL engine's feed,
// as a backend's driver keeps them; backend.Revisions is one.
type RevisionFeed interface {
	Parse(pos string) (int64, error)
	Waiter() <-chan struct{}
	Wait(ctx context.Context, wake <-chan struct{}) error
}

// PollRevisions is the raw feed of a SQL engine that numbers each
// namespace's changes, the ceiling of its Watch: from the revision of the
// cursor after, it reads pages of query's rows, each of head, floor, kind,
// id, change type, timestamp, payload and revision, and hands arrive the
// id of each row that has a revision, without making a record or decoding
// it; the id is valid only during the call. After a page shorter than
// page it waits for feed's next wake-up, taken before the query. It
// returns the first error of the cursor, the query, a row or the wait,
// the last of which is ctx's error once ctx ends.
func PollRevisions(ctx context.Context, feed RevisionFeed, after unionstore.Cursor, page int, query func(ctx context.Context, pos int64) (Rows, error), arrive func(id []byte)) error {
	pos, err := feed.Parse(string(after))
	if err != nil {
		return err
	}
	for {
		wake := feed.Waiter()
		rows, err := query(ctx, pos)
		if err != nil {
			return err
		}
		n := 0
		var head, floor, kind, id, ct, ts, payload, rev sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&head, &floor, &kind, &id, &ct, &ts, &payload, &rev); err != nil {
				rows.Close()
				return err
			}
			if rev == nil {
				continue
			}
			if pos, err = strconv.ParseInt(string(rev), 10, 64); err != nil {
				rows.Close()
				return err
			}
			arrive(id)
			n++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if n < page {
			if err := feed.Wait(ctx, wake); err != nil {
				return err
			}
		}
	}
}
