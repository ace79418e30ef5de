package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

var _ unionstore.Watcher[storetest.Item] = (*pgstore.Store[storetest.Item])(nil)

// watchNext starts a watch of namespace after cursor, ended with the test,
// and returns a function that gives the next event, or an error when none
// came within wait.
func watchNext(t *testing.T, s *pgstore.Store[storetest.Item], namespace string, after unionstore.Cursor) func(wait time.Duration) (unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type pair struct {
		ev  unionstore.WatchEvent[storetest.Item]
		err error
	}
	evs := make(chan pair)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev, err := range s.Watch(ctx, namespace, after) {
			select {
			case evs <- pair{ev, err}:
			case <-ctx.Done():
				return
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return func(wait time.Duration) (unionstore.WatchEvent[storetest.Item], error) {
		select {
		case p := <-evs:
			return p.ev, p.err
		case <-time.After(wait):
			return unionstore.WatchEvent[storetest.Item]{}, errNoEvent
		}
	}
}

var errNoEvent = errors.New("no event")

// rawTx is a transaction on a connection of its own that writes rows as
// Save does, so that a test decides when it commits.
type rawTx struct {
	t     *testing.T
	table string
	tx    pgx.Tx
}

func beginRaw(t *testing.T, table string) *rawTx {
	t.Helper()
	return beginRawOn(t, adminPool(t), table)
}

func beginRawOn(t *testing.T, pool *pgxpool.Pool, table string) *rawTx {
	t.Helper()
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return &rawTx{t: t, table: table, tx: tx}
}

func (r *rawTx) exec(sql string, args ...any) {
	r.t.Helper()
	if _, err := r.tx.Exec(context.Background(), sql, args...); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
}

// xid gives the transaction its id now, before it writes.
func (r *rawTx) xid() { r.exec("SELECT pg_current_xact_id()") }

// write upserts a set of id in namespace ns, as Save's statement does, and
// notifies the watchers at commit.
func (r *rawTx) write(ns, id, value string, ts time.Time) {
	r.t.Helper()
	payload, err := json.Marshal(storetest.Item{Kind: "k", ID: id, Value: value})
	if err != nil {
		r.t.Fatal(err)
	}
	name := pgx.Identifier{r.table}.Sanitize()
	r.exec(fmt.Sprintf(`INSERT INTO %s AS t (namespace, kind, id, change_type, ts, payload) VALUES ($1, 'k', $2, 'set', $3, $4)
ON CONFLICT (namespace, kind, id) DO UPDATE SET change_type = excluded.change_type, ts = excluded.ts,
	payload = excluded.payload, xid = excluded.xid, rev = excluded.rev
WHERE t.ts <= excluded.ts`, name), ns, id, ts.UnixNano(), payload)
	r.exec("SELECT pg_notify('unionstore_' || $1::regclass::oid, $2)", name, ns)
}

func (r *rawTx) commit() {
	r.t.Helper()
	if err := r.tx.Commit(context.Background()); err != nil {
		r.t.Fatalf("commit: %v", err)
	}
}

// TestWatchDeliversTransactionsThatCommitOutOfOrder has two transactions
// write to a namespace and commit in the other order than they took
// their ids, or their revs, while a watch reads between the two commits:
// the watch must deliver both. A watch that went on from the row it saw
// last, by rev or by xid, would miss the one committed last for ever.
func TestWatchDeliversTransactionsThatCommitOutOfOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps string // a or b: x takes an id, w writes, c commits; r waits for the watch to read
	}{
		{"the later transaction, with the larger rev, commits first", "aw bw bc r ac"},
		{"the earlier transaction, with the larger rev, commits last", "ax bw aw bc r ac"},
		{"the later transaction, with the smaller rev, commits last", "ax bw aw ac r bc"},
		{"the later transaction commits first, the earlier writes after", "ax bx bw bc r aw ac"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := newTable(t)
			s := newStoreOn(t, adminPool(t), table)
			_, c0 := storetest.Snapshot(t, s, "ns")
			next := watchNext(t, s, "ns", c0)
			txs := map[byte]*rawTx{'a': beginRaw(t, table), 'b': beginRaw(t, table)}
			var seen []string
			for step := range strings.FieldsSeq(tt.steps) {
				if step == "r" {
					// The notification of the first commit wakes the watch,
					// which reads at once; a second is ample.
					if ev, err := next(time.Second); err == nil {
						seen = append(seen, ev.Change.Entity.ID)
					}
					continue
				}
				tx := txs[step[0]]
				switch step[1] {
				case 'x':
					tx.xid()
				case 'w':
					tx.write("ns", string(step[0]), "v", at(1))
				case 'c':
					tx.commit()
				}
			}
			for len(seen) < 2 {
				ev, err := next(3 * pgstore.PollInterval)
				if err != nil {
					t.Fatalf("after events %v: %v; want a and b", seen, err)
				}
				seen = append(seen, ev.Change.Entity.ID)
			}
			if seen[0] == seen[1] {
				t.Fatalf("events %v, want a and b", seen)
			}
		})
	}
}

// TestWatchFollowsWritersThatCommitOutOfOrder has writers whose
// transactions overlap and commit in a random order, while a watch from a
// snapshot applies its events to a model: once the writers are done, the
// model must hold what Load returns.
func TestWatchFollowsWritersThatCommitOutOfOrder(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	s := newStoreOn(t, adminPool(t), table)
	base, c0 := storetest.Snapshot(t, s, "ns")
	model := unionstore.NewMemory[storetest.Item]()
	if len(base) > 0 {
		t.Fatalf("Snapshot of a new table = %v, want nothing", base)
	}
	// The watch runs while the writers write, applying each event to the
	// model.
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watching sync.WaitGroup
	defer func() {
		stopWatch()
		watching.Wait()
	}()
	watching.Go(func() {
		for ev, err := range s.Watch(watchCtx, "ns", c0) {
			if err != nil {
				if watchCtx.Err() == nil {
					t.Errorf("Watch: %v", err)
				}
				return
			}
			if err := model.Save(ctx, unionstore.Changes[storetest.Item]{ev.Change}); err != nil {
				t.Errorf("model Save: %v", err)
				return
			}
		}
	})
	const writers, writes = 6, 20
	// A connection for each writer, so that their transactions overlap.
	cfg, err := pgxpool.ParseConfig(serverURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = writers
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for i := range writes {
				tx := beginRawOn(t, pool, table)
				if r.IntN(2) == 0 {
					tx.xid()
					time.Sleep(time.Duration(r.IntN(3)) * time.Millisecond)
				}
				// Half the writes replace rows of a few identities, with
				// mostly newer timestamps; the others add an identity, so
				// that a write the watch missed is the latest of its
				// identity.
				id := fmt.Sprint("e", r.IntN(10))
				if i%2 == 1 {
					id = fmt.Sprint("w", w, "-", i)
				}
				tx.write("ns", id, fmt.Sprint(w, "-", i), at(i*writers+r.IntN(2*writers)))
				time.Sleep(time.Duration(r.IntN(20)) * time.Millisecond)
				tx.commit()
			}
		})
	}
	wg.Wait()
	want, err := s.Load(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * pgstore.PollInterval)
	for {
		got, err := model.Load(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the model holds\n%v\nwant\n%v", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPurgeTombstonesExpiresOnlyTheCursorsBeforeThem checks that a purge
// of tombstones expires a cursor from before the newest tombstone it
// removed, whose watcher may not have been given it, and not a cursor
// from after.
func TestPurgeTombstonesExpiresOnlyTheCursorsBeforeThem(t *testing.T) {
	storetest.PurgeExpiresOlderCursors(t, newStore(t))
}

// TestWatchUnderWritersOfSeveralPools has writers save through stores on
// pools of their own, as processes apart would, while a watch of a store
// on yet another pool must see every change.
func TestWatchUnderWritersOfSeveralPools(t *testing.T) {
	table := newTable(t)
	stores := make([]unionstore.Store[storetest.Item], 3)
	for i := range stores {
		stores[i] = newStoreOn(t, newPool(t, ""), table)
	}
	storetest.WatchUnderWriters(t, stores, newStoreOn(t, newPool(t, ""), table), 6, 30)
}

// TestWatchOfATableMadeBeforeTheFeed opens a store without creating
// anything on a table of the earlier layout: Save and Load work, Watch
// and Snapshot say that the table needs migrating, and CreateSchema
// migrates it, after which the feed carries new changes.
func TestWatchOfATableMadeBeforeTheFeed(t *testing.T) {
	ctx := context.Background()
	pool := adminPool(t)
	table := newTable(t)
	name := pgx.Identifier{table}.Sanitize()
	if _, err := pool.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s (
	namespace text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
	change_type text NOT NULL CHECK (change_type IN ('set', 'unset')), ts bigint NOT NULL, payload bytea NOT NULL,
	PRIMARY KEY (namespace, kind, id))`, name)); err != nil {
		t.Fatal(err)
	}
	s, err := pgstore.New[storetest.Item](ctx, pool, pgstore.WithTable(table))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 2 { // the insert, then the upsert
		if err := s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", fmt.Sprint(i), at(1+i))}); err != nil {
			t.Fatalf("Save to a table without the feed: %v", err)
		}
	}
	if _, err := s.PurgeTombstones(ctx, "ns", at(10)); err != nil {
		t.Fatalf("PurgeTombstones on a table without the feed: %v", err)
	}
	_, _, err = s.Snapshot(ctx, "ns")
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "CreateSchema") {
		t.Errorf("Snapshot of a table without the feed = %v, want errors.ErrUnsupported saying to run CreateSchema", err)
	}
	_, err = watchNext(t, s, "ns", "")(5 * time.Second)
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "CreateSchema") {
		t.Errorf("Watch of a table without the feed = %v, want errors.ErrUnsupported saying to run CreateSchema", err)
	}
	if err := s.CreateSchema(ctx); err != nil {
		t.Fatalf("CreateSchema of a table without the feed: %v", err)
	}
	got, c, err := s.Snapshot(ctx, "ns")
	if err != nil || len(got) != 1 || got[0].Entity.Value != "1" {
		t.Fatalf("Snapshot after the migration = %v, %v; want a=1", got, err)
	}
	next := watchNext(t, s, "ns", c)
	storetest.Save(t, s, set("ns", "k", "a", "2", at(5)))
	awaitValue(t, "Watch after the migration", next, "2")
}

// awaitValue reads events from next until one sets the value v, and fails
// t, naming the watch by what, on an error or none within 10 seconds.
func awaitValue(t *testing.T, what string, next func(time.Duration) (unionstore.WatchEvent[storetest.Item], error), v string) {
	t.Helper()
	for {
		ev, err := next(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ev.Change.Entity.Value == v {
			return
		}
	}
}

// TestWatchStopsWhenTheLoopBreaks breaks out of a watch and checks that
// the sequence ends, with the store's listener (the leak check of
// TestMain finds any goroutine left).
func TestWatchStopsWhenTheLoopBreaks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	_, c := storetest.Snapshot(t, s, "ns")
	storetest.Save(t, s, set("ns", "k", "a", "1", at(1)))
	n := 0
	for ev, err := range s.Watch(ctx, "ns", c) {
		if err != nil || ev.Change.Entity.ID != "a" {
			t.Fatalf("Watch = %v, %v; want a", ev.Change, err)
		}
		n++
		break
	}
	if n != 1 {
		t.Fatalf("%d events before the break, want 1", n)
	}
	for _, tc := range []struct{ name, ns string }{{"of another namespace", "other"}, {"of no table", "ns"}} {
		cursor := c
		if tc.ns == "ns" {
			f := strings.Split(string(c), ".")
			f[1] = "0" // the table's oid
			cursor = unionstore.Cursor(strings.Join(f, "."))
		}
		next, stop := iter.Pull2(s.Watch(ctx, tc.ns, cursor))
		if _, err, ok := next(); !ok || !errors.Is(err, unionstore.ErrCursorExpired) {
			t.Errorf("Watch from a cursor %s (%s) = %v, %v; want ErrCursorExpired", tc.name, cursor, err, ok)
		}
		stop()
	}
}

// TestLongestNamespaceFitsTheFeedIndex finds the longest namespace Check
// accepts with a one-byte id, and saves it: the server must take it, in
// its primary key and in the change feed's index. One byte more is
// refused by Check, naming the feed's index.
func TestLongestNamespaceFitsTheFeedIndex(t *testing.T) {
	s := newStore(t)
	// Random letters, which PostgreSQL cannot compress in the index.
	r := rand.New(rand.NewPCG(1, 2))
	letters := make([]byte, pgstore.MaxKeySize)
	for i := range letters {
		letters[i] = byte('a' + r.IntN(26))
	}
	change := func(n int) unionstore.Changes[storetest.Item] {
		return unionstore.Changes[storetest.Item]{set(string(letters[:n]), "", "i", "v", at(1))}
	}
	n := pgstore.MaxKeySize
	for s.Check(change(n)) != nil {
		n--
	}
	if err := s.Save(context.Background(), change(n)); err != nil {
		t.Fatalf("Save with the longest namespace Check accepts, %d bytes: %v", n, err)
	}
	err := s.Check(change(n + 1))
	if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), "change feed's index") {
		t.Errorf("Check with a namespace of %d bytes = %v, want ErrInvalidChange naming the change feed's index", n+1, err)
	}
}

// TestSaveWakesAWatchAtOnce checks that a watch learns of a Save from its
// notification, well before the poll that would otherwise find it.
func TestSaveWakesAWatchAtOnce(t *testing.T) {
	s := newStore(t)
	next := watchFromNow(t, s)
	time.Sleep(100 * time.Millisecond) // for the listener to listen
	// A watch woken only by its poll would take half the interval on
	// average: five in a row under the bound are most unlikely then.
	const bound = 2 * pgstore.PollInterval / 5
	for i := range 5 {
		if took := timedSave(t, s, next, i, 2*pgstore.PollInterval); took > bound {
			t.Fatalf("the event of save %d came %v after it, want under %v", i, took, bound)
		}
	}
}

// watchFromNow returns the events, one per call, of a watch of namespace
// "ns" from a snapshot taken now.
func watchFromNow(t *testing.T, s *pgstore.Store[storetest.Item]) func(wait time.Duration) (unionstore.WatchEvent[storetest.Item], error) {
	t.Helper()
	_, c := storetest.Snapshot(t, s, "ns")
	return watchNext(t, s, "ns", c)
}

// timedSave saves change i to namespace "ns", waits up to wait for its
// event from next, and returns how long the event took to come.
func timedSave(t *testing.T, s *pgstore.Store[storetest.Item], next func(time.Duration) (unionstore.WatchEvent[storetest.Item], error), i int, wait time.Duration) time.Duration {
	t.Helper()
	storetest.Save(t, s, set("ns", "k", fmt.Sprint(i), "v", at(i)))
	saved := time.Now()
	ev, err := next(wait)
	if err != nil {
		t.Fatalf("event of save %d: %v", i, err)
	}
	if ev.Change.Entity.ID != fmt.Sprint(i) {
		t.Fatalf("event of save %d is of id %q", i, ev.Change.Entity.ID)
	}
	return time.Since(saved)
}

// TestListenerReconnects ends the connection a store listens on: the
// watch goes on, and once the store has listened again, a Save wakes it at
// once again.
func TestListenerReconnects(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	next := watchFromNow(t, s)
	var oid uint32
	if err := adminPool(t).QueryRow(ctx, "SELECT $1::regclass::oid", s.Table()).Scan(&oid); err != nil {
		t.Fatal(err)
	}
	listening := fmt.Sprintf("LISTEN unionstore_%d", oid)
	terminate := func() int {
		var n int
		err := adminPool(t).QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1", listening).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Second)
	for terminate() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no backend listens for the store")
		}
		time.Sleep(20 * time.Millisecond)
	}
	timedSave(t, s, next, 0, 3*pgstore.PollInterval) // by the poll, or once the store listens again
	time.Sleep(2 * pgstore.PollInterval)
	const bound = 2 * pgstore.PollInterval / 5
	for i := 1; i <= 5; i++ {
		if took := timedSave(t, s, next, i, 3*pgstore.PollInterval); took > bound {
			t.Fatalf("after the store listened again, the event of save %d came %v after it, want under %v", i, took, bound)
		}
	}
}
