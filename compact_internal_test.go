package unionstore

import "testing"

type key struct{ kind, id string }

func (k key) CompactionKey() (string, string) { return k.kind, k.id }

// TestCompacted checks the test behind Compact's fast path: a slice it
// accepts must be sorted by namespace, kind and id, each entity once.
func TestCompacted(t *testing.T) {
	c := func(ns, kind, id string) Change[key] {
		return Change[key]{Namespace: ns, ChangeType: ChangeTypeSet, Entity: key{kind, id}}
	}
	for _, tt := range []struct {
		name    string
		changes Changes[key]
		want    bool
	}{
		{"empty", nil, true},
		{"one", Changes[key]{c("a", "k", "1")}, true},
		{"increasing ids, kinds and namespaces", Changes[key]{c("a", "k", "1"), c("a", "k", "2"), c("a", "l", "0"), c("b", "a", "0")}, true},
		{"a repeated identity", Changes[key]{c("a", "k", "1"), c("a", "k", "1")}, false},
		{"decreasing ids", Changes[key]{c("a", "k", "2"), c("a", "k", "1")}, false},
		{"decreasing namespaces", Changes[key]{c("b", "a", "0"), c("a", "k", "1")}, false},
		{"kind boundary", Changes[key]{c("a", "a", "bx"), c("a", "ab", "x")}, true},
		{"bytes, not runes or locale", Changes[key]{c("a", "k", "Z"), c("a", "k", "a"), c("a", "k", "\u00e9")}, true},
	} {
		if got := compacted(tt.changes); got != tt.want {
			t.Errorf("%s: compacted = %v, want %v", tt.name, got, tt.want)
		}
	}
}
