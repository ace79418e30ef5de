package sqlitestore

import (
	"context"
	"database/sql"
	"strings"
)

// upsertRows are the numbers of rows of the prepared upserts, largest
// first: Put writes a batch in statements of the largest that fits what is
// left, so that three prepared statements serve every batch size with at
// most 30 statements beside those of the largest. Rows of 6 parameters
// stay far below SQLite's limit of 32766 parameters.
var upsertRows = [...]int{256, 16, 1}

// upsertSQL returns the upsert of rows rows. Last-write-wins is the WHERE
// of the conflict clause: a row already stored is replaced only by a
// change at least as late, and SQLite evaluates it under the write lock,
// so that concurrent writers of any process keep the rule. The later
// writer wins a tie.
func upsertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO records (namespace, kind, id, type, ts, payload) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?)")
	}
	b.WriteString(` ON CONFLICT (namespace, kind, id) DO UPDATE
SET type = excluded.type, ts = excluded.ts, payload = excluded.payload
WHERE excluded.ts >= records.ts`)
	return b.String()
}

// columns are the columns that row scans, in its order.
const columns = "kind, id, type, ts, payload"

// scanPage is how many rows Scan reads at a time.
const scanPage = 512

// statements are the store's prepared statements; database/sql prepares
// each again on every connection that runs it.
type statements struct {
	upserts                [len(upsertRows)]*sql.Stmt
	get, load              *sql.Stmt
	firstPage, nextPage    *sql.Stmt
	namespaces             *sql.Stmt
	purge, purgeTombstones *sql.Stmt
}

func (s *statements) list() []**sql.Stmt {
	return []**sql.Stmt{&s.get, &s.load, &s.firstPage, &s.nextPage, &s.namespaces, &s.purge, &s.purgeTombstones,
		&s.upserts[0], &s.upserts[1], &s.upserts[2]}
}

func (s *statements) prepare(ctx context.Context, db *sql.DB, readOnly bool) error {
	texts := []string{
		"SELECT " + columns + " FROM records WHERE namespace = ? AND kind = ? AND id = ?",
		"SELECT " + columns + " FROM records WHERE namespace = ? ORDER BY kind, id",
		"SELECT " + columns + " FROM records WHERE namespace = ? ORDER BY kind, id LIMIT ?",
		"SELECT " + columns + " FROM records WHERE namespace = ? AND (kind, id) > (?, ?) ORDER BY kind, id LIMIT ?",
		"SELECT namespace, sum(type = 1), sum(type = 2) FROM records GROUP BY namespace ORDER BY namespace",
		"DELETE FROM records WHERE namespace = ?",
		"DELETE FROM records WHERE namespace = ? AND type = 2 AND ts <= ?",
	}
	for _, n := range upsertRows {
		texts = append(texts, upsertSQL(n))
	}
	for i, p := range s.list() {
		if readOnly && i >= 5 {
			continue // writes fail before they reach SQLite
		}
		stmt, err := db.PrepareContext(ctx, texts[i])
		if err != nil {
			s.close()
			return err
		}
		*p = stmt
	}
	return nil
}

// close closes the statements. It leaves the fields set: a call still
// running, as Close allows, then fails with database/sql's "statement is
// closed".
func (s *statements) close() {
	for _, p := range s.list() {
		if *p != nil {
			(*p).Close()
		}
	}
}
