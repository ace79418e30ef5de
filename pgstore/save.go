package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
)

// columns holds a batch as one array per column, the shape the save
// statement unnests and the rows the copy sends.
type columns struct {
	namespace, kind, id, changeType []string
	ts                              []int64
	payload                         [][]byte
	bytes                           int      // of all payloads
	namespaces                      []string // distinct, for the watchers
}

// Save writes the batch in one transaction, whatever its size: the batch is
// compacted first (the latest change per identity, the later one on equal
// timestamps), then written so that no row is replaced by an older change.
// On equal timestamps the save that commits later wins.
//
// Save first inserts the batch as it is, by one statement that fails,
// writing nothing, on the first identity the table holds; it then upserts
// the batch, by one statement that replaces a row only with a change at
// least as new. The insert costs about half the upsert when the batch adds
// identities; when it fails it costs a round trip and the rows inserted
// before the conflict, and leaves a duplicate key error in the server's
// log, so after a failure Save upserts the next 1, then 2, 4 up to 64
// batches directly (see the package documentation, Writing).
//
// A batch of fewer than 5,000 identities whose payloads take less than
// 64 MB travels as one array per column, parameters of the statements. A
// larger batch is streamed with COPY, into the table for the insert, and
// into a temporary table, dropped at commit, which the upsert then reads:
// there is no limit on the size of a batch then, but the upsert needs the
// TEMPORARY privilege, which PostgreSQL grants to every role by default.
//
// Nothing is sent to the server when the batch fails
// [unionstore.Changes.Validate] (its timestamp range,
// [unionstore.MinTimestamp] to [unionstore.MaxTimestamp], is what the ts
// column holds) or what [Store.Check] checks: a key too large for the
// table's index ([MaxKeySize]), a payload larger than [MaxPayload], or an
// entity the codec cannot encode. The error wraps
// [unionstore.ErrInvalidChange] and names the change. Save returns
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() if
// ctx is done. If the connection fails or ctx ends during the save, the
// transaction is not committed, unless the commit itself was under way:
// either way the batch is wholly present or wholly absent.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("pgstore: save to %s: %w", s.name, err)
	}
	cols, err := s.prepare(changes)
	if err != nil {
		return fmt.Errorf("pgstore: save to %s: %w", s.name, err)
	}
	n := len(cols.id)
	if n == 0 {
		return nil
	}
	fed, err := s.fed(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: save %d changes to %s: %w", n, s.name, err)
	}
	arrays := n < copyThreshold && cols.bytes < copyBytes
	if s.inserts.try() {
		err = s.insert(ctx, &cols, arrays, fed)
		if !isUniqueViolation(err) {
			if err != nil {
				return fmt.Errorf("pgstore: save %d changes to %s: %w", n, s.name, s.wrapCtx(ctx, err))
			}
			s.inserts.succeeded()
			return nil
		}
		// The table holds one of the identities: nothing of the insert is
		// left, and the upsert writes the batch.
		s.inserts.failed()
	}
	switch {
	case arrays && fed:
		// One statement is a transaction of its own: no BEGIN and COMMIT,
		// two more round trips.
		_, err = s.pool.Exec(ctx, s.saveSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload, cols.namespaces)
	case arrays:
		_, err = s.pool.Exec(ctx, s.legacySaveSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload)
	default:
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return s.copyAndMerge(ctx, tx, &cols, fed) })
	}
	if err != nil {
		return fmt.Errorf("pgstore: save %d changes to %s: %w", n, s.name, s.wrapCtx(ctx, err))
	}
	return nil
}

// insert writes cols into the table by a plain insert, one statement and
// so one transaction: from the arrays, or by COPY into the table. It fails
// with a unique violation, writing nothing, if the table holds one of the
// identities, or comes to hold it from a save committed meanwhile: it never
// replaces a row, so it keeps the latest change as the upsert does.
//
// With the change feed (fed), the watchers are notified in the same
// transaction; the copy then takes a transaction of its own.
func (s *Store[E]) insert(ctx context.Context, cols *columns, arrays, fed bool) error {
	switch {
	case arrays && fed:
		_, err := s.pool.Exec(ctx, s.insertSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload, cols.namespaces)
		return err
	case arrays:
		_, err := s.pool.Exec(ctx, s.legacyInsertSQL, cols.namespace, cols.kind, cols.id, cols.changeType, cols.ts, cols.payload)
		return err
	case fed:
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, s.ident, batchColumns, &copySource{cols: cols}); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, s.notifySQL, cols.namespaces)
			return err
		})
	}
	_, err := s.pool.CopyFrom(ctx, s.ident, batchColumns, &copySource{cols: cols})
	return err
}

// copyAndMerge copies cols into the temporary table and merges it into the
// store's table, in tx.
func (s *Store[E]) copyAndMerge(ctx context.Context, tx pgx.Tx, cols *columns, fed bool) error {
	if _, err := tx.Exec(ctx, createBatchSQL); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, batchTable, batchColumns, &copySource{cols: cols}); err != nil {
		return err
	}
	if fed {
		_, err := tx.Exec(ctx, s.mergeSQL, cols.namespaces)
		return err
	}
	_, err := tx.Exec(ctx, s.legacyMergeSQL)
	return err
}

// Check reports, without writing or reaching the server, whether Save
// would accept the batch: nil, or the error Save would return for it, which
// wraps [unionstore.ErrInvalidChange] and names the first change at fault
// and the limit it exceeds. It refuses what Validate refuses; a change
// whose primary-key index entry ([KeySize]) is larger than [MaxKeySize]
// bytes; a payload larger than [MaxPayload]; and an entity the codec
// cannot encode. It does not check that the table exists or that the
// connection works.
//
// Check does what Save does before it sends the batch: it compacts the
// batch and encodes every change that would be stored, so it costs about
// what the codec does, a fraction of Save's cost. It does not modify or
// keep the batch, and is safe for concurrent use.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	if _, err := s.prepare(changes); err != nil {
		return fmt.Errorf("pgstore: check for %s: %w", s.name, err)
	}
	return nil
}

// prepare turns a batch into the columns Save sends: it validates the
// batch, checks its keys against the index's limit, stamps and compacts it,
// and encodes it, checking each payload's size. PostgreSQL refuses to
// update one row twice in one statement, hence the compaction; sorted by
// key, concurrent saves also lock rows in the same order.
func (s *Store[E]) prepare(changes unionstore.Changes[E]) (columns, error) {
	if err := changes.Validate(); err != nil {
		return columns{}, err
	}
	if err := checkKeys(changes); err != nil {
		return columns{}, err
	}
	if len(changes) == 0 {
		return columns{}, nil
	}
	return s.encode(unionstore.Compact(changes.Stamped()))
}

// copyThreshold is the size of a compacted batch from which Save copies it
// into a temporary table and merges that, instead of sending it as arrays
// to one statement. The copy costs more round trips and the creation of the
// table, about a millisecond in all, and saves about half a microsecond per
// change on the server: measured, it was slower than the arrays up to a few
// thousand changes and 10 to 15% faster at 10,000. Tests change it to run
// both paths.
var copyThreshold = 5000

// copyBytes is the size of the payloads of a batch from which Save copies
// it, whatever the number of changes: the arrays travel in one protocol
// message, which PostgreSQL limits to 1 GB, while the copy streams rows.
const copyBytes = 64 << 20

// batchTable is the temporary table a large batch is copied into. It lives
// in the session's own schema and is dropped when the transaction ends, so
// no state is left on the connection.
var batchTable = pgx.Identifier{"pg_temp", "unionstore_batch"}

var batchColumns = []string{"namespace", "kind", "id", "change_type", "ts", "payload"}

// createBatchSQL creates batchTable. Its key columns sort as the table's.
const createBatchSQL = `CREATE TEMPORARY TABLE pg_temp.unionstore_batch (
	namespace   text COLLATE "C",
	kind        text COLLATE "C",
	id          text COLLATE "C",
	change_type text,
	ts          bigint,
	payload     bytea
) ON COMMIT DROP`

// copySource hands the rows of cols to CopyFrom, which encodes each row's
// values before it asks for the next, so that one slice serves every row.
type copySource struct {
	cols *columns
	next int
	row  [6]any
}

func (r *copySource) Next() bool {
	r.next++
	return r.next <= len(r.cols.id)
}

func (r *copySource) Values() ([]any, error) {
	i, c := r.next-1, r.cols
	r.row = [6]any{c.namespace[i], c.kind[i], c.id[i], c.changeType[i], c.ts[i], c.payload[i]}
	return r.row[:], nil
}

func (r *copySource) Err() error { return nil }

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
		// The batch is sorted by key, so a namespace's changes are together.
		if i == 0 || cols.namespace[i] != cols.namespace[i-1] {
			cols.namespaces = append(cols.namespaces, cols.namespace[i])
		}
		cols.changeType[i] = string(c.ChangeType)
		cols.ts[i] = c.Timestamp.UnixNano()
		p, err := s.codec.Encode(c.Entity)
		if err != nil {
			return columns{}, fmt.Errorf("%w: namespace %s kind %s id %s: the codec cannot encode it: %w",
				unionstore.ErrInvalidChange, quoteShort(cols.namespace[i]), quoteShort(cols.kind[i]), quoteShort(cols.id[i]), err)
		}
		if len(p) > maxPayload {
			return columns{}, fmt.Errorf("%w: namespace %s kind %s id %s: its payload takes %d bytes, more than the %d PostgreSQL can hold",
				unionstore.ErrInvalidChange, quoteShort(cols.namespace[i]), quoteShort(cols.kind[i]), quoteShort(cols.id[i]), len(p), maxPayload)
		}
		if p == nil {
			p = []byte{} // the column is NOT NULL
		}
		cols.payload[i] = p
		cols.bytes += len(p)
	}
	return cols, nil
}
