package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// upsert ends Put's statements. A row is replaced only by a change whose
// timestamp is not older: the server itself keeps last-write-wins, however
// many clients write, and on equal timestamps the statement that runs
// later wins. MySQL assigns left to right and the later assignments see
// the earlier ones' values, so ts is assigned last and every condition
// compares with the stored timestamp. (With >= the outcome would be the
// same with ts first, since the condition still holds of the new
// timestamp; with a strict comparison it would not, and TestUpsert tells.)
// VALUES() is used rather than the row alias of MySQL 8.0.19, which
// MariaDB lacks.
//
// A row replaced takes the batch's revision; a row kept keeps its own.
const upsert = ` ON DUPLICATE KEY UPDATE
change_type = IF(VALUES(ts) >= ts, VALUES(change_type), change_type),
payload = IF(VALUES(ts) >= ts, VALUES(payload), payload),
rev = IF(VALUES(ts) >= ts, VALUES(rev), rev),
ts = IF(VALUES(ts) >= ts, VALUES(ts), ts)`

// maxRows is the most rows of one statement: a prepared statement takes at
// most 65,535 parameters, seven a row.
const maxRows = 65535 / 7

// rowOverhead bounds what a row adds to a statement besides its escaped
// keys and payload: quotes, the _binary introducers, the change type, the
// timestamp's digits, commas and parentheses.
const rowOverhead = 64

// maxAttempts is how many times Put tries a batch that a deadlock rolled
// back.
const maxAttempts = 8

// Change types as statement arguments, boxed once.
var (
	setArg   any = string(unionstore.ChangeTypeSet)
	unsetArg any = string(unionstore.ChangeTypeUnset)
)

// Put writes records with multi-row upserts, each under the server's
// max_allowed_packet and its limit of parameters, in one transaction that
// first takes a revision of its namespace for each record (see
// takeRevisions), so a batch is applied whole or not at all. A batch rolled back by a deadlock, which
// concurrent writes of the same rows can cause in InnoDB, is tried again,
// up to maxAttempts times; trying it again is safe, as each row keeps the
// change with the latest timestamp. A lock wait timeout is returned: the
// wait was already long.
func (d *driver) Put(ctx context.Context, recs []backend.Record) error {
	stmts := d.statements(recs)
	for attempt := 1; ; attempt++ {
		err := d.put(ctx, recs, stmts)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		// Back off, with jitter, so that the writers that deadlocked do
		// not meet again at once.
		wait := time.Duration(1<<attempt)*time.Millisecond + rand.N(time.Duration(1<<attempt)*time.Millisecond)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w, then %w", err, ctx.Err())
		case <-t.C:
		}
	}
}

// statement is one statement of a batch and its arguments.
type statement struct {
	query string
	args  []any
	// prepare says to send the statement prepared, its arguments apart:
	// escaped into its text, as a pool with interpolateParams=true does,
	// it would exceed the server's max_allowed_packet, and the driver
	// would send it anyway unless its DSN gives it the server's packet.
	prepare bool
}

// statements splits recs into upserts whose text, with every argument
// escaped, fits in the server's max_allowed_packet.
func (d *driver) statements(recs []backend.Record) []statement {
	budget := d.packet - payloadHeadroom
	var out []statement
	for len(recs) > 0 {
		n, size := 0, 0
		for n < len(recs) && n < maxRows {
			r := &recs[n]
			// Escaping at most doubles a value.
			s := 2*(len(r.Namespace)+len(r.Kind)+len(r.ID)+len(r.Payload)) + rowOverhead
			if n > 0 && size+s > budget {
				break
			}
			size += s
			n++
		}
		out = append(out, statement{query: valuesSQL(d.insert, n) + d.upsert, args: rowArgs(recs[:n]), prepare: size > budget})
		recs = recs[n:]
	}
	return out
}

// valuesSQL returns head followed by n rows of placeholders.
func valuesSQL(head string, n int) string {
	const values = "(?, ?, ?, ?, ?, ?, ?)"
	var b strings.Builder
	b.Grow(len(head) + n*(len(values)+2) + len(upsert))
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(values)
	}
	return b.String()
}

// rowArgs returns the arguments of recs, seven a row. Keys are sent as
// bytes, so that the server stores them as they are, whatever the
// connection's character set. The last of a row, its revision, is 0 until
// Put takes the revisions: see setRevisions.
func rowArgs(recs []backend.Record) []any {
	args := make([]any, 0, 7*len(recs))
	for i := range recs {
		r := &recs[i]
		ct := setArg
		if r.Unset() {
			ct = unsetArg
		}
		args = append(args, []byte(r.Namespace), []byte(r.Kind), []byte(r.ID), ct, r.Timestamp, r.Payload, int64(0))
	}
	return args
}

// put runs stmts, the statements of recs, once, in one transaction that
// takes the records' revisions first.
func (d *driver) put(ctx context.Context, recs []backend.Record, stmts []statement) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	revs, err := d.takeRevisions(ctx, tx, recs)
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	setRevisions(stmts, revs)
	for i, st := range stmts {
		if err := st.exec(ctx, tx); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("statement %d of %d: %w", i+1, len(stmts), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	d.feed.Notify()
	return nil
}

// takeRevisions takes a revision of its namespace for each record, one
// statement for each run of records of one namespace (the layer sorts a
// batch by namespace), and returns them.
//
// The statement locks the namespace's row of the feed table until the
// transaction ends, so writers of a namespace take their revisions one
// after the other, each once the one before has committed: revisions
// become visible in their order, and a watcher that has read up to
// revision r never meets a revision below r committed later. (An
// AUTO_INCREMENT column would not do: its values are taken without a
// lock held to the commit, and commit out of order.) A batch of several
// namespaces locks their rows in the batch's order, the same for every
// writer.
func (d *driver) takeRevisions(ctx context.Context, tx *sql.Tx, recs []backend.Record) ([]int64, error) {
	revs := make([]int64, len(recs))
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].Namespace == recs[i].Namespace {
			j++
		}
		res, err := tx.ExecContext(ctx, d.takeSQL, []byte(recs[i].Namespace), j-i)
		if err != nil {
			return nil, fmt.Errorf("take revisions of namespace %q: %w", recs[i].Namespace, err)
		}
		last, err := res.LastInsertId()
		if err != nil {
			return nil, fmt.Errorf("take revisions of namespace %q: %w", recs[i].Namespace, err)
		}
		for k := i; k < j; k++ {
			revs[k] = last - int64(j-k) + 1
		}
		i = j
	}
	return revs, nil
}

// setRevisions sets the revision argument of each row of stmts, which
// hold the records of revs in order.
func setRevisions(stmts []statement, revs []int64) {
	for _, st := range stmts {
		for r := 6; r < len(st.args); r += 7 {
			st.args[r] = revs[0]
			revs = revs[1:]
		}
	}
}

// execer is a pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// exec runs the statement on ex.
func (st statement) exec(ctx context.Context, ex execer) error {
	if !st.prepare {
		_, err := ex.ExecContext(ctx, st.query, st.args...)
		return err
	}
	ps, err := ex.PrepareContext(ctx, st.query)
	if err != nil {
		return err
	}
	_, err = ps.ExecContext(ctx, st.args...)
	if cerr := ps.Close(); err == nil {
		err = cerr
	}
	return err
}

// retryable reports whether err is a deadlock (ER_LOCK_DEADLOCK), after
// which InnoDB has rolled the whole transaction back and the batch may be
// tried again.
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
