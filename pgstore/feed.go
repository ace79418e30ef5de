package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// PollInterval is how often a watch reads its namespace when no
// notification woke it: a notification lost with a connection, or a
// transaction that was not a Save holding the horizon back, delays an
// event by at most about this long.
const PollInterval = time.Second

// The states of Store.feed.
const (
	feedUnknown int32 = iota // not looked up yet
	feedOff                  // a table made before the change feed, or without it
	feedOn
)

// errNoFeed is the error of a watch of a table made before the change
// feed, or WithoutChangeFeed, which CreateSchema migrates.
var errNoFeed = fmt.Errorf("the table has no change feed (columns xid and rev, their index and the table %s): "+
	"migrate it with Store.CreateSchema, or by opening the store with WithCreateSchema, without WithoutChangeFeed: %w", PurgesTable, errors.ErrUnsupported)

// recheckFeed is how long a store that found its table without the change
// feed's columns writes as before until it looks again.
const recheckFeed = 10 * time.Second

// fed reports whether the table has the change feed's columns, looking it
// up once, or again every recheckFeed while it has not.
func (d *driver) fed(ctx context.Context) (bool, error) {
	switch d.feed.Load() {
	case feedOn:
		return true, nil
	case feedOff:
		if time.Since(time.Unix(0, d.feedChecked.Load())) < recheckFeed {
			return false, nil
		}
	}
	var exists, fed bool
	if err := d.pool.QueryRow(ctx, schemaStateSQL, d.name, d.feedIndex, d.purges).Scan(&exists, &fed); err != nil {
		return false, fmt.Errorf("look up the table's columns: %w", err)
	}
	if !exists {
		return true, nil // the statements report the missing table; look again next time
	}
	if fed {
		d.feed.Store(feedOn)
	} else {
		d.markUnfed()
	}
	return fed, nil
}

// markUnfed records that the table was found without the change feed's
// columns, to look again after recheckFeed.
func (d *driver) markUnfed() {
	d.feedChecked.Store(time.Now().UnixNano())
	d.feed.Store(feedOff)
}

// feedStatements sets the change feed's statements of the store.
func (d *driver) feedStatements() {
	table := literal(d.name)
	d.notifySQL = notifySQL(d.name, "$1")
	// The horizon, the table's oid and the namespace's purges, read in one
	// snapshot.
	head := fmt.Sprintf(`SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon, h.oid, coalesce(m.gen, 0) AS gen,
	coalesce(m.purge_gen, 0) AS purge_gen, coalesce(m.tomb_xid, '0') AS tomb_xid, coalesce(m.tomb_rev, 0) AS tomb_rev
FROM (SELECT %s::regclass::oid AS oid) h
LEFT JOIN %s m ON m.tbl = h.oid AND m.namespace = $1`, table, d.purges)
	d.headSQL = head
	// One page of the feed, in the snapshot of the head: the rows after
	// the cursor ($2, $3) written by transactions below the horizon, in
	// the order of (xid, rev), which the index holds.
	d.feedSQL = fmt.Sprintf(`SELECT h.horizon, h.oid, h.gen, h.purge_gen, h.tomb_xid, h.tomb_rev,
	t.kind, t.id, t.change_type, t.ts, t.payload, t.xid, t.rev
FROM (%s) h
LEFT JOIN LATERAL (
	SELECT kind, id, change_type, ts, payload, xid, rev FROM %s
	WHERE namespace = $1 AND (xid, rev) > ($2::xid8, $3::bigint) AND xid < h.horizon
	ORDER BY xid, rev LIMIT $4
) t ON true`, head, d.name)
	// A purge counts as a generation of its own, in the transaction of
	// the delete.
	d.purgeSQL = fmt.Sprintf(`WITH d AS (DELETE FROM %s WHERE namespace = $1)
INSERT INTO %s AS m (tbl, namespace, gen, purge_gen, tomb_xid, tomb_rev)
VALUES (%s::regclass::oid, $1, 1, 1, '0', 0)
ON CONFLICT (tbl, namespace) DO UPDATE SET gen = m.gen + 1, purge_gen = m.gen + 1`, d.name, d.purges, table)
	// A purge of tombstones counts as a generation too, when it removes
	// any, and keeps the greatest position of the tombstones removed.
	d.purgeTombstonesSQL = fmt.Sprintf(`WITH d AS (
	DELETE FROM %s WHERE namespace = $1 AND change_type = 'unset' AND ts <= $2 RETURNING xid, rev
), top AS (
	SELECT xid, rev FROM d ORDER BY xid DESC, rev DESC LIMIT 1
), m AS (
	INSERT INTO %s AS m (tbl, namespace, gen, purge_gen, tomb_xid, tomb_rev)
	SELECT %s::regclass::oid, $1, 1, 0, xid, rev FROM top
	ON CONFLICT (tbl, namespace) DO UPDATE SET gen = m.gen + 1,
		tomb_xid = CASE WHEN (excluded.tomb_xid, excluded.tomb_rev) > (m.tomb_xid, m.tomb_rev) THEN excluded.tomb_xid ELSE m.tomb_xid END,
		tomb_rev = CASE WHEN (excluded.tomb_xid, excluded.tomb_rev) > (m.tomb_xid, m.tomb_rev) THEN excluded.tomb_rev ELSE m.tomb_rev END
)
SELECT count(*) FROM d`, d.name, d.purges, table)
}

// position is a point in a namespace's feed: every row version whose
// (xid, rev) is at most (xid, rev) was delivered, or replaced by one that
// comes after; gen is the number of purges of the namespace accounted
// for, and table the oid of the table, so that a cursor of another table
// is refused. A position is the same text whichever store of the table
// made it.
type position struct {
	table uint32
	space uint32 // a hash of the namespace, so that a cursor of another is refused
	gen   int64
	xid   uint64
	rev   int64
}

// String returns the position's text, which users hold as a
// [unionstore.Cursor]: "pg1", then the table, the namespace's hash in
// hexadecimal, the generation, the xid and the rev, separated by dots.
func (p position) String() string {
	return fmt.Sprintf("pg1.%d.%x.%d.%d.%d", p.table, p.space, p.gen, p.xid, p.rev)
}

func (p position) after(xid uint64, rev int64) bool {
	return xid > p.xid || xid == p.xid && rev > p.rev
}

// spaceHash returns the hash of namespace that its positions carry.
func spaceHash(namespace string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(namespace))
	return h.Sum32()
}

// parsePosition returns the position c names in namespace, or an error
// wrapping unionstore.ErrCursorExpired when it is not one of a pgstore
// for that namespace.
func parsePosition(c, namespace string) (position, error) {
	f := strings.Split(c, ".")
	bad := fmt.Errorf("%w: %q is not a cursor of a pgstore", unionstore.ErrCursorExpired, c)
	if len(f) != 6 || f[0] != "pg1" {
		return position{}, bad
	}
	table, err1 := strconv.ParseUint(f[1], 10, 32)
	space, err2 := strconv.ParseUint(f[2], 16, 32)
	gen, err3 := strconv.ParseInt(f[3], 10, 64)
	xid, err4 := strconv.ParseUint(f[4], 10, 64)
	rev, err5 := strconv.ParseInt(f[5], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return position{}, bad
	}
	if uint32(space) != spaceHash(namespace) {
		return position{}, fmt.Errorf("%w: %q is a cursor of another namespace", unionstore.ErrCursorExpired, c)
	}
	return position{table: uint32(table), space: uint32(space), gen: gen, xid: xid, rev: rev}, nil
}

// head is what the feed's statements read before the rows.
type head struct {
	horizon  uint64 // pg_snapshot_xmin: every transaction below it ended
	table    uint32
	gen      int64
	purgeGen int64
	tombXID  uint64
	tombRev  int64
}

// check returns p brought to h's generation, or an error wrapping
// unionstore.ErrCursorExpired when a purge since p could hide a removal
// from its watcher.
//
// A purge after p's generation removed rows p's watcher may have been
// given: it never learns of the removal, so p expires. A purge of
// tombstones removes only those at or before the greatest position it
// recorded: p, past all of them, was given each, and stays good.
func (h head) check(p position) (position, error) {
	switch {
	case h.table != p.table:
		return p, fmt.Errorf("%w: the cursor is of another table", unionstore.ErrCursorExpired)
	case h.gen < p.gen:
		return p, fmt.Errorf("%w: the cursor is of purge %d, and the namespace had %d", unionstore.ErrCursorExpired, p.gen, h.gen)
	case h.purgeGen > p.gen:
		return p, fmt.Errorf("%w: the namespace was purged after the cursor", unionstore.ErrCursorExpired)
	case p.after(h.tombXID, h.tombRev):
		return p, fmt.Errorf("%w: tombstones after the cursor were purged", unionstore.ErrCursorExpired)
	}
	p.gen = h.gen
	return p, nil
}

// Snapshot reads the horizon and the purges of the namespace first, then
// loads it: the changes committed between the two come again from Watch,
// which is harmless. A table made before the change feed that was not
// migrated gives an error wrapping [errors.ErrUnsupported].
func (d *driver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	p, err := d.now(ctx, namespace)
	if err != nil {
		return nil, "", err
	}
	recs, err := d.load(ctx, namespace)
	if err != nil {
		return nil, "", err
	}
	return recs, p.String(), nil
}

// now returns the position of the namespace's present: the horizon, and
// the purges so far.
func (d *driver) now(ctx context.Context, namespace string) (position, error) {
	fed, err := d.fed(ctx)
	if err != nil {
		return position{}, err
	}
	if !fed {
		return position{}, errNoFeed
	}
	var h head
	err = d.pool.QueryRow(ctx, d.headSQL, namespace).Scan(&h.horizon, &h.table, &h.gen, &h.purgeGen, &h.tombXID, &h.tombRev)
	if err != nil {
		return position{}, d.explainFeed(err)
	}
	return position{table: h.table, space: spaceHash(namespace), gen: h.gen, xid: h.horizon}, nil
}

// explainFeed is explain for the feed's statements, which say how to
// migrate a table made before the feed.
func (d *driver) explainFeed(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42703" || pgErr.Code == "42P01" && strings.Contains(pgErr.Message, PurgesTable)) {
		return fmt.Errorf("%w (%w)", errNoFeed, err)
	}
	return d.explain(err)
}

// Watch yields the records committed to namespace after the position, in
// the order of their transactions' ids, until ctx ends or the store is
// closed. Position "" means now; a position of another table, or from
// before a purge that could hide a removal, gives an error wrapping
// [unionstore.ErrCursorExpired]. Each event's position resumes right
// after it. See the package documentation, Change feed, for how it works
// and what it costs.
//
// Watch holds no connection between its reads.
func (d *driver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		if err := d.watch(ctx, namespace, after, yield); err != nil && !errors.Is(err, errStopped) {
			yield(backend.Event{}, err)
		}
	}
}

// errStopped says that the caller stopped the walk.
var errStopped = errors.New("stopped")

func (d *driver) watch(ctx context.Context, namespace, after string, yield func(backend.Event, error) bool) error {
	var p position
	var err error
	if after == "" {
		p, err = d.now(ctx, namespace)
	} else {
		p, err = parsePosition(after, namespace)
	}
	if err != nil {
		return err
	}
	wake, unsubscribe := d.listen.subscribe(d, namespace)
	defer unsubscribe()
	poll := time.NewTimer(PollInterval)
	defer poll.Stop()
	for {
		events, next, full, err := d.feedPage(ctx, namespace, p)
		if err != nil {
			return err
		}
		for _, ev := range events {
			if !yield(ev, nil) {
				return errStopped
			}
		}
		p = next
		if full {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.life.Done():
			return unionstore.ErrClosed
		case <-wake:
		case <-poll.C:
		}
		poll.Reset(PollInterval)
	}
}

// feedPage reads the events after p, at most a page of them, and returns
// them with the position after them, and whether the page was full, so
// that more may follow at once.
//
// Why no event is ever missed: the rows a page reads are those after p
// whose transactions ended before the statement's snapshot (xid below
// its horizon, pg_snapshot_xmin). Every transaction that had not ended
// then, and every later one, has an id at or above the horizon, so that
// any row version it writes comes after every row the page could read:
// rows are never added behind a position a page reached. A full page
// moves the position to its last row, so the next page goes on from it;
// a page that is not full read everything below the horizon, and the
// position moves to (horizon, 0), before the first row the next
// transactions can write (rev is 1 or more). The rows of transactions that
// committed at or above the horizon wait for the horizon to pass them:
// for every transaction older than theirs to end.
func (d *driver) feedPage(ctx context.Context, namespace string, p position) ([]backend.Event, position, bool, error) {
	rows, err := d.pool.Query(ctx, d.feedSQL, namespace, p.xid, p.rev, d.pageSize)
	if err != nil {
		return nil, p, false, d.explainFeed(err)
	}
	defer rows.Close()
	var (
		h      head
		events []backend.Event
		first  = true
	)
	for rows.Next() {
		var (
			kind, id, changeType *string
			ts, rev              *int64
			payload              []byte
			xid                  *uint64
		)
		if err := rows.Scan(&h.horizon, &h.table, &h.gen, &h.purgeGen, &h.tombXID, &h.tombRev,
			&kind, &id, &changeType, &ts, &payload, &xid, &rev); err != nil {
			return nil, p, false, d.explainFeed(err)
		}
		if first {
			first = false
			if p, err = h.check(p); err != nil {
				return nil, p, false, err
			}
		}
		if kind == nil {
			break // the namespace has no row after p
		}
		p.xid, p.rev = *xid, *rev
		r := backend.Record{Namespace: namespace, Kind: *kind, ID: *id, Type: unionstore.ChangeType(*changeType), Timestamp: *ts, Payload: payload}
		events = append(events, backend.Event{Record: r, Position: p.String()})
	}
	if err := rows.Err(); err != nil {
		return nil, p, false, d.explainFeed(err)
	}
	if len(events) == d.pageSize {
		return events, p, true, nil
	}
	if p.after(h.horizon, 0) {
		p.xid, p.rev = h.horizon, 0
	}
	return events, p, false, nil
}

// listenOn returns what the listener needs: the pool and the table.
func (d *driver) listenOn() (*pgxpool.Pool, string) { return d.pool, d.name }
