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
// writer wins a tie. A row replaced takes the batch's revision; a row
// kept keeps its own.
func upsertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO records (namespace, kind, id, type, ts, payload, rev) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?)")
	}
	b.WriteString(` ON CONFLICT (namespace, kind, id) DO UPDATE
SET type = excluded.type, ts = excluded.ts, payload = excluded.payload, rev = excluded.rev
WHERE excluded.ts >= records.ts`)
	return b.String()
}

// columns are the columns that row scans, in its order.
const columns = "kind, id, type, ts, payload"

// scanPage is how many rows Scan, and Watch, read at a time.
const scanPage = 512

// statements are the store's prepared statements; database/sql prepares
// each again on every connection that runs it.
type statements struct {
	upserts                [len(upsertRows)]*sql.Stmt
	get, load              *sql.Stmt
	firstPage, nextPage    *sql.Stmt
	namespaces             *sql.Stmt
	purge, purgeTombstones *sql.Stmt
	// The change feed's (see feed.go).
	head, changesAfter                      *sql.Stmt
	take, mark, newestTombstone, raiseFloor *sql.Stmt
}

// A statement's use, which says whether a store prepares it: a read-only
// store prepares no writes, and a read-only store on a file of version 1
// nothing of the feed.
const (
	useRead = iota
	useFeed
	useWrite
)

// texts returns each statement's field, text and use.
func (s *statements) texts() []struct {
	p    **sql.Stmt
	text string
	use  int
} {
	type st = struct {
		p    **sql.Stmt
		text string
		use  int
	}
	out := []st{
		{&s.get, "SELECT " + columns + " FROM records WHERE namespace = ? AND kind = ? AND id = ?", useRead},
		{&s.load, "SELECT " + columns + " FROM records WHERE namespace = ? ORDER BY kind, id", useRead},
		{&s.firstPage, "SELECT " + columns + " FROM records WHERE namespace = ? ORDER BY kind, id LIMIT ?", useRead},
		{&s.nextPage, "SELECT " + columns + " FROM records WHERE namespace = ? AND (kind, id) > (?, ?) ORDER BY kind, id LIMIT ?", useRead},
		{&s.namespaces, "SELECT namespace, sum(type = 1), sum(type = 2) FROM records GROUP BY namespace ORDER BY namespace", useRead},
		{&s.head, "SELECT rev FROM feed WHERE namespace = ?", useFeed},
		// The namespace's last revision and floor, and the page of changes
		// after a revision, in one statement and so from one snapshot; the
		// page is read on the rev index.
		{&s.changesAfter, "SELECT f.rev, f.floor, c.kind, c.id, c.type, c.ts, c.payload, c.rev FROM feed AS f LEFT JOIN " +
			"(SELECT " + columns + ", rev FROM records WHERE namespace = ?1 AND rev > ?2 ORDER BY rev LIMIT ?3) AS c ON 1 " +
			"WHERE f.namespace = ?1 ORDER BY c.rev", useFeed},
		{&s.purge, "DELETE FROM records WHERE namespace = ?", useWrite},
		{&s.purgeTombstones, "DELETE FROM records WHERE namespace = ? AND type = 2 AND ts <= ?", useWrite},
		// take adds n to the namespace's revision and returns the sum;
		// mark takes one revision and makes it the floor. In an upsert's
		// SET, rev is the value before the update.
		{&s.take, "INSERT INTO feed (namespace, rev, floor) VALUES (?1, ?2, 0) ON CONFLICT (namespace) DO UPDATE SET rev = rev + ?2 RETURNING rev", useWrite},
		{&s.mark, "INSERT INTO feed (namespace, rev, floor) VALUES (?1, 1, 1) ON CONFLICT (namespace) DO UPDATE SET rev = rev + 1, floor = rev + 1", useWrite},
		{&s.newestTombstone, "SELECT coalesce(max(rev), 0) FROM records WHERE namespace = ? AND type = 2 AND ts <= ?", useWrite},
		{&s.raiseFloor, "UPDATE feed SET floor = max(floor, ?2) WHERE namespace = ?1", useWrite},
	}
	for i, n := range upsertRows {
		out = append(out, st{&s.upserts[i], upsertSQL(n), useWrite})
	}
	return out
}

// prepare prepares the statements of a store of the file's layout
// version, opened read-only or not.
func (s *statements) prepare(ctx context.Context, db *sql.DB, readOnly bool, version int64) error {
	for _, st := range s.texts() {
		if readOnly && st.use == useWrite || version < 2 && st.use == useFeed {
			continue // writes fail before they reach SQLite
		}
		stmt, err := db.PrepareContext(ctx, st.text)
		if err != nil {
			s.close()
			return err
		}
		*st.p = stmt
	}
	return nil
}

// close closes the statements. It leaves the fields set: a call still
// running, as Close allows, then fails with database/sql's "statement is
// closed".
func (s *statements) close() {
	for _, st := range s.texts() {
		if *st.p != nil {
			(*st.p).Close()
		}
	}
}
