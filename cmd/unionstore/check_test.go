package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// threeStores returns stores a, b and c over one namespace, shop: a holds
// r1 older than b does, b alone holds r2, and a lacks r3, which b and c
// hold.
func threeStores(t testing.TB) *stores {
	t.Helper()
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	set := func(id string, ts time.Time) unionstore.Change[Record] {
		return unionstore.Change[Record]{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Timestamp: ts, Entity: Record{Kind: "k", ID: id, Body: []byte(`{}`)}}
	}
	contents := [][]unionstore.Change[Record]{{set("r1", t1)}, {set("r1", t2), set("r2", t1), set("r3", t1)}, {set("r3", t1)}}
	s := &stores{addrs: []string{"a", "b", "c"}}
	for _, changes := range contents {
		m := unionstore.NewMemory[Record]()
		if err := m.Save(context.Background(), changes); err != nil {
			t.Fatal(err)
		}
		s.list = append(s.list, m)
	}
	return s
}

// storeCounts is a store's line of check's JSON summary.
type storeCounts struct {
	Store   string `json:"store"`
	Missing int    `json:"missing"`
	Older   int    `json:"older"`
}

func TestCheckNamespaceCountsEachStaleStore(t *testing.T) {
	tests := []struct {
		oneWay bool
		// stale lists, per difference, the stores it lists as stale.
		stale  []string
		counts []storeCounts
	}{
		{false, []string{"a c", "a c", "a"}, []storeCounts{{"a", 2, 1}, {"b", 0, 0}, {"c", 2, 0}}},
		// One way, only c counts: a may lack r2 and r3 and hold r1 older.
		{true, []string{"c", "c"}, []storeCounts{{"a", 0, 0}, {"b", 0, 0}, {"c", 2, 0}}},
	}
	for _, tt := range tests {
		var stdout bytes.Buffer
		e := &env{stdout: &stdout, stderr: new(bytes.Buffer)}
		differ, err := checkNamespace(context.Background(), e, threeStores(t), "shop", true, tt.oneWay, 10)
		if err != nil || !differ {
			t.Fatalf("checkNamespace(one way %v) = %v, %v; want true, nil", tt.oneWay, differ, err)
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) != len(tt.stale)+1 {
			t.Fatalf("checkNamespace(one way %v) printed %q, want %d differences and a summary", tt.oneWay, lines, len(tt.stale))
		}
		for i, want := range tt.stale {
			var d jsonDifference
			if err := json.Unmarshal([]byte(lines[i]), &d); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range d.Stale {
				got = append(got, s.Store)
			}
			if strings.Join(got, " ") != want {
				t.Errorf("checkNamespace(one way %v): %s stale in %q, want %q", tt.oneWay, d.ID, got, want)
			}
		}
		var summary struct {
			Differences int           `json:"differences"`
			Stores      []storeCounts `json:"stores"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
			t.Fatal(err)
		}
		if summary.Differences != len(tt.stale) || !slices.Equal(summary.Stores, tt.counts) {
			t.Errorf("checkNamespace(one way %v) summary = %+v, want %d differences, %+v", tt.oneWay, summary, len(tt.stale), tt.counts)
		}
	}
}

func TestCheckNamespaceListsUpToTheLimit(t *testing.T) {
	tests := []struct {
		limit int
		want  []string // lines printed, spaces squeezed
	}{
		{0, []string{"shop:", "… and 3 more", "shop: 3 records differ", "a lacks 2, holds 1 older", "c lacks 2, holds 0 older"}},
		{1, []string{"shop:", "k r1 older in a (2025-01-01T00:00:00Z < 2025-01-01T01:00:00Z)", "k r1 missing in c", "… and 2 more",
			"shop: 3 records differ", "a lacks 2, holds 1 older", "c lacks 2, holds 0 older"}},
		{3, []string{"shop:", "k r1 older in a (2025-01-01T00:00:00Z < 2025-01-01T01:00:00Z)", "k r1 missing in c", "k r2 missing in a", "k r2 missing in c", "k r3 missing in a",
			"shop: 3 records differ", "a lacks 2, holds 1 older", "c lacks 2, holds 0 older"}},
	}
	for _, tt := range tests {
		var stdout bytes.Buffer
		e := &env{stdout: &stdout, stderr: new(bytes.Buffer)}
		if _, err := checkNamespace(context.Background(), e, threeStores(t), "shop", false, false, tt.limit); err != nil {
			t.Fatalf("checkNamespace(limit %d) = %v", tt.limit, err)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			got = append(got, strings.Join(strings.Fields(line), " "))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("checkNamespace(limit %d) printed\n%s\nwant\n%s", tt.limit, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}
