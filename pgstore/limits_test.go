package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestKeySize(t *testing.T) {
	for _, tt := range []struct {
		ns, kind, id int // lengths in bytes
		want         int
	}{
		// 8-byte header; short values take 1 + n bytes, unaligned.
		{1, 0, 1, 16},                          // 8 + 2 + 1 + 2 = 13, padded to 16
		{2, 1, 5, 24},                          // 8 + 3 + 2 + 6 = 19
		{126, 0, 1, alignUp8(8 + 127 + 1 + 2)}, // 126 is the longest short value
		// 127 bytes take a 4-byte header, aligned on 4.
		{127, 0, 1, alignUp8(8 + 131 + 1 + 2)},
		{1, 1, 127, alignUp8(8 + 4 + 4 + 127)}, // 4 bytes of values, then 4 + 127
		{2, 1, 127, alignUp8(8 + 8 + 4 + 127)}, // 5 bytes, aligned to 8
		{2, 1, 2684, 2704},
		{2, 1, 2685, 2712},
	} {
		got := pgstore.KeySize(strings.Repeat("n", tt.ns), strings.Repeat("k", tt.kind), strings.Repeat("i", tt.id))
		if got != tt.want {
			t.Errorf("KeySize(%d, %d, %d bytes) = %d, want %d", tt.ns, tt.kind, tt.id, got, tt.want)
		}
	}
}

func alignUp8(n int) int { return (n + 7) &^ 7 }

// incompressible returns a string of n bytes of random printable ASCII,
// which PostgreSQL cannot compress, and prefix.
func incompressible(r *rand.Rand, prefix string, n int) string {
	b := []byte(prefix)
	for len(b) < n {
		b = append(b, byte('!'+r.IntN(94)))
	}
	return string(b[:n])
}

// longestID returns the length of the longest id that fits beside ns and
// kind, by KeySize.
func longestID(ns, kind string) int {
	n := 1
	for pgstore.KeySize(ns, kind, strings.Repeat("i", n+1)) <= pgstore.MaxKeySize {
		n++
	}
	return n
}

// TestKeyLimitMatchesTheServer stores, for keys of several shapes, the
// longest incompressible id that KeySize allows, and checks that one byte
// more is refused by Check and Save before anything is written, and is
// refused by the server too when inserted directly: the limit is exact.
func TestKeyLimitMatchesTheServer(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, tt := range []struct{ name, ns, kind string }{
		{"short namespace and kind", "ns", "k"},
		{"empty kind", "ns", ""},
		{"longest short namespace and kind", incompressible(r, "", 126), incompressible(r, "", 126)},
		{"4-byte headers everywhere", incompressible(r, "", 127), incompressible(r, "", 300)},
		{"multi-byte characters", "näme späce", "日本語"},
		{"namespace of 3 bytes", "abc", "kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := longestID(tt.ns, tt.kind)
			fits := incompressible(r, "fits-", n)
			over := incompressible(r, "over-", n+1)
			if got := pgstore.KeySize(tt.ns, tt.kind, fits); got > pgstore.MaxKeySize || got < pgstore.MaxKeySize-7 {
				t.Fatalf("KeySize of the longest id = %d, want within 8 bytes under %d", got, pgstore.MaxKeySize)
			}
			ok := unionstore.Changes[storetest.Item]{set(tt.ns, tt.kind, fits, "v", at(1))}
			if err := s.Check(ok); err != nil {
				t.Fatalf("Check(id of %d bytes) = %v, want nil", n, err)
			}
			if err := s.Save(ctx, ok); err != nil {
				t.Fatalf("Save(id of %d bytes) = %v, want nil", n, err)
			}
			expectGet(t, s, ok[0])

			bad := unionstore.Changes[storetest.Item]{set(tt.ns, tt.kind, "before", "v", at(1)), set(tt.ns, tt.kind, over, "v", at(1))}
			for op, err := range map[string]error{"Check": s.Check(bad), "Save": s.Save(ctx, bad)} {
				if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), "change 1 (") || !strings.Contains(err.Error(), "2704") {
					t.Errorf("%s(id of %d bytes) = %v, want ErrInvalidChange naming change 1 and the limit 2704", op, n+1, err)
				}
			}
			if _, found, err := s.Get(ctx, tt.ns, tt.kind, "before"); err != nil || found {
				t.Errorf("Get of the refused batch's other change = %v, %v; want nothing written", found, err)
			}
			// The server refuses the same key, inserted directly.
			_, err := adminPool(t).Exec(ctx, "INSERT INTO "+s.Table()+" (namespace, kind, id, change_type, ts, payload) VALUES ($1, $2, $3, 'set', 1, '')", tt.ns, tt.kind, over)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "54000" { // program_limit_exceeded
				t.Errorf("direct insert of an id of %d bytes = %v, want the server's program_limit_exceeded (54000)", n+1, err)
			}
		})
	}
}

func expectGet(t *testing.T, s *pgstore.Store[storetest.Item], want unionstore.Change[storetest.Item]) {
	t.Helper()
	got, found, err := s.Get(context.Background(), want.Namespace, want.Entity.Kind, want.Entity.ID)
	if err != nil || !found || got.Entity != want.Entity || !got.Timestamp.Equal(want.Timestamp) || got.ChangeType != want.ChangeType {
		t.Fatalf("Get(%.20q…) = %+v, %v, %v; want %+v", want.Entity.ID, got, found, err, want)
	}
}

// TestRefusedKeysNeverReachTheServer saves keys over the limit through a
// store whose server does not exist: the refusal must come before any
// attempt to connect.
func TestRefusedKeysNeverReachTheServer(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@"+closedPort(t)+"/none?connect_timeout=5")
	if err != nil {
		t.Fatalf("pgxpool.New: %v", err)
	}
	defer pool.Close()
	s, err := pgstore.New[storetest.Item](context.Background(), pool)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	long := strings.Repeat("x", 3000)
	for _, tt := range []struct {
		name string
		c    unionstore.Change[storetest.Item]
		want string
	}{
		{"long id", set("ns", "k", long, "v", at(1)), `id "xxxx`},
		{"long kind", set("ns", long, "a", "v", at(1)), `kind "xxxx`},
		{"long namespace", set(long, "k", "a", "v", at(1)), `namespace "xxxx`},
		{"long parts", set(long[:1000], long[:1000], long[:1000], "v", at(1)), "3024 bytes"}, // 8 + 1004 + 1004 + 1004, padded
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Save(context.Background(), unionstore.Changes[storetest.Item]{tt.c})
			if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Save = %v, want ErrInvalidChange containing %q", err, tt.want)
			}
			// The store names the change in full; the limit's own words
			// shorten the long value.
			if !strings.Contains(err.Error(), "change 0 (") || !strings.Contains(err.Error(), "… (") {
				t.Errorf("Save = %q, want it to name change 0, and the long value shortened", err)
			}
		})
	}
}

// TestUnionWritesNoMemberWhenPostgresRefuses is the divergence the Checker
// exists for: a union of a memory store and a pgstore saves a batch with a
// key PostgreSQL cannot index. Neither member may be written.
func TestUnionWritesNoMemberWhenPostgresRefuses(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 1))
	mem := unionstore.NewMemory[storetest.Item]()
	pg := newStore(t)
	u := unionstore.New[storetest.Item](mem, pg)
	defer u.Close()
	batch := unionstore.Changes[storetest.Item]{set("ns", "k", "a", "v", at(1)), set("ns", "k", incompressible(r, "", 3000), "v", at(1))}
	err := u.Save(ctx, batch)
	if !errors.Is(err, unionstore.ErrInvalidChange) {
		t.Fatalf("Union.Save = %v, want ErrInvalidChange", err)
	}
	for name, s := range map[string]unionstore.Store[storetest.Item]{"memory": mem, "pgstore": pg} {
		if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 0 {
			t.Errorf("%s holds %d changes, %v; want none", name, len(got), err)
		}
	}
}

func TestPayloadLimit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	defer pgstore.SetMaxPayload(40)()
	// {"kind":"k","id":"a","value":"","n":0} is 38 bytes.
	fits := set("ns", "k", "a", "", at(1))
	over := set("ns", "k", "b", "xxx", at(1))
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{fits}); err != nil {
		t.Fatalf("Save(payload under the limit) = %v", err)
	}
	batch := unionstore.Changes[storetest.Item]{set("ns", "k", "c", "", at(1)), over}
	for op, err := range map[string]error{"Check": s.Check(batch), "Save": s.Save(ctx, batch)} {
		if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), `id "b": its payload takes 41 bytes, more than the 40`) {
			t.Errorf("%s = %v, want ErrInvalidChange naming id b and the limit", op, err)
		}
	}
	if n := rowCount(t, strings.Trim(s.Table(), `"`)); n != 1 {
		t.Errorf("table holds %d rows, want only the first save's", n)
	}
}

// failingCodec refuses to encode one id.
type failingCodec struct {
	unionstore.Codec[storetest.Item]
}

func (c failingCodec) Encode(e storetest.Item) ([]byte, error) {
	if e.ID == "unencodable" {
		return nil, errors.New("refused by the codec")
	}
	return c.Codec.Encode(e)
}

func TestCheckRefusesWhatTheCodecCannotEncode(t *testing.T) {
	s := newStore(t, pgstore.WithCodec[storetest.Item](failingCodec{unionstore.JSONCodec[storetest.Item]()}))
	batch := unionstore.Changes[storetest.Item]{set("ns", "k", "a", "v", at(1)), set("ns", "k", "unencodable", "v", at(1))}
	for op, err := range map[string]error{"Check": s.Check(batch), "Save": s.Save(context.Background(), batch)} {
		if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), `change 1 ("ns" "k" "unencodable"): encode: refused by the codec`) {
			t.Errorf("%s = %v, want ErrInvalidChange naming the change and the codec's error", op, err)
		}
	}
	if n := rowCount(t, strings.Trim(s.Table(), `"`)); n != 0 {
		t.Errorf("table holds %d rows, want none", n)
	}
}

// TestCheckAgreesWithSave saves random batches whose ids fall around the
// key limit, and checks that Save accepts exactly what Check accepts.
func TestCheckAgreesWithSave(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	r := rand.New(rand.NewPCG(3, 4))
	edge := longestID("ns", "k")
	accepted := 0
	const batches = 20
	for i := range batches {
		var batch unionstore.Changes[storetest.Item]
		for j := range 1 + r.IntN(3) {
			batch = append(batch, set("ns", "k", incompressible(r, fmt.Sprint(i, j, "-"), edge-3+r.IntN(5)), "v", at(i)))
		}
		checkErr, saveErr := s.Check(batch), s.Save(ctx, batch)
		if (checkErr == nil) != (saveErr == nil) {
			t.Fatalf("batch %d: Check = %v but Save = %v", i, checkErr, saveErr)
		}
		if saveErr != nil && !errors.Is(saveErr, unionstore.ErrInvalidChange) {
			t.Fatalf("batch %d: Save = %v, want only refusals wrapping ErrInvalidChange", i, saveErr)
		}
		if saveErr == nil {
			accepted++
		}
	}
	if accepted == 0 || accepted == batches {
		t.Fatalf("Save accepted %d of %d batches; the batches should fall on both sides of the limit", accepted, batches)
	}
}
