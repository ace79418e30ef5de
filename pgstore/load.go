package pgstore

import (
	"context"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// LoadVisit reads namespace with one query, so that the result is a
// consistent snapshot, and hands each row to visit sorted by kind then id
// bytewise. A row's payload points into the connection's read buffer,
// which the next row overwrites: visit decodes it there, and Load copies
// no payload.
//
// A namespace that is not valid UTF-8 or holds a NUL byte, which Save
// refuses and PostgreSQL text cannot hold, cannot be in the table:
// LoadVisit visits nothing for it without querying.
func (d *driver) LoadVisit(ctx context.Context, namespace string, visit func(backend.Record)) error {
	if !storable(namespace) {
		return nil
	}
	rows, err := d.pool.Query(ctx, d.loadSQL, namespace)
	if err != nil {
		return d.explain(err)
	}
	defer rows.Close()
	// A pool in the simple protocol receives bytea as text, which Scan
	// decodes into a copy; in binary, the raw value is the payload.
	raw := rows.FieldDescriptions()[4].Format == pgx.BinaryFormatCode
	var (
		kind, id   string
		changeType []byte
		ts         int64
		payload    []byte
	)
	dest := []any{&kind, &id, nil, &ts, nil}
	if !raw {
		dest[4] = &payload
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return d.explain(err)
		}
		// A text's binary and text forms are the same bytes.
		changeType = rows.RawValues()[2]
		if raw {
			payload = rows.RawValues()[4]
		}
		visit(backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: backend.TypeOf(changeType), Timestamp: ts, Payload: payload})
	}
	return d.explain(rows.Err())
}

// load reads namespace as LoadVisit does, and returns its records, whose
// payloads are copies the caller may keep, for Snapshot.
func (d *driver) load(ctx context.Context, namespace string) ([]backend.Record, error) {
	if !storable(namespace) {
		return nil, nil
	}
	rows, err := d.pool.Query(ctx, d.loadSQL, namespace)
	if err != nil {
		return nil, d.explain(err)
	}
	var out chunks
	if err := readRows(namespace, rows, out.add); err != nil {
		return nil, d.explain(err)
	}
	return out.all(), nil
}

// chunks collects the records of a query whose size is not known in
// advance: in chunks that double up to maxChunk records, then joined. It
// allocates about twice the records' size, where growing one slice by
// append would allocate several times it.
type chunks struct {
	full [][]backend.Record
	last []backend.Record
	n    int
}

// maxChunk is the largest chunk, in records.
const maxChunk = 1024

func (c *chunks) add(r backend.Record) {
	if len(c.last) == cap(c.last) {
		if c.last != nil {
			c.full = append(c.full, c.last)
		}
		c.last = make([]backend.Record, 0, min(max(2*cap(c.last), 16), maxChunk))
	}
	c.last = append(c.last, r)
	c.n++
}

// all returns the records in the order they were added.
func (c *chunks) all() []backend.Record {
	if len(c.full) == 0 {
		return c.last
	}
	out := make([]backend.Record, 0, c.n)
	for _, f := range c.full {
		out = append(out, f...)
	}
	return append(out, c.last...)
}

// Scan yields what Load returns, in the same order, reading pages of at
// most the page size (see [WithPageSize]) each resuming after the last row
// read, so memory stays bounded whatever the namespace's size. No
// connection is held while the loop body runs, and Close ends the scan at
// the next page.
//
// The pages are separate queries, not one snapshot: a change saved during
// the scan may or may not be seen, but each identity is yielded at most
// once and in order.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	if !storable(namespace) {
		return func(func(backend.Record, error) bool) {}
	}
	return backend.ScanPages(d.pageSize, func(prev []backend.Record) ([]backend.Record, error) {
		if err := d.life.Check(ctx); err != nil {
			return nil, err
		}
		// ("", "") precedes every row: ids are never empty.
		var kind, id string
		page := prev[:0]
		if prev == nil {
			page = make([]backend.Record, 0, d.pageSize)
		} else {
			kind, id = prev[len(prev)-1].Kind, prev[len(prev)-1].ID
		}
		rows, err := d.pool.Query(ctx, d.pageSQL, namespace, kind, id, d.pageSize)
		if err == nil {
			err = readRows(namespace, rows, func(r backend.Record) { page = append(page, r) })
		}
		if err != nil {
			return nil, d.explain(err)
		}
		return page, nil
	})
}

// readRows passes the records of the rows of a load or page query to add,
// and closes the rows.
func readRows(namespace string, rows pgx.Rows, add func(backend.Record)) error {
	defer rows.Close()
	var (
		kind, id, changeType string
		ts                   int64
		payload              []byte
	)
	for rows.Next() {
		if err := rows.Scan(&kind, &id, &changeType, &ts, &payload); err != nil {
			return err
		}
		add(backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: unionstore.ChangeType(changeType), Timestamp: ts, Payload: payload})
	}
	return rows.Err()
}

// Get reads one row by primary key, in one query: it costs one round trip
// whatever the size of the namespace. An identity that is not valid UTF-8
// or holds a NUL byte cannot be in the table: Get finds nothing for it
// without querying.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	if !storable(namespace) || !storable(kind) || !storable(id) {
		return backend.Record{}, false, nil
	}
	rows, err := d.pool.Query(ctx, d.getSQL, namespace, kind, id)
	if err != nil {
		return backend.Record{}, false, d.explain(err)
	}
	var (
		r     backend.Record
		found bool
	)
	if err := readRows(namespace, rows, func(got backend.Record) { r, found = got, true }); err != nil || !found {
		return backend.Record{}, false, d.explain(err)
	}
	return r, true, nil
}

// Namespaces counts the rows of each namespace by change type, in one
// query.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	rows, err := d.pool.Query(ctx, d.namespacesSQL)
	if err != nil {
		return nil, d.explain(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (unionstore.NamespaceStat, error) {
		var st unionstore.NamespaceStat
		var sets, unsets int64
		err := row.Scan(&st.Namespace, &sets, &unsets)
		st.Entities, st.Tombstones = int(sets), int(unsets)
		return st, err
	})
	return out, d.explain(err)
}
