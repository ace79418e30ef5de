package integration_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// batch returns n sets in ns numbered from from.
func batch(ns string, from, n int) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		id := fmt.Sprintf("%06d", from+i)
		out[i] = unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet,
			Entity: storetest.Item{Kind: "order", ID: id, Value: "v" + id, N: from + i}, Timestamp: at(from + i)}
	}
	return out
}

func describe(c unionstore.Change[storetest.Item]) string {
	return fmt.Sprintf("%s/%s/%s %s %q n=%d at %d", c.Namespace, c.Entity.Kind, c.Entity.ID, c.ChangeType, c.Entity.Value, c.Entity.N, c.Timestamp.UnixNano())
}

// TestUnionWithPostgres is the redundancy example: PostgreSQL first, S3 as
// the backup. With PostgreSQL stopped, reads go on from S3 and writes land
// there; Repair then brings PostgreSQL back in step.
func TestUnionWithPostgres(t *testing.T) {
	ctx := context.Background()
	table := pgTable(t)
	backup := s3Store(t)
	primary, err := pgstore.OpenURL[storetest.Item](ctx, table, pgstore.WithCreateSchema())
	if err != nil {
		t.Fatalf("pgstore.OpenURL: %v", err)
	}
	u := unionstore.New(unionstore.Named("postgres", unionstore.Store[storetest.Item](primary)), unionstore.Named("s3", unionstore.Store[storetest.Item](backup)))
	first := batch("orders", 0, 500)
	first[7].ChangeType = unionstore.ChangeTypeUnset
	if err := u.Save(ctx, first); err != nil {
		t.Fatalf("Save to both: %v", err)
	}

	// PostgreSQL goes away: its pool is closed.
	if err := primary.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Load(ctx, "orders"); err == nil {
		t.Fatal("a strict Load with PostgreSQL stopped succeeded")
	}
	degraded := u.With(unionstore.DegradedReads(1), unionstore.WriteQuorum(1))
	got, report, err := degraded.LoadWithReport(ctx, "orders")
	if err != nil {
		t.Fatalf("degraded Load: %v", err)
	}
	if !report.Degraded() || len(report.Failed) != 1 || report.Failed[0].Index != 0 {
		t.Fatalf("report = %+v, want PostgreSQL (store 0) failed", report)
	}
	if want := unionstore.Compact(first); len(got) != len(want) || describe(got[7]) != describe(want[7]) {
		t.Fatalf("degraded Load = %d changes, want %d from S3", len(got), len(want))
	}
	second := batch("orders", 400, 200) // overwrites 100, adds 100
	if _, err := degraded.SaveWithReport(ctx, second); err != nil {
		t.Fatalf("Save with PostgreSQL stopped and a write quorum of 1: %v", err)
	}
	n := 0
	for _, err := range degraded.Scan(ctx, "orders") {
		if err != nil {
			t.Fatalf("degraded Scan: %v", err)
		}
		n++
	}
	if n != 600 {
		t.Fatalf("degraded Scan yielded %d changes, want 600", n)
	}

	// PostgreSQL is back: Repair writes it what it missed.
	primary2, err := pgstore.OpenURL[storetest.Item](ctx, table)
	if err != nil {
		t.Fatalf("pgstore.OpenURL: %v", err)
	}
	defer primary2.Close()
	u2 := unionstore.New(unionstore.Store[storetest.Item](primary2), unionstore.Store[storetest.Item](backup))
	if _, err := u2.Repair(ctx, "orders"); err != nil {
		t.Fatalf("Repair: %v", err)
	}
	all := append(append(unionstore.Changes[storetest.Item]{}, first...), second...)
	pg, err := primary2.Load(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	want := unionstore.Compact(all)
	if len(pg) != len(want) {
		t.Fatalf("PostgreSQL after Repair holds %d changes, want %d", len(pg), len(want))
	}
	for i := range pg {
		if describe(pg[i]) != describe(want[i]) {
			t.Fatalf("PostgreSQL after Repair: %s, want %s", describe(pg[i]), describe(want[i]))
		}
	}
	if _, err := u2.Load(ctx, "orders"); err != nil {
		t.Fatalf("strict Load after Repair: %v", err)
	}
}
