package storetest

import (
	"context"
	"iter"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// layoutStore is a store on a memory store that stands for data of some
// layout: Close runs closed instead of closing it, Watch, when silent,
// ends at once, and Load, when short, leaves out the first change.
type layoutStore struct {
	*unionstore.Memory[Item]
	closed        func()
	silent, short bool
}

func (s layoutStore) Load(ctx context.Context, namespace string) (unionstore.Changes[Item], error) {
	got, err := s.Memory.Load(ctx, namespace)
	if s.short && len(got) > 0 {
		got = got[1:]
	}
	return got, err
}

func (s layoutStore) Close() error {
	s.closed()
	return nil
}

func (s layoutStore) Watch(ctx context.Context, namespace string, after unionstore.Cursor) iter.Seq2[unionstore.WatchEvent[Item], error] {
	if s.silent {
		return func(func(unionstore.WatchEvent[Item], error) bool) {}
	}
	return s.Memory.Watch(ctx, namespace, after)
}

// TestFeedUpgrade checks that FeedUpgrade passes stores that upgrade as
// they should and fails those that upgrade read-only, do not upgrade,
// lose the old change, feed nothing, or load less than they hold.
func TestFeedUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name string
		// readOnlyUpgrades: the read-only store raises the layout at Close;
		// keeps: the writable store leaves it; loses: the writable store
		// starts empty; silent: its feed delivers nothing; blind: the
		// read-only store sees nothing; short: the writable store's Load
		// leaves out a change.
		readOnlyUpgrades, keeps, loses, silent, blind, short bool
		want                                                 string // the start of the failure, "" for none
	}{
		{name: "a store that upgrades", want: ""},
		{name: "a read-only store that upgrades", readOnlyUpgrades: true, want: "fatal: after a read-only open"},
		{name: "a writable store that does not upgrade", keeps: true, want: "fatal: after a writable open"},
		{name: "an upgrade that loses the old change", loses: true, want: "fatal: Snapshot of the upgraded layout"},
		{name: "a feed that delivers nothing", silent: true, want: "fatal: Watch after the upgrade"},
		{name: "a read-only store that sees nothing", blind: true, want: "fatal: read-only Snapshot"},
		{name: "a Load that leaves out a change", short: true, want: "fatal: Load after the upgrade"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := unionstore.NewMemory[Item]()
			if err := data.Save(context.Background(), unionstore.Changes[Item]{set("ns", "k", "old", "v", at(1))}); err != nil {
				t.Fatal(err)
			}
			version, id := "1", ""
			upgrade := func() { version, id = "2", "the id" }
			u := FeedUpgrade{
				OpenReadOnly: func(testing.TB) WatchStore {
					s := layoutStore{Memory: data, closed: func() {}}
					if tc.readOnlyUpgrades {
						s.closed = upgrade
					}
					if tc.blind {
						s.Memory = unionstore.NewMemory[Item]()
					}
					return s
				},
				Open: func(testing.TB) WatchStore {
					s := layoutStore{Memory: data, closed: upgrade, silent: tc.silent, short: tc.short}
					if tc.keeps {
						s.closed = func() {}
					}
					if tc.loses {
						s.Memory = unionstore.NewMemory[Item]()
					}
					return s
				},
				Layout: func(testing.TB) (string, string) { return version, id },
			}
			var r checkRecorder
			failures := r.run(func(tb testing.TB) { u.Run(tb, "1", "2", set("ns", "k", "new", "after", at(2))) })
			switch {
			case tc.want == "" && len(failures) > 0:
				t.Fatalf("FeedUpgrade.Run failed %q, want no failure", failures)
			case tc.want != "" && (len(failures) != 1 || !strings.HasPrefix(failures[0], tc.want)):
				t.Fatalf("FeedUpgrade.Run failed %q, want one failure starting %q", failures, tc.want)
			}
		})
	}
}
