package boltstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestHintsSurviveARestart takes one of three bolt members down for 1,000
// saves under WriteQuorum(2), with the union's hints in a bolt file; then
// "restarts": closes everything and opens a new union on the same files,
// with the member back. Replay must write to it exactly the 1,000 changes
// it missed, counted by the observer, and leave the hint file empty.
func TestHintsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name+".db") }
	openAll := func(down bool) (*unionstore.Union[storetest.Item], *boltstore.Store[storetest.Item], *replays) {
		var stores []unionstore.Store[storetest.Item]
		for _, name := range []string{"a", "b", "c"} {
			s, err := boltstore.Open[storetest.Item](path(name), boltstore.WithNoSync())
			if err != nil {
				t.Fatal(err)
			}
			var member unionstore.Store[storetest.Item] = s
			if name == "c" && down {
				f := storetest.NewFaulty[storetest.Item](s)
				f.Set(storetest.Fault{Fail: true}, storetest.OpSave)
				member = f
			}
			stores = append(stores, unionstore.Named(name, member))
		}
		hints, err := boltstore.Open[storetest.Item](path("hints"), boltstore.WithNoSync())
		if err != nil {
			t.Fatal(err)
		}
		r := &replays{}
		u := unionstore.New(stores...).With(unionstore.WriteQuorum(2),
			unionstore.HintedHandoff[storetest.Item](hints, 0), unionstore.WithObserver(r.observe))
		return u, hints, r
	}

	u, hints, _ := openAll(true)
	var want unionstore.Changes[storetest.Item]
	for i := range 1000 {
		c := item("ns", "k", fmt.Sprintf("%04d", i), fmt.Sprint(i), i)
		want = append(want, c)
		report, err := u.SaveWithReport(ctx, unionstore.Changes[storetest.Item]{c})
		if err != nil || report.Hinted != 1 || report.HintErr != nil {
			t.Fatalf("save %d: %+v, %v; want success with one hint kept", i, report, err)
		}
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if err := hints.Close(); err != nil {
		t.Fatal(err)
	}

	u, hints, r := openAll(false)
	defer hints.Close()
	defer u.Close()
	report, err := u.Replay(ctx)
	if err != nil {
		t.Fatalf("Replay after the restart: %v", err)
	}
	if report.Replayed() != 1000 || r.count("c") != 1000 || r.total() != 1000 {
		t.Fatalf("replayed %d changes (observer: %d to c, %d in all), want exactly the 1000 c missed", report.Replayed(), r.count("c"), r.total())
	}
	if spaces, err := hints.Namespaces(ctx); err != nil || len(spaces) != 0 {
		t.Fatalf("hint file after Replay holds %+v (%v), want nothing", spaces, err)
	}
	// Member c itself.
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	only := openAt(t, path("c"))
	held, err := only.Load(ctx, "ns")
	if err != nil || len(held) != 1000 {
		t.Fatalf("member c holds %d changes (%v), want 1000", len(held), err)
	}
	for i := range held {
		if held[i].Entity != want[i].Entity || !held[i].Timestamp.Equal(want[i].Timestamp) {
			t.Fatalf("member c's change %d = %+v, want %+v", i, held[i], want[i])
		}
	}
}

// replays counts, per member name, the changes written by replays.
type replays struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *replays) observe(e unionstore.Event) {
	if e.Op != "replay" || e.Err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[e.Name] += e.Count
}

func (r *replays) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[name]
}

func (r *replays) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.n {
		n += v
	}
	return n
}
