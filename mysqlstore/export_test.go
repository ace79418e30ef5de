package mysqlstore

import (
	"context"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/storetest"
)

// DSN returns the go-sql-driver DSN of an OpenURL URL, for the tests' own
// pools.
func DSN(rawURL string) (string, error) {
	cfg, _, err := parseURL(rawURL)
	if err != nil {
		return "", err
	}
	return cfg.FormatDSN(), nil
}

// MaxPacket returns the server's max_allowed_packet as the store read it.
func MaxPacket[E unionstore.Entity](s *Store[E]) int { return s.Driver().(*driver).packet }

// SetMaxPacket makes the store split its batches as if the server's
// max_allowed_packet were n bytes.
func SetMaxPacket[E unionstore.Entity](s *Store[E], n int) { s.Driver().(*driver).packet = n }

// Statements returns how many statements Save would send for recs.
func Statements[E unionstore.Entity](s *Store[E], recs []backend.Record) int {
	return len(s.Driver().(*driver).statements(recs))
}

// RawInsert writes recs into the store's table with plain multi-row
// INSERTs, split as Save splits a batch, in one transaction: the engine's
// own bulk path, without upsert, which fails on an identity the table
// holds. BenchmarkSaveVersusRaw measures Save against it.
func RawInsert[E unionstore.Entity](ctx context.Context, s *Store[E], recs []backend.Record) error {
	d := s.Driver().(*driver)
	stmts := d.statements(recs)
	for i, st := range stmts {
		stmts[i].query = valuesSQL(d.insert, len(st.args)/7)
	}
	if len(stmts) == 1 {
		return stmts[0].exec(ctx, d.db)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := st.exec(ctx, tx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// Upsert is the clause that ends the store's saves.
const Upsert = upsert

// SetUpsert makes the store end its saves with clause instead of Upsert,
// to show what the tests catch; the returned function restores it.
func SetUpsert[E unionstore.Entity](s *Store[E], clause string) (restore func()) {
	d := s.Driver().(*driver)
	old := d.upsert
	d.upsert = clause
	return func() { d.upsert = old }
}

// PageSQL returns the query of a page of Scan after the first.
func PageSQL[E unionstore.Entity](s *Store[E]) string { return s.Driver().(*driver).pageSQL }

// RawWatch is the engine's own feed, the ceiling of Watch: the same
// polling query, woken by the store's commits as Watch
// is, that hands f each row's id as the driver gives it, without making a
// record, decoding it, or checking the floor. It starts after the cursor
// and returns ctx's error.
func RawWatch[E unionstore.Entity](ctx context.Context, s *Store[E], namespace string, after unionstore.Cursor, f func(id []byte)) error {
	d := s.Driver().(*driver)
	return storetest.PollRevisions(ctx, d.feed, after, d.pageSize, func(ctx context.Context, pos int64) (storetest.Rows, error) {
		return d.db.QueryContext(ctx, d.changesAfterSQL, []byte(namespace), pos, d.pageSize, []byte(namespace))
	}, f)
}
