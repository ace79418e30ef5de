package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// offlineStore returns a store whose pool never connects: decoding a row
// needs no server.
func offlineStore[E unionstore.Entity](tb testing.TB) *pgstore.Store[E] {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/none")
	if err != nil {
		tb.Fatalf("pgxpool.New: %v", err)
	}
	tb.Cleanup(pool.Close)
	s, err := pgstore.New[E](context.Background(), pool)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

// FuzzDecodeRow feeds hostile columns to the decoding of a row, as another
// program or a damaged table could leave them: any payload, change type and
// timestamp, and keys that PostgreSQL text would not even hold. Decoding
// must return either an error that wraps ErrDecode and names the row, or a
// change that is valid and is the row's: its namespace, kind, id and
// timestamp. It runs for an entity type that is a struct and one that is a
// pointer, whose CompactionKey panics when the payload decodes to nil.
func FuzzDecodeRow(f *testing.F) {
	for _, seed := range storetest.HostileRows() {
		f.Add(seed.Kind, seed.ID, seed.ChangeType, seed.Timestamp, []byte(seed.Payload))
	}
	items := offlineStore[storetest.Item](f)
	nodes := offlineStore[*node](f)
	f.Fuzz(func(t *testing.T, kind, id, changeType string, ts int64, payload []byte) {
		c, err := pgstore.DecodeRow(items, "ns", kind, id, changeType, ts, payload)
		checkDecoded(t, c, err, kind, id, ts)
		n, err := pgstore.DecodeRow(nodes, "ns", kind, id, changeType, ts, payload)
		checkDecoded(t, n, err, kind, id, ts)
	})
}

// checkDecoded checks the result of decoding the row (ns, kind, id) whose
// timestamp is ts: see [storetest.CheckDecoded]. A change that Save could
// have stored must also validate.
func checkDecoded[E unionstore.Entity](t *testing.T, c unionstore.Change[E], err error, kind, id string, ts int64) {
	t.Helper()
	storetest.CheckDecoded(t, "DecodeRow", c, err, "ns", kind, id, ts)
	if err != nil {
		return
	}
	// What Save could have stored must validate: a portable identity with
	// an id.
	if id != "" && portable(kind) && portable(id) {
		if err := (unionstore.Changes[E]{c}).Validate(); err != nil {
			t.Fatalf("decoded change does not validate: %v", err)
		}
	}
}

// portable reports whether s is valid UTF-8 without NUL bytes.
func portable(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\x00")
}
