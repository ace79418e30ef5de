package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// row is a row written straight into a store's table, as a damaged payload
// or another program could leave it.
type row struct{ kind, id, payload string }

func insertRows(tb testing.TB, table, namespace string, rows ...row) {
	tb.Helper()
	for _, r := range rows {
		_, err := adminPool(tb).Exec(context.Background(),
			"INSERT INTO "+table+" (namespace, kind, id, change_type, ts, payload) VALUES ($1, $2, $3, 'set', 1, $4)",
			namespace, r.kind, r.id, []byte(r.payload))
		if err != nil {
			tb.Fatalf("insert %+v: %v", r, err)
		}
	}
}

// badIDs returns the ids named by the decode errors in err, for namespace
// ns and kind k, sorted; it reports a decode error for another record.
func badIDs(tb testing.TB, err error, ns string) []string {
	tb.Helper()
	var ids []string
	for _, de := range storetest.DecodeErrors(err) {
		if de.Namespace != ns {
			tb.Errorf("DecodeError %v names namespace %q, want %q", de, de.Namespace, ns)
		}
		ids = append(ids, de.Kind+"/"+de.ID)
	}
	slices.Sort(ids)
	return ids
}

// maxPairs bounds the walks of the tests, so that a scan that does not end
// fails the test instead of hanging it.
const maxPairs = 1000

// scanAll walks s.Scan(ns) and returns the ids of the changes it yielded
// and its error, checking that the error comes once and last.
func scanAll[E unionstore.Entity](tb testing.TB, s *pgstore.Store[E], ns string) (ids []string, err error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for c, e := range s.Scan(ctx, ns) {
		if n++; n > maxPairs {
			tb.Fatalf("Scan(%q) yielded more than %d pairs, %d of them changes", ns, maxPairs, len(ids))
		}
		if err != nil {
			tb.Fatalf("Scan(%q) yielded after its error %v", ns, err)
		}
		if e != nil {
			err = e
			continue
		}
		ids = append(ids, entityKey(c.Entity))
	}
	return ids, err
}

// entityKey returns "kind/id" for e, or a note if its CompactionKey panics.
func entityKey[E unionstore.Entity](e E) (key string) {
	defer func() {
		if r := recover(); r != nil {
			key = fmt.Sprintf("(CompactionKey panicked: %v)", r)
		}
	}()
	kind, id := e.CompactionKey()
	return kind + "/" + id
}

func loadIDs[E unionstore.Entity](tb testing.TB, s *pgstore.Store[E], ns string) ([]string, error) {
	tb.Helper()
	got, err := s.Load(context.Background(), ns)
	ids := []string{}
	for _, c := range got {
		ids = append(ids, entityKey(c.Entity))
	}
	return ids, err
}

// TestRecordsThatDecodeAsAnotherIdentity stores payloads that decode to an
// entity whose kind and id are not the row's: before and after the row in
// key order, of another kind, and JSON null. Load and Scan must leave them
// out, report each as a DecodeError for the row's own identity, return
// every other record, and end, whatever the page size.
func TestRecordsThatDecodeAsAnotherIdentity(t *testing.T) {
	good := func(id string) row { return row{"k", id, `{"kind":"k","id":"` + id + `"}`} }
	rows := []row{
		good("a"),
		{"k", "b", `null`}, // decodes as ("", ""), before every row
		good("c"),
		{"k", "d", `{"kind":"k","id":"z"}`}, // after the rows that follow
		good("e"),
		{"k", "f", `{"kind":"other","id":"f"}`}, // another kind
		good("g"),
		{"k", "h", `{"kind":"k","id":"a"}`}, // an identity that exists
		{"k", "i", `not json`},              // does not decode at all
		good("j"),
	}
	wantIDs := []string{"k/a", "k/c", "k/e", "k/g", "k/j"}
	wantBad := []string{"k/b", "k/d", "k/f", "k/h", "k/i"}
	for _, page := range []int{1, 2, 3, pgstore.DefaultPageSize} {
		t.Run(fmt.Sprint("page size ", page), func(t *testing.T) {
			s := newStore(t, pgstore.WithPageSize(page))
			insertRows(t, s.Table(), "ns", rows...)

			ids, err := loadIDs(t, s, "ns")
			if !slices.Equal(ids, wantIDs) {
				t.Errorf("Load = %v, want %v", ids, wantIDs)
			}
			if !errors.Is(err, unionstore.ErrDecode) {
				t.Errorf("Load error = %v, want one wrapping ErrDecode", err)
			}
			if bad := badIDs(t, err, "ns"); !slices.Equal(bad, wantBad) {
				t.Errorf("Load reports DecodeErrors for %v, want %v", bad, wantBad)
			}

			ids, err = scanAll(t, s, "ns")
			if !slices.Equal(ids, wantIDs) {
				t.Errorf("Scan = %v, want %v", ids, wantIDs)
			}
			if !errors.Is(err, unionstore.ErrDecode) {
				t.Errorf("Scan error = %v, want one wrapping ErrDecode", err)
			}
			if bad := badIDs(t, err, "ns"); !slices.Equal(bad, wantBad) {
				t.Errorf("Scan reports DecodeErrors for %v, want %v", bad, wantBad)
			}
		})
	}
}

// node is an entity whose CompactionKey panics on a nil pointer, which the
// JSON codec returns for the payload null.
type node struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

func (n *node) CompactionKey() (string, string) { return n.Kind, n.ID }

func TestRecordThatDecodesToANilPointer(t *testing.T) {
	for _, page := range []int{1, pgstore.DefaultPageSize} {
		t.Run(fmt.Sprint("page size ", page), func(t *testing.T) {
			table := newTable(t)
			s, err := pgstore.New[*node](context.Background(), adminPool(t), pgstore.WithTable(table), pgstore.WithCreateSchema(), pgstore.WithPageSize(page))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			insertRows(t, s.Table(), "ns", row{"k", "a", `{"kind":"k","id":"a"}`}, row{"k", "b", `null`}, row{"k", "c", `{"kind":"k","id":"c"}`})
			want, wantBad := []string{"k/a", "k/c"}, []string{"k/b"}
			ids, err := loadIDs(t, s, "ns")
			if bad := badIDs(t, err, "ns"); !slices.Equal(ids, want) || !slices.Equal(bad, wantBad) {
				t.Errorf("Load = %v, %v; want %v and DecodeErrors for %v", ids, err, want, wantBad)
			}
			ids, err = scanAll(t, s, "ns")
			if bad := badIDs(t, err, "ns"); !slices.Equal(ids, want) || !slices.Equal(bad, wantBad) {
				t.Errorf("Scan = %v, %v; want %v and DecodeErrors for %v", ids, err, want, wantBad)
			}
		})
	}
}

// TestManyUndecodableRecords checks that the error of a read names ten bad
// records and counts the others.
func TestManyUndecodableRecords(t *testing.T) {
	s := newStore(t, pgstore.WithPageSize(5))
	rows := []row{{"k", "good", `{"kind":"k","id":"good"}`}}
	for i := range 13 {
		rows = append(rows, row{"k", fmt.Sprintf("bad%02d", i), `not json`})
	}
	insertRows(t, s.Table(), "ns", rows...)
	check := func(op string, ids []string, err error) {
		t.Helper()
		if want := []string{"k/good"}; !slices.Equal(ids, want) {
			t.Errorf("%s = %v, want %v", op, ids, want)
		}
		if n := len(storetest.DecodeErrors(err)); n != 10 {
			t.Errorf("%s reports %d DecodeErrors, want 10", op, n)
		}
		if err == nil || !strings.Contains(err.Error(), "13 records") || !strings.Contains(err.Error(), "3 more") {
			t.Errorf("%s error = %v, want it to count 13 records and 3 more", op, err)
		}
	}
	ids, err := loadIDs(t, s, "ns")
	check("Load", ids, err)
	ids, err = scanAll(t, s, "ns")
	check("Scan", ids, err)
}

// TestNamespacesPostgresCannotHold reads namespaces that Save refuses: they
// cannot be in the table, so they are empty, not an error.
func TestNamespacesPostgresCannotHold(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	storetest.Save(t, s, set("ns", "k", "a", "v", at(1)))
	for _, ns := range []string{"n\x00s", "ns\xff", "\xc3", "\x00"} {
		got, err := s.Load(ctx, ns)
		if err != nil || len(got) != 0 {
			t.Errorf("Load(%q) = %v, %v; want no changes and no error", ns, got, err)
		}
		ids, err := scanAll(t, s, ns)
		if err != nil || len(ids) != 0 {
			t.Errorf("Scan(%q) = %v, %v; want nothing", ns, ids, err)
		}
	}
	stats, err := s.Namespaces(ctx)
	if want := []unionstore.NamespaceStat{{Namespace: "ns", Entities: 1}}; err != nil || !slices.Equal(stats, want) {
		t.Errorf("Namespaces = %v, %v; want %v", stats, err, want)
	}
	_ = s.Close()
	if _, err := s.Load(ctx, "n\x00s"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Load of such a namespace after Close = %v, want ErrClosed", err)
	}
	if _, err := scanAll(t, s, "n\x00s"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Scan of such a namespace after Close = %v, want ErrClosed", err)
	}
}

// TestLoadInEveryProtocolMode loads the same rows through pools in each
// of pgx's query modes: the extended protocol receives payloads in binary,
// which Load decodes where they arrive, and the simple protocol as text,
// which it must unquote first.
func TestLoadInEveryProtocolMode(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	writer := newStoreOn(t, adminPool(t), table)
	want := unionstore.Changes[storetest.Item]{
		set("ns", "k", "a", `\x00 "quoted" \\ é`, at(1)),
		{Namespace: "ns", ChangeType: unionstore.ChangeTypeUnset, Entity: storetest.Item{Kind: "k", ID: "b"}, Timestamp: at(2)},
		set("ns", "l", "a", strings.Repeat("v", 300), at(3)),
	}
	if err := writer.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig(serverURL())
			if err != nil {
				t.Fatal(err)
			}
			cfg.ConnConfig.DefaultQueryExecMode = mode
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			s := newStoreOn(t, pool, table)
			got, err := s.Load(ctx, "ns")
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !slices.EqualFunc(got, want, func(a, b unionstore.Change[storetest.Item]) bool {
				return a.Entity == b.Entity && a.ChangeType == b.ChangeType && a.Timestamp.Equal(b.Timestamp)
			}) {
				t.Errorf("Load = %v, want %v", got, want)
			}
		})
	}
}
