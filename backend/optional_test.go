package backend_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// errChecksum stands for an engine's own report of a damaged value.
var errChecksum = errors.New("checksum mismatch")

// damagingDriver reads the record of id "bad" as damaged, in every read,
// and counts its namespace as unreadable.
type damagingDriver struct{ *mapDriver }

func (d damagingDriver) damage(r backend.Record) backend.Record {
	if r.ID == "bad" {
		return backend.Damaged(r.Namespace, r.Kind, r.ID, errChecksum)
	}
	return r
}

func (d damagingDriver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		for r, err := range d.mapDriver.Scan(ctx, namespace) {
			if !yield(d.damage(r), err) {
				return
			}
		}
	}
}

func (d damagingDriver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	r, ok, err := d.mapDriver.Get(ctx, namespace, kind, id)
	return d.damage(r), ok, err
}

func (d damagingDriver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	stats, err := d.mapDriver.Namespaces(ctx)
	if err != nil {
		return nil, err
	}
	return stats, &unionstore.DecodeError{Namespace: "n", Err: errChecksum}
}

// A damaged record is reported, wrapping the driver's reason, beside the
// records that read well, by every read.
func TestDamagedRecordsAreReported(t *testing.T) {
	d := damagingDriver{newMapDriver()}
	s := open(t, d)
	ctx := context.Background()
	if err := s.Save(ctx, unionstore.Changes[item]{set("n", "bad", "", time.Time{}), set("n", "good", "", time.Time{})}); err != nil {
		t.Fatal(err)
	}
	wantDamage := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, unionstore.ErrDecode) || !errors.Is(err, errChecksum) || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("%s: %v, want ErrDecode wrapping the driver's reason and naming the record", what, err)
		}
	}
	got, err := s.Load(ctx, "n")
	wantDamage("Load", err)
	if len(got) != 1 || got[0].Entity.ID != "good" {
		t.Errorf("Load = %v, want the good record", got)
	}
	var scanned []string
	for c, err := range s.Scan(ctx, "n") {
		if err != nil {
			wantDamage("Scan", err)
			continue
		}
		scanned = append(scanned, c.Entity.ID)
	}
	if len(scanned) != 1 || scanned[0] != "good" {
		t.Errorf("Scan yielded %v, want the good record", scanned)
	}
	_, ok, err := s.Get(ctx, "n", "k", "bad")
	if ok {
		t.Error("Get of a damaged record found it")
	}
	wantDamage("Get", err)
	stats, err := s.Namespaces(ctx)
	if !errors.Is(err, errChecksum) || len(stats) != 1 || stats[0].Namespace != "n" {
		t.Errorf("Namespaces = %v, %v, want the counts with the driver's decode error", stats, err)
	}
}

// visitingDriver reads a namespace through LoadVisit, reusing one buffer
// for every payload, as a driver pointing into an engine's memory does.
type visitingDriver struct {
	*mapDriver
	visits *int
}

func (d visitingDriver) LoadVisit(ctx context.Context, namespace string, visit func(backend.Record)) error {
	*d.visits++
	var buf []byte
	for r, err := range d.mapDriver.Scan(ctx, namespace) {
		if err != nil {
			return err
		}
		buf = append(buf[:0], r.Payload...)
		r.Payload = buf
		visit(r)
	}
	return nil
}

func TestLoadPrefersLoadVisit(t *testing.T) {
	visits := 0
	s := open(t, visitingDriver{newMapDriver(), &visits})
	ctx := context.Background()
	if err := s.Save(ctx, unionstore.Changes[item]{set("n", "a", "first", time.Time{}), set("n", "b", "second", time.Time{})}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "n")
	if err != nil || visits != 1 {
		t.Fatalf("Load = %v after %d visits, want one visit", err, visits)
	}
	if len(got) != 2 || got[0].Entity.Value != "first" || got[1].Entity.Value != "second" {
		t.Fatalf("Load = %+v, want a=first then b=second, each decoded before its buffer was reused", got)
	}
}

// batchDriver bounds a batch to two records.
type batchDriver struct{ *mapDriver }

var errBatch = errors.New("more than 2 records in one write")

func (batchDriver) CheckBatch(recs []backend.Record) error {
	if len(recs) > 2 {
		return errBatch
	}
	return nil
}

func TestBatchCheckerRefusesTheBatchWhole(t *testing.T) {
	d := batchDriver{newMapDriver()}
	s := open(t, d)
	ctx := context.Background()
	batch := unionstore.Changes[item]{set("n", "a", "", time.Time{}), set("n", "b", "", time.Time{}), set("n", "c", "", time.Time{})}
	if err := s.Save(ctx, batch); !errors.Is(err, unionstore.ErrInvalidChange) || !errors.Is(err, errBatch) {
		t.Fatalf("Save = %v, want ErrInvalidChange wrapping the driver's refusal", err)
	}
	if d.puts != 0 {
		t.Fatalf("the driver was called %d times for a refused batch", d.puts)
	}
	if err := s.Check(batch); !errors.Is(err, errBatch) {
		t.Fatalf("Check = %v, want %v", err, errBatch)
	}
	// Save checks the batch as compacted: two versions of one identity
	// are one record.
	t0 := time.Unix(1_700_000_000, 0)
	twice := unionstore.Changes[item]{set("n", "a", "1", t0), set("n", "a", "2", t0.Add(time.Second)), set("n", "b", "", time.Time{})}
	if err := s.Save(ctx, twice); err != nil {
		t.Fatalf("Save of two records after compaction: %v", err)
	}
}

// sizedDriver says how many records a load will visit.
type sizedDriver struct {
	visitingDriver
	size int
}

func (d sizedDriver) LoadSize(string) int { return d.size }

func TestLoadSizesItsResultFromTheHint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int
		wantCap func(int) bool
	}{
		{"a hint", 100, func(c int) bool { return c == 100 }},
		{"no hint", 0, func(c int) bool { return c >= 2 }},
		{"a negative hint", -5, func(c int) bool { return c >= 2 }},
		{"a huge hint", 1 << 40, func(c int) bool { return c <= 1<<16 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			visits := 0
			s := open(t, sizedDriver{visitingDriver{newMapDriver(), &visits}, tc.size})
			ctx := context.Background()
			if err := s.Save(ctx, unionstore.Changes[item]{set("n", "a", "", time.Time{}), set("n", "b", "", time.Time{})}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load(ctx, "n")
			if err != nil || len(got) != 2 || !tc.wantCap(cap(got)) {
				t.Fatalf("Load = %d changes of capacity %d, %v", len(got), cap(got), err)
			}
		})
	}
}
