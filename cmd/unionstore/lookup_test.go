package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// manyGetter is a memory store that reads records as pgstore does, many
// of a namespace in one call, and counts those calls.
type manyGetter struct {
	*unionstore.Memory[Record]
	calls int
}

func (m *manyGetter) getMany(ctx context.Context, namespace string, keys []recordKey) (unionstore.Changes[Record], error) {
	m.calls++
	var out unionstore.Changes[Record]
	for _, k := range keys {
		c, found, err := m.Get(ctx, namespace, k.kind, k.id)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, c)
		}
	}
	return out, nil
}

func TestLookupFindsWhatStoresHoldNewer(t *testing.T) {
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	change := func(ct unionstore.ChangeType, id string, ts time.Time, body string) unionstore.Change[Record] {
		return unionstore.Change[Record]{Namespace: "shop", ChangeType: ct, Timestamp: ts, Entity: Record{Kind: "k", ID: id, Body: []byte(body)}}
	}
	set, unset := unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset
	// a holds r1 older than b does, and r2 with a null body; b reads
	// many records at once.
	a := unionstore.NewMemory[Record]()
	b := &manyGetter{Memory: unionstore.NewMemory[Record]()}
	if err := a.Save(context.Background(), unionstore.Changes[Record]{change(set, "r1", t1, `{"v":1}`), change(unset, "r2", t1.Add(time.Hour), `null`)}); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(context.Background(), unionstore.Changes[Record]{change(set, "r1", t1.Add(time.Hour), `{"v":2}`), change(set, "r2", t1, `{"v":3}`)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		batch  unionstore.Changes[Record]
		kept   []int
		bodies []string // of the batch, after lookup
		err    string   // in the error, when one is wanted
	}{
		{"a tombstone takes the latest body", unionstore.Changes[Record]{change(unset, "r1", t1.Add(2*time.Hour), "")}, []int{0, 0}, []string{`{"v":2}`}, ""},
		{"older changes are kept out", unionstore.Changes[Record]{change(set, "r1", t1.Add(-time.Hour), `{}`), change(unset, "r1", t1.Add(time.Minute), "")}, []int{1, 2}, []string{`{}`, `{"v":2}`}, ""},
		{"a tombstone given its body keeps it", unionstore.Changes[Record]{change(unset, "r1", t1.Add(2*time.Hour), `{"given":1}`)}, []int{0, 0}, []string{`{"given":1}`}, ""},
		{"a null body is no body", unionstore.Changes[Record]{change(unset, "r2", t1.Add(2*time.Hour), "")}, nil, nil, "standard input line 1: no store given holds shop k r2"},
		{"nothing held is no body", unionstore.Changes[Record]{change(unset, "r1", t1.Add(2*time.Hour), ""), change(unset, "r9", t1, ""), change(unset, "r8", t1, "")}, nil, nil, "no store given holds 2 of the records to unset from line 1 to 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &writer{e: quietEnv(), stdin: true, opened: &stores{list: []store{a, b}, addrs: []string{"a", "b"}}, unchecked: make([]bool, 2)}
			lines := make([]int, len(tt.batch))
			for i := range lines {
				lines[i] = i + 1
			}
			bt := batch{changes: slices.Clone(tt.batch), lines: lines, first: 1, last: len(lines)}
			calls := b.calls
			kept, err := w.lookup(context.Background(), bt)
			if b.calls != calls+1 {
				t.Errorf("lookup called getMany %d times for one namespace, want once", b.calls-calls)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("lookup = %v, want an error with %q", err, tt.err)
				}
				return
			}
			var bodies []string
			for _, c := range bt.changes {
				bodies = append(bodies, string(c.Entity.Body))
			}
			if err != nil || !slices.Equal(kept, tt.kept) || !slices.Equal(bodies, tt.bodies) {
				t.Errorf("lookup = kept %v, bodies %q, %v; want %v, %q", kept, bodies, err, tt.kept, tt.bodies)
			}
		})
	}
}
