package pgstore

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
)

// The range of times an int64 of Unix nanoseconds can hold.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// columns holds a batch as one array per column, the shape the save
// statement unnests.
type columns struct {
	namespace, kind, id, changeType []string
	ts                              []int64
	payload                         [][]byte
}

// Save writes the batch in one transaction with one statement, whatever its
// size: the batch is compacted first (the latest change per identity, the
// later one on equal timestamps), then upserted so that no row is replaced
// by an older change. On equal timestamps the save that commits later wins.
// Each column travels as one array, which PostgreSQL limits to 1 GB: a
// batch larger than that fails whole and should be split by the caller.
//
// Nothing is written, and the error says which change is at fault, when the
// batch fails [unionstore.Changes.Validate], when a namespace, kind or id
// holds a NUL byte or invalid UTF-8 (PostgreSQL text cannot hold them; these
// errors wrap [unionstore.ErrInvalidChange] too), when a timestamp lies
// outside the years 1678 to 2262 (an int64 of nanoseconds), or when the codec
// fails. It returns [unionstore.ErrClosed] after Close and an error wrapping
// ctx.Err() if ctx is done. If the connection fails or ctx ends during the
// save, the transaction is not committed, unless the commit itself was under
// way: either way the batch is wholly present or wholly absent.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("pgstore: save to %s: %w", s.name, err)
	}
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("pgstore: save to %s: %w", s.name, err)
	}
	if len(changes) == 0 {
		return nil
	}
	changes = changes.Stamped()
	for i := range changes {
		if err := checkChange(&changes[i]); err != nil {
			return fmt.Errorf("pgstore: save to %s: %w: change %d: %v", s.name, unionstore.ErrInvalidChange, i, err)
		}
	}
	// PostgreSQL refuses to update one row twice in one statement.
	changes = unionstore.Compact(changes)
	cols, err := s.encode(changes)
	if err != nil {
		return fmt.Errorf("pgstore: save to %s: %w", s.name, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, s.saveSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: save %d changes to %s: %w", len(changes), s.name, s.wrapCtx(ctx, err))
	}
	return nil
}

// checkChange refuses what PostgreSQL or the ts column cannot hold.
func checkChange[E unionstore.Entity](c *unionstore.Change[E]) error {
	ns, kind, id := c.Key()
	for _, f := range [...]struct{ name, value string }{{"namespace", ns}, {"kind", kind}, {"id", id}} {
		if strings.IndexByte(f.value, 0) >= 0 {
			return fmt.Errorf("%s %q holds a NUL byte, which PostgreSQL text cannot store", f.name, f.value)
		}
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%s %q is not valid UTF-8, which PostgreSQL text cannot store", f.name, f.value)
		}
	}
	if c.Timestamp.Before(minTime) || c.Timestamp.After(maxTime) {
		return fmt.Errorf("timestamp %v is outside the range of Unix nanoseconds in an int64", c.Timestamp)
	}
	return nil
}

// encode turns a compacted batch into columns.
func (s *Store[E]) encode(changes unionstore.Changes[E]) (columns, error) {
	n := len(changes)
	cols := columns{
		namespace:  make([]string, n),
		kind:       make([]string, n),
		id:         make([]string, n),
		changeType: make([]string, n),
		ts:         make([]int64, n),
		payload:    make([][]byte, n),
	}
	for i := range changes {
		c := &changes[i]
		cols.namespace[i], cols.kind[i], cols.id[i] = c.Key()
		cols.changeType[i] = string(c.ChangeType)
		cols.ts[i] = c.Timestamp.UnixNano()
		p, err := s.codec.Encode(c.Entity)
		if err != nil {
			return columns{}, fmt.Errorf("encode namespace %q kind %q id %q: %w", cols.namespace[i], cols.kind[i], cols.id[i], err)
		}
		if p == nil {
			p = []byte{} // the column is NOT NULL
		}
		cols.payload[i] = p
	}
	return cols, nil
}
