package unionstore_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	chaosSeeds = flag.Int("chaos.seeds", 6, "number of seeds TestChaos runs per policy")
	chaosOps   = flag.Int("chaos.ops", 150, "operations per seed in TestChaos")
	chaosSeed  = flag.Uint64("chaos.seed", 0, "run TestChaos with this seed only")
)

// policy is a union configuration under test, with the quorums it needs
// so the test knows which guarantees hold.
type policy struct {
	name   string
	w, r   int // 0: every member
	hints  bool
	breakr bool
}

var chaosPolicies = []policy{
	{name: "strict"},
	{name: "quorum", w: 2},
	{name: "degraded", r: 2},
	{name: "breaker", w: 2, r: 2, breakr: true},
	{name: "hints", w: 2, r: 2, breakr: true, hints: true},
}

// TestChaos runs random saves, loads, scans, point reads and repairs
// through unions of 3 to 5 faulty stores under each policy, and checks
// against a record of every save that no acknowledged change is lost:
// reads that overlap the write quorum see it, and once the faults end,
// Replay and Repair leave every member equal, holding for each entity its
// latest acknowledged change or a later one that was attempted. A failing
// run names its seed; rerun it with -chaos.seed.
func TestChaos(t *testing.T) {
	for _, p := range chaosPolicies {
		seeds := make([]uint64, *chaosSeeds)
		for i := range seeds {
			seeds[i] = uint64(i + 1)
		}
		if *chaosSeed != 0 {
			seeds = []uint64{*chaosSeed}
		}
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/seed=%d", p.name, seed), func(t *testing.T) {
				t.Parallel()
				runChaos(t, p, seed)
				if t.Failed() {
					t.Logf("rerun with: go test -run 'TestChaos/%s/seed=%d$' -chaos.seed=%d .", p.name, seed, seed)
				}
			})
		}
	}
}

type chaosKey struct{ ns, id string }

func runChaos(t *testing.T, p policy, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	n := 3 + r.IntN(3)
	faulty := make([]*storetest.Faulty[Item], n)
	stores := make([]unionstore.Store[Item], n)
	for i := range faulty {
		faulty[i] = storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
		stores[i] = unionstore.Named(fmt.Sprint("m", i), faulty[i])
	}
	opts := []unionstore.Option{unionstore.QuorumGrace(2 * time.Millisecond), unionstore.WriteQuorum(p.w), unionstore.DegradedReads(p.r)}
	if p.breakr {
		opts = append(opts, unionstore.CircuitBreaker(2, 5*time.Millisecond))
	}
	if p.hints {
		opts = append(opts, unionstore.HintedHandoff[Item](unionstore.NewMemory[Item](), 30))
	}
	u := unionstore.New(stores...).With(opts...)
	w, rq := p.w, p.r
	if w < 1 || w > n {
		w = n
	}
	if rq < 1 || rq > n {
		rq = n
	}
	readsSeeWrites := w+rq > n

	acked := map[chaosKey]int64{}   // latest acknowledged timestamp
	tried := map[chaosKey][]int64{} // every timestamp attempted
	clock := int64(0)
	namespaces := []string{"ns", "other"}
	check := func(what string, changes unionstore.Changes[Item], ns string, ackedBefore map[chaosKey]int64) {
		seen := map[string]int64{}
		for _, c := range changes {
			seen[c.Entity.ID] = c.Timestamp.UnixNano()
		}
		for k, ts := range ackedBefore {
			if k.ns == ns && seen[k.id] < ts {
				t.Fatalf("%s of %q missed the acknowledged change of %s at %d (saw %d)", what, ns, k.id, ts, seen[k.id])
			}
		}
	}
	snapshot := func() map[chaosKey]int64 {
		out := make(map[chaosKey]int64, len(acked))
		for k, v := range acked {
			out[k] = v
		}
		return out
	}
	for op := 0; op < *chaosOps; op++ {
		// Faults come and go.
		if r.IntN(4) == 0 {
			f := faulty[r.IntN(n)]
			switch r.IntN(7) {
			case 0:
				f.Clear()
			case 1:
				f.Set(storetest.Fault{Fail: true, Times: 1 + r.IntN(3)}, storetest.AllOps[r.IntN(4)])
			case 2:
				f.Set(storetest.Fault{Fail: true}, storetest.AllOps...) // an outage
			case 3:
				f.Set(storetest.Fault{Hang: true, Times: 1}, storetest.AllOps[r.IntN(4)])
			case 4:
				f.Set(storetest.Fault{Partial: 1 + r.IntN(3), Times: 1}, storetest.OpSave)
			case 5:
				f.Set(storetest.Fault{Delay: time.Millisecond, Times: 3}, storetest.AllOps[r.IntN(4)])
			case 6:
				f.Set(storetest.Fault{Panic: "chaos", Times: 1}, storetest.AllOps[r.IntN(4)])
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		ns := namespaces[r.IntN(len(namespaces))]
		switch k := r.IntN(10); {
		case k < 6:
			var b unionstore.Changes[Item]
			for range 1 + r.IntN(4) {
				clock++
				id := fmt.Sprint(r.IntN(12))
				c := unionstore.Change[Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "k", ID: id, N: int(clock)}, Timestamp: time.Unix(0, clock)}
				if r.IntN(5) == 0 {
					c.ChangeType = unionstore.ChangeTypeUnset
				}
				b = append(b, c)
				tried[chaosKey{ns, id}] = append(tried[chaosKey{ns, id}], clock)
			}
			if err := u.Save(ctx, b); err == nil {
				for _, c := range b {
					acked[chaosKey{ns, c.Entity.ID}] = c.Timestamp.UnixNano()
				}
			}
		case k < 8:
			before := snapshot()
			if got, err := u.Load(ctx, ns); err == nil && readsSeeWrites {
				check("Load", got, ns, before)
			}
		case k < 9:
			before := snapshot()
			var got unionstore.Changes[Item]
			var err error
			for c, e := range u.Scan(ctx, ns) {
				if e != nil {
					err = e
					break
				}
				got = append(got, c)
			}
			if err == nil && readsSeeWrites {
				check("Scan", got, ns, before)
			}
		default:
			id := fmt.Sprint(r.IntN(12))
			before := acked[chaosKey{ns, id}]
			if c, found, err := u.Get(ctx, ns, "k", id); err == nil && readsSeeWrites && before > 0 {
				if !found || c.Timestamp.UnixNano() < before {
					t.Fatalf("Get(%q, %q) = %v, %v; missed the acknowledged change at %d", ns, id, c.Timestamp.UnixNano(), found, before)
				}
			}
		}
		cancel()
	}

	// The faults end: replay, repair, and every member must agree.
	ctx := context.Background()
	for _, f := range faulty {
		f.Clear()
	}
	time.Sleep(10 * time.Millisecond) // past every breaker's cool-down
	if _, err := u.Replay(ctx); err != nil {
		t.Fatalf("Replay after the faults ended: %v", err)
	}
	plain := unionstore.New(stores...)
	for _, ns := range namespaces {
		if _, err := plain.Repair(ctx, ns); err != nil {
			t.Fatalf("Repair(%q) after the faults ended: %v", ns, err)
		}
		var first []string
		for i, f := range faulty {
			got, err := f.Load(ctx, ns)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = show(got)
				check("the repaired state", got, ns, acked)
				for _, c := range got {
					k := chaosKey{ns, c.Entity.ID}
					if !containsInt(tried[k], c.Timestamp.UnixNano()) {
						t.Fatalf("%s/%s holds a change at %d that was never saved", ns, c.Entity.ID, c.Timestamp.UnixNano())
					}
				}
				continue
			}
			if fmt.Sprint(show(got)) != fmt.Sprint(first) {
				t.Fatalf("after Replay and Repair, member %d holds %v, member 0 %v", i, show(got), first)
			}
		}
	}
	if err := u.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func containsInt(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
