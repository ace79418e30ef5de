package backend_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/storetest"
)

type item = storetest.Item

func open(t *testing.T, d backend.Driver) *backend.Store[item] {
	t.Helper()
	s, err := backend.NewStore[item]("mapstore", d, backend.Codec{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[item] { return open(t, newMapDriver()) })
}

// A driver with a feed makes the store a Watcher that passes the suite's
// watch cases.
func TestConformanceWithFeed(t *testing.T) {
	storetest.Run(t, func(t *testing.T) unionstore.Store[item] { return open(t, newFeedDriver()) })
}

func TestConcurrentWriters(t *testing.T) {
	d := newMapDriver()
	stores := []unionstore.Store[item]{open(t, d), open(t, d), open(t, d)}
	storetest.ConcurrentWriters(t, stores, stores[0], storetest.Writes{Writers: 9, SavesPerWriter: 30, MaxBatch: 20, IDs: 30, Timestamps: 50, Namespaces: []string{"a", "b"}, Seed: 1})
}

func set(ns, id, v string, ts time.Time) unionstore.Change[item] {
	return unionstore.Change[item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: item{Kind: "k", ID: id, Value: v}, Timestamp: ts}
}

// Save hands the driver one record per identity, the batch's winner, so
// that a driver never has to order changes within a batch.
func TestSaveHandsTheDriverOneRecordPerIdentity(t *testing.T) {
	d := newMapDriver()
	s := open(t, d)
	t0 := time.Unix(100, 0)
	batch := unionstore.Changes[item]{set("n", "a", "old", t0), set("n", "a", "tie-later", t0), set("n", "b", "b", t0), set("n", "a", "older", t0.Add(-time.Second))}
	if err := s.Save(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(context.Background(), "n")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Entity.Value != "tie-later" || got[1].Entity.ID != "b" {
		t.Fatalf("Load = %+v, want a=tie-later then b", got)
	}
}

func TestLimitsRefuseTheBatchWhole(t *testing.T) {
	tests := []struct {
		name   string
		limits backend.Limits
		change unionstore.Change[item]
		want   error
	}{
		{"long namespace", backend.Limits{MaxKey: 4}, set("toolong", "a", "", time.Time{}), backend.ErrKeyTooLong},
		{"long id", backend.Limits{MaxKey: 4}, set("n", "abcdef", "", time.Time{}), backend.ErrKeyTooLong},
		{"large payload", backend.Limits{MaxPayload: 40}, set("n", "a", strings.Repeat("x", 50), time.Time{}), backend.ErrPayloadTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newMapDriver()
			d.limits = tc.limits
			s := open(t, d)
			batch := unionstore.Changes[item]{set("n", "ok", "", time.Time{}), tc.change}
			err := s.Save(context.Background(), batch)
			if !errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, tc.want) {
				t.Fatalf("Save = %v, want ErrInvalidChange and %v", err, tc.want)
			}
			if d.puts != 0 {
				t.Fatalf("the driver was called %d times for a refused batch", d.puts)
			}
			if err := s.Check(batch); !errors.Is(err, tc.want) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
		})
	}
}

// checkedDriver refuses ids that begin with "bad", as an engine whose
// limit spans several fields would.
type checkedDriver struct{ *mapDriver }

var errBadID = errors.New("id refused by the engine")

func (checkedDriver) CheckRecord(r backend.Record) error {
	if strings.HasPrefix(r.ID, "bad") {
		return errBadID
	}
	return nil
}

func TestRecordCheckerRefusesTheBatchWhole(t *testing.T) {
	d := checkedDriver{newMapDriver()}
	s := open(t, d)
	ctx := context.Background()
	batch := unionstore.Changes[item]{set("n", "ok", "", time.Time{}), set("n", "bad1", "", time.Time{})}
	err := s.Save(ctx, batch)
	if !errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, errBadID) || !strings.Contains(err.Error(), "change 1") {
		t.Fatalf("Save = %v, want ErrInvalidChange naming change 1 and the engine's refusal", err)
	}
	if d.puts != 0 {
		t.Fatalf("the driver was called %d times for a refused batch", d.puts)
	}
	if err := s.Check(batch); !errors.Is(err, errBadID) {
		t.Fatalf("Check = %v, want %v", err, errBadID)
	}
	if err := s.Save(ctx, batch[:1]); err != nil {
		t.Fatalf("Save of an accepted batch: %v", err)
	}
}

// A record that does not decode is left out of every read and reported,
// with the records that did decode.
func TestUndecodableRecordsAreReported(t *testing.T) {
	d := newMapDriver()
	s := open(t, d)
	ctx := context.Background()
	if err := s.Save(ctx, unionstore.Changes[item]{set("n", "a", "", time.Time{}), set("n", "b", "", time.Time{})}); err != nil {
		t.Fatal(err)
	}
	d.corrupt("n", "k", "a", []byte("{not json"))
	got, err := s.Load(ctx, "n")
	if !errors.Is(err, unionstore.ErrDecode) || len(got) != 1 || got[0].Entity.ID != "b" {
		t.Fatalf("Load = %v, %v; want b and ErrDecode", got, err)
	}
	var scanned []string
	var scanErr error
	for c, err := range s.Scan(ctx, "n") {
		if err != nil {
			scanErr = err
			break
		}
		scanned = append(scanned, c.Entity.ID)
	}
	if !errors.Is(scanErr, unionstore.ErrDecode) || fmt.Sprint(scanned) != "[b]" {
		t.Fatalf("Scan = %v, %v; want [b] then ErrDecode", scanned, scanErr)
	}
	if _, _, err := s.Get(ctx, "n", "k", "a"); !errors.Is(err, unionstore.ErrDecode) {
		t.Fatalf("Get of the damaged record = %v, want ErrDecode", err)
	}
	d.corrupt("n", "k", "b", []byte(`{"kind":"k","id":"other"}`))
	if _, _, err := s.Get(ctx, "n", "k", "b"); !errors.Is(err, unionstore.ErrDecode) {
		t.Fatalf("Get of a record holding another entity = %v, want ErrDecode", err)
	}
}

func TestPurgeTombstonesCut(t *testing.T) {
	at := time.Unix(0, 1000)
	tests := []struct {
		before time.Time
		want   int
	}{
		{at, 0},
		{at.Add(1), 1},
		{unionstore.MinTimestamp, 0},
		{unionstore.MaxTimestamp.Add(time.Hour), 1},
	}
	for _, tc := range tests {
		d := newMapDriver()
		s := open(t, d)
		unset := set("n", "a", "", at)
		unset.ChangeType = unionstore.ChangeTypeUnset
		if err := s.Save(context.Background(), unionstore.Changes[item]{unset}); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeTombstones(context.Background(), "n", tc.before)
		if err != nil || n != tc.want {
			t.Errorf("PurgeTombstones(before %v) = %d, %v; want %d", tc.before, n, err, tc.want)
		}
	}
}

func TestCodecOfAnotherEntityIsRefused(t *testing.T) {
	var slot backend.Codec
	if err := backend.SetCodec(&slot, unionstore.JSONCodec[*item]()); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.NewStore[item]("mapstore", newMapDriver(), slot); err == nil || !strings.HasPrefix(err.Error(), "mapstore: ") {
		t.Fatalf("NewStore with a codec of *Item = %v, want an error naming the package", err)
	}
	if err := backend.SetCodec[item](&slot, nil); err == nil {
		t.Fatal("SetCodec(nil) succeeded")
	}
}

func TestApply(t *testing.T) {
	type config struct{ n int }
	type option func(*config) error
	bad := errors.New("bad")
	c := config{}
	err := backend.Apply(&c, []option{func(c *config) error { c.n = 1; return nil }, nil, func(*config) error { return bad }, func(c *config) error { c.n = 3; return nil }})
	if !errors.Is(err, bad) || c.n != 1 {
		t.Fatalf("Apply = %v with n %d; want the first error, and no option applied after it", err, c.n)
	}
}

func TestClosed(t *testing.T) {
	d := newMapDriver()
	s := open(t, d)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !d.closed {
		t.Fatal("Close did not close the driver")
	}
	if err := s.Save(context.Background(), unionstore.Changes[item]{set("n", "a", "", time.Time{})}); !errors.Is(err, unionstore.ErrClosed) {
		t.Fatalf("Save after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestConfigure(t *testing.T) {
	type config struct {
		codec backend.Codec
		n     int
	}
	type option func(*config) error
	withCodec := func(codec unionstore.Codec[*item]) option {
		return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
	}
	tests := []struct {
		name string
		opts []option
		ok   bool
	}{
		{"no options", nil, true},
		{"an option", []option{func(c *config) error { c.n = 2; return nil }}, true},
		{"a refused option", []option{func(*config) error { return errors.New("n must be positive") }}, false},
		{"a codec of another entity type", []option{withCodec(unionstore.JSONCodec[*item]())}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c config
			err := backend.Configure[item](&c, tc.opts, &c.codec)
			if (err == nil) != tc.ok {
				t.Fatalf("Configure = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// Do runs a backend's own operation with the store's checks and names.
func TestDo(t *testing.T) {
	s := open(t, newMapDriver())
	ran := 0
	fn := func() error { ran++; return errors.New("the engine said no") }
	err := s.Do(context.Background(), `compact "ns" of`, fn)
	if ran != 1 || err == nil || !strings.Contains(err.Error(), `mapstore: compact "ns" of map: the engine said no`) {
		t.Fatalf("Do = %v after %d runs, want the engine's error named, after one run", err, ran)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Do(ctx, "compact", fn); !errors.Is(err, context.Canceled) || ran != 1 {
		t.Fatalf("Do with a done context = %v after %d runs, want context.Canceled without running", err, ran)
	}
	s.Close()
	if err := s.Do(context.Background(), "compact", fn); !errors.Is(err, unionstore.ErrClosed) || ran != 1 {
		t.Fatalf("Do after Close = %v after %d runs, want ErrClosed without running", err, ran)
	}
}

// A refused change with a huge key is named by its key's beginning and
// length, not the whole key.
func TestRefusedChangeNamesALongKeyShortly(t *testing.T) {
	d := newMapDriver()
	d.limits = backend.Limits{MaxKey: 100}
	s := open(t, d)
	id := strings.Repeat("é", 1500)
	err := s.Check(unionstore.Changes[item]{set("n", id, "", time.Time{})})
	if !errors.Is(err, backend.ErrKeyTooLong) || len(err.Error()) > 400 || !strings.Contains(err.Error(), "(3000 bytes)") {
		t.Fatalf("Check = %v (%d bytes), want ErrKeyTooLong naming the id by its beginning and length", err, len(err.Error()))
	}
	if !utf8.ValidString(err.Error()) {
		t.Fatalf("Check's error cuts a character in two: %q", err)
	}
}

func TestTypeOf(t *testing.T) {
	for in, want := range map[string]unionstore.ChangeType{
		"set": unionstore.ChangeTypeSet, "unset": unionstore.ChangeTypeUnset, "gone": "gone", "": "",
	} {
		if got := backend.TypeOf([]byte(in)); got != want {
			t.Errorf("TypeOf(%q) = %q, want %q", in, got, want)
		}
	}
	set := []byte("set")
	if n := testing.AllocsPerRun(100, func() { _ = backend.TypeOf(set) }); n != 0 {
		t.Errorf("TypeOf of a valid type allocates %v times", n)
	}
}

// The codes are part of five backends' stored formats: this table pins
// them, and checks that TypeOfCode reads back what TypeCode writes.
func TestTypeCode(t *testing.T) {
	for _, tc := range []struct {
		code byte
		t    unionstore.ChangeType
		ok   bool
	}{
		{1, unionstore.ChangeTypeSet, true},
		{2, unionstore.ChangeTypeUnset, true},
		{0, "", false},
		{3, "", false},
		{'s', "", false},
	} {
		if got, ok := backend.TypeOfCode(tc.code); got != tc.t || ok != tc.ok {
			t.Errorf("TypeOfCode(%d) = %q, %v, want %q, %v", tc.code, got, ok, tc.t, tc.ok)
		}
		if tc.ok {
			if got := backend.TypeCode(tc.t); got != tc.code {
				t.Errorf("TypeCode(%q) = %d, want %d", tc.t, got, tc.code)
			}
		}
	}
}
