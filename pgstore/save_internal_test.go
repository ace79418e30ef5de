package pgstore

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestStrictlySorted(t *testing.T) {
	c := func(ns, kind, id string) unionstore.Change[storetest.Item] {
		return unionstore.Change[storetest.Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: storetest.Item{Kind: kind, ID: id}}
	}
	for _, tt := range []struct {
		name    string
		changes unionstore.Changes[storetest.Item]
		want    bool
	}{
		{"empty", nil, true},
		{"one", unionstore.Changes[storetest.Item]{c("a", "k", "1")}, true},
		{"increasing ids, kinds and namespaces", unionstore.Changes[storetest.Item]{c("a", "k", "1"), c("a", "k", "2"), c("a", "l", "0"), c("b", "a", "0")}, true},
		{"a repeated identity", unionstore.Changes[storetest.Item]{c("a", "k", "1"), c("a", "k", "1")}, false},
		{"decreasing ids", unionstore.Changes[storetest.Item]{c("a", "k", "2"), c("a", "k", "1")}, false},
		{"decreasing namespaces", unionstore.Changes[storetest.Item]{c("b", "a", "0"), c("a", "k", "1")}, false},
		{"bytes, not runes or locale", unionstore.Changes[storetest.Item]{c("a", "k", "Z"), c("a", "k", "a"), c("a", "k", "\u00e9")}, true},
	} {
		if got := strictlySorted(tt.changes); got != tt.want {
			t.Errorf("%s: strictlySorted = %v, want %v", tt.name, got, tt.want)
		}
		if tt.want && len(tt.changes) > 0 {
			if got := unionstore.Compact(tt.changes); len(got) != len(tt.changes) {
				t.Errorf("%s: Compact kept %d of %d changes, so the batch is not its own compaction", tt.name, len(got), len(tt.changes))
			}
		}
	}
}
