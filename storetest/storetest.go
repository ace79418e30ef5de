package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// Item is the entity the suite stores.
//
// The suite finds [unionstore.Getter] and [unionstore.Checker] by type
// assertion and runs their cases when the store implements them.
type Item struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Value string `json:"value"`
	N     int    `json:"n"`
}

// CompactionKey returns the item's kind and id.
func (i Item) CompactionKey() (kind, id string) { return i.Kind, i.ID }

// Factory returns a new, empty store for one sub-test. It should register
// the store's cleanup with t.Cleanup; the suite closes the store itself too,
// so Close must be safe to call twice.
type Factory func(t *testing.T) unionstore.Store[Item]

// Option declares a capability of the store under test.
type Option func(*config)

type config struct {
	reopen         func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item]
	reopenReadOnly func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item]
}

// WithReopen declares that the store is durable: reopen returns a store on
// the same data as closed, which the suite has just closed. The suite then
// checks that saved changes survive a reopen.
func WithReopen(reopen func(t *testing.T, closed unionstore.Store[Item]) unionstore.Store[Item]) Option {
	return func(c *config) { c.reopen = reopen }
}

// Run runs the suite against stores made by newStore. Each behaviour is a
// sub-test with a fresh store.
func Run(t *testing.T, newStore Factory, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	open := func(t *testing.T) unionstore.Store[Item] {
		t.Helper()
		return openFresh(t, newStore)
	}
	for _, group := range [][]testCase{cases, getCases, checkCases, purgeCases, watchCases} {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
		}
	}
	t.Run("saved changes survive a reopen", func(t *testing.T) {
		if c.reopen == nil {
			t.Skip("the store did not declare WithReopen")
		}
		testReopen(t, open(t), c.reopen)
	})
	t.Run("watch: a cursor outlives a reopen", func(t *testing.T) {
		if c.reopen == nil {
			t.Skip("the store did not declare WithReopen")
		}
		testWatchAcrossReopen(t, open(t), c.reopen)
	})
}

type testCase struct {
	name string
	run  func(t *testing.T, s unionstore.Store[Item])
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// Set returns the change that sets the item (kind, id) of namespace ns to
// value at ts.
func Set(ns, kind, id, value string, ts time.Time) unionstore.Change[Item] {
	return unionstore.Change[Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: kind, ID: id, Value: value}, Timestamp: ts}
}

// Unset returns the change that unsets the item (kind, id) of namespace ns
// at ts.
func Unset(ns, kind, id string, ts time.Time) unionstore.Change[Item] {
	return unionstore.Change[Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeUnset, Entity: Item{Kind: kind, ID: id}, Timestamp: ts}
}

// set, unset, save and snapshot are the suite's short names for Set,
// Unset, Save and Snapshot.
var set, unset, save, snapshot = Set, Unset, Save, Snapshot

func load(t *testing.T, s unionstore.Store[Item], ns string) unionstore.Changes[Item] {
	t.Helper()
	got, err := s.Load(context.Background(), ns)
	if err != nil {
		t.Fatalf("Load(%q): %v", ns, err)
	}
	return got
}

// describe renders changes for comparison: timestamps are compared as
// instants, to the nanosecond, whatever their location.
func describe(changes unionstore.Changes[Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = fmt.Sprintf("%s/%s/%s %s value=%q n=%d at %d", c.Namespace, c.Entity.Kind, c.Entity.ID, c.ChangeType, c.Entity.Value, c.Entity.N, c.Timestamp.UnixNano())
	}
	return out
}

func expect(t *testing.T, s unionstore.Store[Item], ns string, want ...unionstore.Change[Item]) {
	t.Helper()
	got := describe(load(t, s, ns))
	w := describe(want)
	if !slices.Equal(got, w) {
		t.Fatalf("Load(%q) =\n  %s\nwant\n  %s", ns, strings.Join(got, "\n  "), strings.Join(w, "\n  "))
	}
}

var cases = []testCase{
	{"an unknown namespace loads empty", func(t *testing.T, s unionstore.Store[Item]) {
		if got := load(t, s, "nothing-here"); len(got) != 0 {
			t.Fatalf("Load = %v, want empty", describe(got))
		}
	}},
	{"saved changes load back exactly", func(t *testing.T, s unionstore.Store[Item]) {
		a := set("ns", "k", "a", "alpha", at(1))
		a.Entity.N = -42
		b := set("ns", "k", "b", "", at(2))
		save(t, s, a, b)
		expect(t, s, "ns", a, b)
		got := load(t, s, "ns")
		if got[0].Entity != a.Entity {
			t.Fatalf("entity = %+v, want %+v", got[0].Entity, a.Entity)
		}
	}},
	{"timestamps keep nanoseconds", func(t *testing.T, s unionstore.Store[Item]) {
		var want unionstore.Changes[Item]
		for i, ns := range []int{0, 1, 999, 1000, 123456789, 999999999} {
			want = append(want, set("ns", "k", fmt.Sprintf("id%d", i), "v", time.Unix(1700000000, int64(ns))))
		}
		want = append(want, set("ns", "k", "old", "v", time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC)))
		want = append(want, set("ns", "k", "pre1970", "v", time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)))
		want = append(want, set("ns", "k", "zone", "v", time.Date(2030, 6, 1, 12, 0, 0, 5, time.FixedZone("X", 5*3600))))
		save(t, s, want...)
		got := load(t, s, "ns")
		byID := map[string]time.Time{}
		for _, c := range got {
			byID[c.Entity.ID] = c.Timestamp
		}
		for _, w := range want {
			if ts, ok := byID[w.Entity.ID]; !ok || !ts.Equal(w.Timestamp) {
				t.Errorf("%s: timestamp = %v, want %v", w.Entity.ID, ts, w.Timestamp)
			}
		}
	}},
	{"load is sorted by kind then id, each entity once", func(t *testing.T, s unionstore.Store[Item]) {
		var in unionstore.Changes[Item]
		for i := 0; i < 200; i++ {
			kind := []string{"zeta", "alpha", "Mid", "alpha2", ""}[i%5]
			in = append(in, set("ns", kind, fmt.Sprintf("id-%d", (i*7919)%53), fmt.Sprint(i), at(i)))
		}
		save(t, s, in[:100]...)
		save(t, s, in[100:]...)
		got := load(t, s, "ns")
		want := unionstore.Compact(in)
		if !slices.Equal(describe(got), describe(want)) {
			t.Fatalf("Load = %d changes, want %d (compacted input in order)\ngot  %v\nwant %v", len(got), len(want), describe(got), describe(want))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1].Entity, got[i].Entity
			if a.Kind > b.Kind || (a.Kind == b.Kind && a.ID >= b.ID) {
				t.Fatalf("Load out of order at %d: %s/%s then %s/%s", i, a.Kind, a.ID, b.Kind, b.ID)
			}
		}
	}},
	{"order is by bytes, not by locale", func(t *testing.T, s unionstore.Store[Item]) {
		ids := []string{"b", "B", "a", "ä", "a b", "a-b", "a/b", "A", "10", "9", "é", "日本", "z"}
		var in unionstore.Changes[Item]
		for i, id := range ids {
			in = append(in, set("ns", "k", id, id, at(i)))
		}
		save(t, s, in...)
		var got []string
		for _, c := range load(t, s, "ns") {
			got = append(got, c.Entity.ID)
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("ids = %q, want %q", got, want)
		}
	}},
	{"a later timestamp wins and an older one is ignored", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "v2", at(2)))
		save(t, s, set("ns", "k", "a", "v1", at(1)))
		expect(t, s, "ns", set("ns", "k", "a", "v2", at(2)))
		save(t, s, set("ns", "k", "a", "v3", at(3)))
		expect(t, s, "ns", set("ns", "k", "a", "v3", at(3)))
	}},
	{"on equal timestamps the later save wins", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "first", at(1)))
		save(t, s, set("ns", "k", "a", "second", at(1)))
		expect(t, s, "ns", set("ns", "k", "a", "second", at(1)))
	}},
	{"within a batch the later change wins on equal timestamps", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "first", at(1)), set("ns", "k", "a", "second", at(1)), set("ns", "k", "b", "b", at(1)))
		expect(t, s, "ns", set("ns", "k", "a", "second", at(1)), set("ns", "k", "b", "b", at(1)))
	}},
	{"within a batch the latest timestamp wins whatever the order", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "new", at(5)), set("ns", "k", "a", "old", at(1)))
		expect(t, s, "ns", set("ns", "k", "a", "new", at(5)))
	}},
	{"tombstones win over older sets and lose to newer ones", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "v1", at(1)), set("ns", "k", "b", "v1", at(1)))
		save(t, s, unset("ns", "k", "a", at(2)), unset("ns", "k", "b", at(0)))
		expect(t, s, "ns", unset("ns", "k", "a", at(2)), set("ns", "k", "b", "v1", at(1)))
		save(t, s, set("ns", "k", "a", "v3", at(3)))
		expect(t, s, "ns", set("ns", "k", "a", "v3", at(3)), set("ns", "k", "b", "v1", at(1)))
	}},
	{"an unset of an unknown entity is kept as a tombstone", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, unset("ns", "k", "ghost", at(1)))
		expect(t, s, "ns", unset("ns", "k", "ghost", at(1)))
	}},
	{"namespaces are isolated", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("one", "k", "a", "in one", at(1)), set("two", "k", "a", "in two", at(1)), set("one/two", "k", "b", "x", at(1)))
		expect(t, s, "one", set("one", "k", "a", "in one", at(1)))
		expect(t, s, "two", set("two", "k", "a", "in two", at(1)))
		expect(t, s, "one/two", set("one/two", "k", "b", "x", at(1)))
		expect(t, s, "on")
	}},
	{"kinds are isolated", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "a", "x", "a", at(1)), set("ns", "ab", "x", "ab", at(1)), set("ns", "a", "bx", "a-bx", at(1)))
		expect(t, s, "ns", set("ns", "a", "bx", "a-bx", at(1)), set("ns", "a", "x", "a", at(1)), set("ns", "ab", "x", "ab", at(1)))
	}},
	{"a zero timestamp is stamped at save", func(t *testing.T, s unionstore.Store[Item]) {
		before := time.Now()
		in := unionstore.Changes[Item]{set("ns", "k", "a", "v", time.Time{})}
		save(t, s, in...)
		after := time.Now()
		if !in[0].Timestamp.IsZero() {
			t.Fatal("Save modified its input")
		}
		got := load(t, s, "ns")
		if len(got) != 1 {
			t.Fatalf("Load = %v, want one change", describe(got))
		}
		if ts := got[0].Timestamp; ts.Before(before.Add(-time.Millisecond)) || ts.After(after.Add(time.Millisecond)) {
			t.Fatalf("stamp = %v, want between %v and %v", ts, before, after)
		}
	}},
	{"invalid batches are rejected whole", func(t *testing.T, s unionstore.Store[Item]) {
		good := set("ns", "k", "good", "v", at(1))
		for _, tt := range []struct {
			name string
			bad  unionstore.Change[Item]
		}{
			{"empty namespace", set("", "k", "a", "v", at(1))},
			{"empty id", set("ns", "k", "", "v", at(1))},
			{"unknown change type", unionstore.Change[Item]{Namespace: "ns", ChangeType: "upsert", Entity: Item{Kind: "k", ID: "a"}, Timestamp: at(1)}},
			{"empty change type", unionstore.Change[Item]{Namespace: "ns", Entity: Item{Kind: "k", ID: "a"}, Timestamp: at(1)}},
			{"timestamp after 2262", set("ns", "k", "a", "v", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))},
			{"timestamp before 1677", set("ns", "k", "a", "v", time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC))},
			{"id not UTF-8", set("ns", "k", "a\xff", "v", at(1))},
			{"kind not UTF-8", set("ns", "\xc3", "a", "v", at(1))},
			{"namespace not UTF-8", set("ns\xfe", "k", "a", "v", at(1))},
			{"NUL in id", set("ns", "k", "a\x00b", "v", at(1))},
			{"NUL in kind", set("ns", "k\x00", "a", "v", at(1))},
			{"NUL in namespace", set("\x00", "k", "a", "v", at(1))},
		} {
			err := s.Save(context.Background(), unionstore.Changes[Item]{good, tt.bad})
			if !errors.Is(err, unionstore.ErrInvalidChange) {
				t.Errorf("%s: Save = %v, want ErrInvalidChange", tt.name, err)
			}
		}
		expect(t, s, "ns")
	}},
	{"save leaves its batch as it was", func(t *testing.T, s unionstore.Store[Item]) {
		// Out of order, two namespaces, an identity twice and a change to
		// stamp: what a store might sort, split, compact or stamp in place.
		in := unionstore.Changes[Item]{
			set("ns", "k", "z", "z", at(3)),
			set("other", "k", "b", "b", at(1)),
			set("ns", "k", "a", "old", at(1)),
			unset("ns", "a", "y", at(2)),
			set("ns", "k", "a", "new", at(2)),
			set("ns", "k", "m", "stamped", time.Time{}),
		}
		sent := slices.Clone(in)
		save(t, s, in...)
		if !slices.Equal(in, sent) {
			t.Fatalf("Save changed its batch:\n  %s\nwant\n  %s", strings.Join(describe(in), "\n  "), strings.Join(describe(sent), "\n  "))
		}
	}},
	{"an empty batch is a no-op", func(t *testing.T, s unionstore.Store[Item]) {
		if err := s.Save(context.Background(), nil); err != nil {
			t.Fatalf("Save(nil) = %v", err)
		}
		if err := s.Save(context.Background(), unionstore.Changes[Item]{}); err != nil {
			t.Fatalf("Save(empty) = %v", err)
		}
		expect(t, s, "ns")
	}},
	{"the loaded slice belongs to the caller", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "v", at(1)))
		got := load(t, s, "ns")
		got[0].Entity.Value = "changed"
		got[0].Timestamp = time.Time{}
		_ = append(got[:0], set("ns", "k", "z", "z", at(9)))
		expect(t, s, "ns", set("ns", "k", "a", "v", at(1)))
	}},
	{"odd ids and kinds round-trip", func(t *testing.T, s unionstore.Store[Item]) {
		long := strings.Repeat("x", 500)
		var in unionstore.Changes[Item]
		for i, id := range []string{"with space", "slash/es", "colon:s", "quote'\"", "日本語", "emoji 🙂", "tab\tand\nnewline", long, "%_like", "\\back"} {
			in = append(in, set("name space/ü", "kind/"+fmt.Sprint(i%2), id, id, at(i)))
		}
		save(t, s, in...)
		expect(t, s, "name space/ü", unionstore.Compact(in)...)
	}},
	{"a large batch is saved whole", func(t *testing.T, s unionstore.Store[Item]) {
		const n = 10000
		in := make(unionstore.Changes[Item], n)
		for i := range in {
			in[i] = set("big", "k", fmt.Sprintf("%05d", i), fmt.Sprint(i), at(i))
			in[i].Entity.N = i
		}
		save(t, s, in...)
		got := load(t, s, "big")
		if len(got) != n {
			t.Fatalf("Load = %d changes, want %d", len(got), n)
		}
		for i, c := range got {
			if c.Entity.N != i || !c.Timestamp.Equal(at(i)) {
				t.Fatalf("change %d = %+v at %v, want n=%d at %v", i, c.Entity, c.Timestamp, i, at(i))
			}
		}
	}},
	{"concurrent saves all land", func(t *testing.T, s unionstore.Store[Item]) {
		const writers, each = 8, 50
		batches := make([][]unionstore.Changes[Item], writers)
		for w := range batches {
			for i := range each {
				// Every writer also races on one shared entity.
				batches[w] = append(batches[w], unionstore.Changes[Item]{
					set("ns", "own", fmt.Sprintf("w%d-%03d", w, i), "v", at(i)),
					set("ns", "shared", "x", fmt.Sprintf("w%d", w), at(w*1000+i)),
				})
			}
		}
		SaveConcurrently(t, []unionstore.Store[Item]{s}, batches)
		got := load(t, s, "ns")
		if len(got) != writers*each+1 {
			t.Fatalf("Load = %d changes, want %d", len(got), writers*each+1)
		}
		last := got[len(got)-1]
		if want := at((writers-1)*1000 + each - 1); last.Entity.Kind != "shared" || !last.Timestamp.Equal(want) {
			t.Fatalf("shared entity = %+v at %v, want the latest write at %v", last.Entity, last.Timestamp, want)
		}
	}},
	{"a done context stops save and load", func(t *testing.T, s unionstore.Store[Item]) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Save(ctx, unionstore.Changes[Item]{set("ns", "k", "a", "v", at(1))}); !errors.Is(err, context.Canceled) {
			t.Errorf("Save with a canceled context = %v, want context.Canceled", err)
		}
		if _, err := s.Load(ctx, "ns"); !errors.Is(err, context.Canceled) {
			t.Errorf("Load with a canceled context = %v, want context.Canceled", err)
		}
		expect(t, s, "ns")
	}},
	{"close is idempotent and later calls fail with ErrClosed", func(t *testing.T, s unionstore.Store[Item]) {
		save(t, s, set("ns", "k", "a", "v", at(1)))
		if err := s.Close(); err != nil {
			t.Fatalf("Close = %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
		if err := s.Save(context.Background(), unionstore.Changes[Item]{set("ns", "k", "b", "v", at(1))}); !errors.Is(err, unionstore.ErrClosed) {
			t.Errorf("Save after Close = %v, want ErrClosed", err)
		}
		if _, err := s.Load(context.Background(), "ns"); !errors.Is(err, unionstore.ErrClosed) {
			t.Errorf("Load after Close = %v, want ErrClosed", err)
		}
		if sc, ok := s.(unionstore.Scanner[Item]); ok {
			for _, err := range sc.Scan(context.Background(), "ns") {
				if !errors.Is(err, unionstore.ErrClosed) {
					t.Errorf("Scan after Close yielded %v, want ErrClosed", err)
				}
				break
			}
		}
	}},
	{"scan yields what load returns", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		var in unionstore.Changes[Item]
		for i := 0; i < 300; i++ {
			c := set("ns", fmt.Sprint("k", i%3), fmt.Sprint(i%97), fmt.Sprint(i), at(i))
			if i%5 == 0 {
				c = unset("ns", c.Entity.Kind, c.Entity.ID, at(i))
			}
			in = append(in, c)
		}
		save(t, s, in...)
		save(t, s, set("other", "k", "a", "v", at(1)))
		want := describe(load(t, s, "ns"))
		for walk := 0; walk < 2; walk++ {
			got := scanAll(t, sc, "ns")
			if !slices.Equal(describe(got), want) {
				t.Fatalf("walk %d: Scan =\n%v\nwant\n%v", walk, describe(got), want)
			}
		}
		n := 0
		for _, err := range sc.Scan(context.Background(), "ns") {
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if n++; n == 3 {
				break
			}
		}
		for _, err := range sc.Scan(context.Background(), "nothing-here") {
			t.Fatalf("Scan of an unknown namespace yielded, err %v", err)
		}
		// The store still works after a scan was abandoned.
		save(t, s, set("ns", "k0", "new", "v", at(1000)))
	}},
	{"scan stops on a done context", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		save(t, s, set("ns", "k", "a", "v", at(1)))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var last error
		for _, err := range sc.Scan(ctx, "ns") {
			last = err
		}
		if !errors.Is(last, context.Canceled) {
			t.Fatalf("Scan with a canceled context ended with %v, want context.Canceled", last)
		}
	}},
	{"scan yields edge values as load returns them", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		want := saveEdges(t, s)
		if g, w := describe(scanAll(t, sc, "ns")), describe(want); !slices.Equal(g, w) {
			t.Fatalf("Scan =\n  %s\nwant\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}},
	{"a scan stopped midway yields one error at most, as its last pair", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		fill(t, s, 1500)
		for _, stop := range []struct {
			name string
			want error
			do   func(cancel context.CancelFunc)
		}{
			{"its context is cancelled", context.Canceled, func(cancel context.CancelFunc) { cancel() }},
			{"the store is closed", unionstore.ErrClosed, func(context.CancelFunc) { closeStore(t, s) }},
		} {
			ctx, cancel := context.WithCancel(context.Background())
			stopped := false
			var errs []error
			after := 0 // pairs after the first error
			for _, err := range sc.Scan(ctx, "ns") {
				if len(errs) > 0 {
					after++
				}
				if err != nil {
					errs = append(errs, err)
				} else if !stopped {
					stopped = true
					stop.do(cancel)
				}
			}
			cancel()
			// A scan may finish what it had read without an error.
			if after > 0 || len(errs) == 1 && !errors.Is(errs[0], stop.want) {
				t.Errorf("a scan stopped when %s yielded errors %v and %d pairs after the first, want at most one error, wrapping %v, and nothing after", stop.name, errs, after, stop.want)
			}
		}
	}},
	{"scan walks more than a page", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		const n = 2500 // more than a backend's page, whatever its size
		in := make(unionstore.Changes[Item], n)
		for i := range in {
			in[i] = set("ns", fmt.Sprint("k", i%3), fmt.Sprintf("%05d", i), "v", at(i))
		}
		save(t, s, in...)
		got := scanAll(t, sc, "ns")
		if want := unionstore.Compact(in); !slices.Equal(describe(got), describe(want)) {
			t.Fatalf("Scan yielded %d changes, want %d in (kind, id) order", len(got), len(want))
		}
	}},
	{"the store can be written during a scan", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		in := fill(t, s, 1500)
		seen := map[string]bool{}
		done := make(chan error, 1)
		go func() {
			i := 0
			for c, err := range sc.Scan(context.Background(), "ns") {
				if err != nil {
					done <- err
					return
				}
				seen[c.Entity.ID] = true
				if i++; i%100 == 0 {
					// What a repair does: write to the store it reads.
					extra := unionstore.Changes[Item]{set("ns", "k", fmt.Sprintf("%05d", i), "rewritten", at(5000+i)), set("elsewhere", "k", fmt.Sprint(i), "v", at(i))}
					if err := s.Save(context.Background(), extra); err != nil {
						done <- fmt.Errorf("save during the scan: %w", err)
						return
					}
				}
			}
			done <- nil
		}()
		if err := wait(t, done, "a scan with saves in its loop"); err != nil {
			t.Fatal(err)
		}
		for _, c := range in {
			if !seen[c.Entity.ID] {
				t.Fatalf("the scan missed %s, which was stored before it began", c.Entity.ID)
			}
		}
	}},
	{"closing the store during a scan ends the scan", func(t *testing.T, s unionstore.Store[Item]) {
		sc := scanner(t, s)
		fill(t, s, 1500)
		done := make(chan error, 1)
		go func() {
			var last error
			first := true
			for _, err := range sc.Scan(context.Background(), "ns") {
				if first {
					first = false
					if err := s.Close(); err != nil {
						done <- fmt.Errorf("close during the scan: %w", err)
						return
					}
				}
				last = err
			}
			done <- last
		}()
		// The walk may finish what it had read or end with ErrClosed; any
		// other error is a fault.
		if err := wait(t, done, "a scan closed in its loop"); err != nil && !errors.Is(err, unionstore.ErrClosed) {
			t.Fatalf("the scan ended with %v, want nil or ErrClosed", err)
		}
	}},
	{"namespaces are listed with counts", func(t *testing.T, s unionstore.Store[Item]) {
		nl := implements[unionstore.NamespaceLister](t, s, "unionstore.NamespaceLister")
		save(t, s,
			set("b", "k", "1", "v", at(1)), set("b", "k", "2", "v", at(1)), unset("b", "k", "3", at(1)),
			set("a", "k", "1", "v", at(1)),
			unset("c", "k", "1", at(1)),
			set("ä", "k", "1", "v", at(1)), set("B", "k", "1", "v", at(1)), set("a b", "k", "1", "v", at(1)),
		)
		save(t, s, unset("b", "k", "2", at(2)))
		got, err := nl.Namespaces(context.Background())
		if err != nil {
			t.Fatalf("Namespaces: %v", err)
		}
		// Sorted by bytes, not by locale.
		want := []unionstore.NamespaceStat{
			{Namespace: "B", Entities: 1},
			{Namespace: "a", Entities: 1},
			{Namespace: "a b", Entities: 1},
			{Namespace: "b", Entities: 1, Tombstones: 2},
			{Namespace: "c", Tombstones: 1},
			{Namespace: "ä", Entities: 1},
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Namespaces = %+v, want %+v", got, want)
		}
	}},
	{"namespaces stop on a done context and after close", func(t *testing.T, s unionstore.Store[Item]) {
		nl := implements[unionstore.NamespaceLister](t, s, "unionstore.NamespaceLister")
		save(t, s, set("ns", "k", "a", "v", at(1)))
		stopsWhenDone(t, s, "Namespaces", func(ctx context.Context) error {
			_, err := nl.Namespaces(ctx)
			return err
		}, nil)
	}},
	{"namespace counts stay right while saves race a listing", func(t *testing.T, s unionstore.Store[Item]) {
		nl := implements[unionstore.NamespaceLister](t, s, "unionstore.NamespaceLister")
		// Each writer its own ids and rising timestamps, so that the end
		// state does not depend on the race, and nearly every change adds
		// or flips an identity, so that nearly every save moves the counts.
		const writers, saves = 4, 20
		namespaces := []string{"n0", "n1", "n2"}
		batches := make([][]unionstore.Changes[Item], writers)
		var all unionstore.Changes[Item]
		for w := range batches {
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for i := range saves {
				var b unionstore.Changes[Item]
				for j := range 1 + r.IntN(4) {
					c := set(namespaces[r.IntN(len(namespaces))], "k", fmt.Sprintf("w%d-%d", w, r.IntN(10)), "v", at(i).Add(time.Duration(j)))
					if r.IntN(2) == 0 {
						c = unset(c.Namespace, "k", c.Entity.ID, c.Timestamp)
					}
					b = append(b, c)
				}
				batches[w] = append(batches[w], b)
				all = append(all, b...)
			}
		}
		listDuring(t, nl, func() { SaveConcurrently(t, []unionstore.Store[Item]{s}, batches) })
		// ExpectModel compares the counts Namespaces lists with the model's.
		ExpectModel(t, s, Model(t, all), namespaces...)
	}},
	{"the later timestamp wins across the whole range", func(t *testing.T, s unionstore.Store[Item]) {
		// A store that compares timestamps in pieces (two halves, a
		// float, a string) goes wrong at a sign, a carry or an end.
		ns := func(n int64) time.Time { return time.Unix(0, n).UTC() }
		var want unionstore.Changes[Item]
		for i, tc := range []struct {
			name          string
			first, second time.Time
			unsetSecond   bool
			secondWins    bool
		}{
			{"later by one nanosecond", at(0), at(0).Add(1), false, true},
			{"earlier by one nanosecond", at(0).Add(1), at(0), false, false},
			{"tie", at(5), at(5), false, true},
			{"earlier tombstone", at(2), at(1), true, false},
			{"later tombstone", at(1), at(2), true, true},
			{"earlier with a larger low half", ns(1 << 32), ns(1<<32 - 1), false, false},
			{"later with a smaller low half", ns(1<<32 - 1), ns(1 << 32), false, true},
			{"negative before positive", ns(-1), ns(1), false, true},
			{"positive after negative", ns(1), ns(-1), false, false},
			{"far apart, close in float64", ns(math.MaxInt64 - 1), ns(math.MaxInt64 - 2), false, false},
			{"near the largest", ns(math.MaxInt64 - 1), ns(math.MaxInt64), false, true},
			{"near the smallest", ns(math.MinInt64 + 1), ns(math.MinInt64), false, false},
			{"the extremes", unionstore.MaxTimestamp, unionstore.MinTimestamp, false, false},
			{"the extremes, the other way", unionstore.MinTimestamp, unionstore.MaxTimestamp, true, true},
		} {
			id := fmt.Sprintf("%02d %s", i, tc.name)
			first, second := set("ns", "k", id, "first", tc.first), set("ns", "k", id, "second", tc.second)
			if tc.unsetSecond {
				second = unset("ns", "k", id, tc.second)
			}
			save(t, s, first)
			save(t, s, second)
			if tc.secondWins {
				want = append(want, second)
			} else {
				want = append(want, first)
			}
		}
		expect(t, s, "ns", want...)
		if g, ok := s.(unionstore.Getter[Item]); ok {
			for _, w := range want {
				expectGet(t, g, w, true)
			}
		}
	}},
	{"identities differing only in case, padding or accents are distinct", func(t *testing.T, s unionstore.Store[Item]) {
		// What a case-insensitive, space-padding or normalizing collation
		// would merge.
		names := []string{"A", "a", "a ", "E\u0301", "e", "é"}
		var in unionstore.Changes[Item]
		for i, name := range names {
			in = append(in,
				set("ns", "k", name, "id "+name, at(i)),
				set("ns", name, "x", "kind "+name, at(i)),
				set("ns "+name, "k", "x", "namespace "+name, at(i)))
		}
		save(t, s, in...)
		var inNS unionstore.Changes[Item]
		for _, c := range in {
			if c.Namespace == "ns" {
				inNS = append(inNS, c)
			} else {
				expect(t, s, c.Namespace, c)
			}
		}
		expect(t, s, "ns", unionstore.Compact(inNS)...)
		if g, ok := s.(unionstore.Getter[Item]); ok {
			for _, c := range in {
				expectGet(t, g, c, true)
			}
		}
		if got, ok := listed(t, s); ok {
			if want, _ := listed(t, Model(t, in)); !slices.Equal(got, want) {
				t.Fatalf("Namespaces = %+v, want %+v", got, want)
			}
		}
	}},
}

// stopsWhenDone requires that op, a call of s named name, end with an
// error wrapping context.Canceled under a cancelled context and, once s
// is closed, with one wrapping [unionstore.ErrClosed] under a live one.
// Between the two it calls unchanged, if not nil, which checks that the
// cancelled call did nothing. It fails t at once when Close fails.
func stopsWhenDone(t *testing.T, s unionstore.Store[Item], name string, op func(context.Context) error, unchanged func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := op(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("%s with a canceled context = %v, want context.Canceled", name, err)
	}
	if unchanged != nil {
		unchanged()
	}
	closeStore(t, s)
	if err := op(context.Background()); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("%s after Close = %v, want ErrClosed", name, err)
	}
}

// implements returns s as a C, the optional interface named name, or skips
// the test when s does not implement it.
func implements[C any](t *testing.T, s unionstore.Store[Item], name string) C {
	t.Helper()
	c, ok := s.(C)
	if !ok {
		t.Skipf("%T does not implement %s", s, name)
	}
	return c
}

// scanner returns s as a Scanner, or skips the test.
func scanner(t *testing.T, s unionstore.Store[Item]) unionstore.Scanner[Item] {
	t.Helper()
	return implements[unionstore.Scanner[Item]](t, s, "unionstore.Scanner")
}

// fill saves n sets of kind "k" in namespace "ns" and returns them.
func fill(t *testing.T, s unionstore.Store[Item], n int) unionstore.Changes[Item] {
	t.Helper()
	in := make(unionstore.Changes[Item], n)
	for i := range in {
		in[i] = set("ns", "k", fmt.Sprintf("%05d", i), "v", at(i))
	}
	save(t, s, in...)
	return in
}

// listDuring calls nl.Namespaces over and over while during runs, and
// fails t with the error of a listing that fails.
func listDuring(t *testing.T, nl unionstore.NamespaceLister, during func()) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := nl.Namespaces(context.Background()); err != nil {
				done <- err
				return
			}
		}
	}()
	func() {
		defer close(stop) // also when during stops t
		during()
	}()
	if err := wait(t, done, "the listing"); err != nil {
		t.Fatalf("Namespaces during the saves: %v", err)
	}
}

// scanAll returns what sc yields of namespace ns, and fails t on an
// error.
func scanAll(t *testing.T, sc unionstore.Scanner[Item], ns string) unionstore.Changes[Item] {
	t.Helper()
	var out unionstore.Changes[Item]
	for c, err := range sc.Scan(context.Background(), ns) {
		if err != nil {
			t.Fatalf("Scan(%q): %v", ns, err)
		}
		out = append(out, c)
	}
	return out
}

// saveEdges saves to namespace "ns" of s changes at the ends of what a
// change may hold: the first and last timestamps, nanoseconds before 1970,
// a zone other than UTC, the extreme ints, an empty kind, an empty value
// and one that JSON escapes. It checks that Load returns them exactly, and
// returns them in Load's order.
func saveEdges(t *testing.T, s unionstore.Store[Item]) unionstore.Changes[Item] {
	t.Helper()
	last := set("ns", "k", "last", "", unionstore.MaxTimestamp)
	last.Entity.N = math.MaxInt
	pre := set("ns", "k", "pre-1970", "v", time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC))
	pre.Entity.N = math.MinInt
	in := unionstore.Changes[Item]{
		unset("ns", "k", "first", unionstore.MinTimestamp),
		last,
		pre,
		set("ns", "k", "zone", "v", time.Date(2030, 6, 1, 12, 0, 0, 5, time.FixedZone("X", 5*3600))),
		set("ns", "", "no kind", "tab\t\"quoted\" \u2028 🙂", time.Unix(0, 1)),
	}
	save(t, s, in...)
	want := unionstore.Compact(in)
	expect(t, s, "ns", want...)
	return want
}

// wait returns what done delivers, and fails the test if nothing comes
// within a minute: the work behind done is deadlocked.
func wait(t *testing.T, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s did not end within a minute: deadlock?", what)
		return nil
	}
}

func testReopen(t *testing.T, s unionstore.Store[Item], reopen func(*testing.T, unionstore.Store[Item]) unionstore.Store[Item]) {
	in := unionstore.Changes[Item]{set("ns", "k", "a", "v", at(1)), unset("ns", "k", "b", at(2)), set("other", "k", "c", "w", at(3))}
	save(t, s, in...)
	closeStore(t, s)
	s2 := reopen(t, s)
	t.Cleanup(func() { _ = s2.Close() })
	expect(t, s2, "ns", in[0], in[1])
	if g, ok := s2.(unionstore.Getter[Item]); ok {
		expectGet(t, g, in[1], true)
		expectGet(t, g, in[2], true)
	}
	expect(t, s2, "other", in[2])
	save(t, s2, set("ns", "k", "a", "v2", at(4)))
	expect(t, s2, "ns", set("ns", "k", "a", "v2", at(4)), in[1])
}
