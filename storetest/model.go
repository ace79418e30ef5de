package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/unionstore/unionstore"
)

// Model returns a new [unionstore.Memory] given batches in order: the
// model of a store given the same batches, for [ExpectModel]. It fails tb
// when the Memory refuses a batch.
func Model(tb testing.TB, batches ...unionstore.Changes[Item]) *unionstore.Memory[Item] {
	tb.Helper()
	m := unionstore.NewMemory[Item]()
	for i, b := range batches {
		if err := m.Save(context.Background(), b); err != nil {
			tb.Fatalf("model Save of batch %d: %v", i, err)
		}
	}
	return m
}

// ExpectModel fails t unless s holds what model holds in each namespace,
// by every read both stores offer: Load, then Scan when s is a
// [unionstore.Scanner], Get of every identity when s is a
// [unionstore.Getter], and Namespaces when both are
// [unionstore.NamespaceLister]s. The model is usually a
// [unionstore.Memory] given the same batches as s.
func ExpectModel(t *testing.T, s, model unionstore.Store[Item], namespaces ...string) {
	t.Helper()
	ctx := context.Background()
	for _, ns := range namespaces {
		want, err := model.Load(ctx, ns)
		if err != nil {
			t.Fatalf("model Load(%q): %v", ns, err)
		}
		if got := describe(load(t, s, ns)); !slices.Equal(got, describe(want)) {
			t.Fatalf("Load(%q) differs from the model:\ngot  %v\nwant %v", ns, got, describe(want))
		}
		if sc, ok := s.(unionstore.Scanner[Item]); ok {
			scanned := scanAll(t, sc, ns)
			if !slices.Equal(describe(scanned), describe(want)) {
				t.Fatalf("Scan(%q) differs from the model:\ngot  %v\nwant %v", ns, describe(scanned), describe(want))
			}
		}
		if g, ok := s.(unionstore.Getter[Item]); ok {
			for _, w := range want {
				expectGet(t, g, w, true)
			}
		}
	}
	sl, ok1 := s.(unionstore.NamespaceLister)
	ml, ok2 := model.(unionstore.NamespaceLister)
	if !ok1 || !ok2 {
		return
	}
	got, err := sl.Namespaces(ctx)
	if err != nil {
		t.Fatalf("Namespaces: %v", err)
	}
	want, err := ml.Namespaces(ctx)
	if err != nil {
		t.Fatalf("model Namespaces: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Namespaces = %+v, want %+v", got, want)
	}
}
