package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

func TestSaveRefusesTextPostgresCannotHold(t *testing.T) {
	s := newStore(t)
	good := set("ns", "k", "good", "v", at(1))
	for _, tt := range []struct {
		name, field string
		bad         unionstore.Change[storetest.Item]
	}{
		{"NUL in namespace", "namespace", set("n\x00s", "k", "a", "v", at(1))},
		{"NUL in kind", "kind", set("ns", "k\x00", "a", "v", at(1))},
		{"NUL in id", "id", set("ns", "k", "\x00a", "v", at(1))},
		{"invalid UTF-8 in namespace", "namespace", set("ns\xff", "k", "a", "v", at(1))},
		{"invalid UTF-8 in kind", "kind", set("ns", "\xc3", "a", "v", at(1))},
		{"invalid UTF-8 in id", "id", set("ns", "k", "a\x80", "v", at(1))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Save(context.Background(), unionstore.Changes[storetest.Item]{good, tt.bad})
			if !errors.Is(err, unionstore.ErrInvalidChange) {
				t.Fatalf("Save = %v, want an error wrapping ErrInvalidChange", err)
			}
			if !strings.Contains(err.Error(), "change 1: "+tt.field) {
				t.Errorf("Save = %q, want it to name change 1 and its %s", err, tt.field)
			}
			if err := s.Check(unionstore.Changes[storetest.Item]{good, tt.bad}); !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), "change 1: "+tt.field) {
				t.Errorf("Check = %v, want ErrInvalidChange naming change 1 and its %s", err, tt.field)
			}
			if n := rowCount(t, strings.Trim(s.Table(), `"`)); n != 0 {
				t.Errorf("table holds %d rows after a refused batch, want 0", n)
			}
		})
	}
}

func TestPayloadMayHoldAnyBytes(t *testing.T) {
	s := newStore(t)
	in := unionstore.Changes[storetest.Item]{set("ns", "k", "a", "nul\x00 and \xff", at(1))}
	if err := s.Save(context.Background(), in); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := s.Load(context.Background(), "ns")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD; the NUL survives.
	if want := "nul\x00 and \ufffd"; len(got) != 1 || got[0].Entity.Value != want {
		t.Fatalf("Load = %+v, want value %q", got, want)
	}
}

// closedPort returns the address of a TCP port on 127.0.0.1 that nothing
// listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRefusedConnection(t *testing.T) {
	url := "postgres://postgres@" + closedPort(t) + "/test?sslmode=disable&connect_timeout=5"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	s, err := pgstore.OpenURL[storetest.Item](ctx, url)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("OpenURL = %v, %v; want an error wrapping ECONNREFUSED", s, err)
	}

	// A pool connects lazily, so New succeeds and each call fails instead.
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("pgxpool.New: %v", err)
	}
	defer pool.Close()
	s, err = pgstore.New[storetest.Item](ctx, pool)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, tt := range []struct {
		op  string
		err error
	}{
		{"Save", s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "v", at(1))})},
		{"Load", func() error { _, err := s.Load(ctx, "ns"); return err }()},
		{"Namespaces", func() error { _, err := s.Namespaces(ctx); return err }()},
		{"Scan", func() (last error) {
			for _, err := range s.Scan(ctx, "ns") {
				last = err
			}
			return last
		}()},
		{"CreateSchema", s.CreateSchema(ctx)},
	} {
		if !errors.Is(tt.err, syscall.ECONNREFUSED) {
			t.Errorf("%s = %v, want an error wrapping ECONNREFUSED", tt.op, tt.err)
		}
	}
	_, err = pgstore.New[storetest.Item](ctx, pool, pgstore.WithCreateSchema())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("New with WithCreateSchema = %v, want an error wrapping ECONNREFUSED", err)
	}
}

// blockedSave starts saving a batch of n changes that has to wait, half
// written, for a row lock that another transaction holds on its middle
// identity. It returns once the save is waiting, with the process id of
// the save's backend, the save's result channel and a function that ends
// the blocking transaction.
func blockedSave(t *testing.T, ctx context.Context, s *pgstore.Store[storetest.Item], appName string, n int) (int, <-chan error, func()) {
	t.Helper()
	pool := adminPool(t)
	batch := make(unionstore.Changes[storetest.Item], n)
	for i := range batch {
		batch[i] = set("ns", "k", fmt.Sprintf("%06d", i), "v", at(i))
	}
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	release := func() { _ = tx.Rollback(context.Background()) }
	t.Cleanup(release)
	// An uncommitted insert of the middle identity: the save's upsert must
	// wait for this transaction to end.
	_, err = tx.Exec(context.Background(), "INSERT INTO "+s.Table()+" (namespace, kind, id, change_type, ts, payload) VALUES ('ns', 'k', $1, 'set', 0, '')", fmt.Sprintf("%06d", n/2))
	if err != nil {
		t.Fatalf("lock the middle row: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Save(ctx, batch) }()
	return waitFor(t, appName, "Lock"), done, release
}

// waitFor waits until the backend of a connection named appName waits
// for an event of type waitType, and returns its process id.
func waitFor(t *testing.T, appName, waitType string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var pid int
		err := adminPool(t).QueryRow(context.Background(),
			"SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = $2", appName, waitType).Scan(&pid)
		if err == nil {
			return pid
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			t.Fatalf("query pg_stat_activity: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no backend of %q waited for %s", appName, waitType)
	return 0
}

// checkUsable saves and loads through s, which must work again after a
// fault, and checks that the table holds only that change.
func checkUsable(t *testing.T, s *pgstore.Store[storetest.Item]) {
	t.Helper()
	ctx := context.Background()
	want := set("after", "k", "x", "v", at(1))
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{want}); err != nil {
		t.Fatalf("Save after the fault: %v", err)
	}
	got, err := s.Load(ctx, "after")
	if err != nil {
		t.Fatalf("Load after the fault: %v", err)
	}
	if len(got) != 1 || got[0].Entity != want.Entity {
		t.Fatalf("Load after the fault = %+v, want %+v", got, want)
	}
	if n := rowCount(t, strings.Trim(s.Table(), `"`)); n != 1 {
		t.Fatalf("table holds %d rows, want only the change saved after the fault", n)
	}
}

func TestBackendTerminatedDuringSave(t *testing.T) {
	forEachSavePath(t, testBackendTerminatedDuringSave)
}

func testBackendTerminatedDuringSave(t *testing.T) {
	interruptedSave(t, context.Background(), "the backend was terminated", func(pid int) {
		if _, err := adminPool(t).Exec(context.Background(), "SELECT pg_terminate_backend($1)", pid); err != nil {
			t.Fatalf("pg_terminate_backend: %v", err)
		}
	}, func(err error) {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "57P01" { // admin_shutdown
			return
		}
		// A copy blocks while the client still streams rows: its write can
		// meet the closed socket before its read meets the server's
		// message, and the client then reports the broken connection.
		copying := pgstore.CopyThreshold() <= interruptedSaveSize
		if copying && (errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) {
			t.Logf("the server's message was lost to the broken connection: %v", err)
			return
		}
		t.Errorf("Save = %v, want an error wrapping the server's admin_shutdown (57P01)", err)
	})
}

// interruptedSaveSize is the size of the batch of interruptedSave.
const interruptedSaveSize = 20000

// interruptedSave saves a batch of 20,000 changes with ctx through a store
// on a table and a pool of its own, makes the save wait half written (see
// blockedSave) and calls interrupt with the process id of its backend.
// It hands Save's error to check and logs it, then ends the blocking
// transaction and requires the table to hold none of the batch (after
// what, the failure says) and the store to work again (see checkUsable).
func interruptedSave(t *testing.T, ctx context.Context, what string, interrupt func(pid int), check func(err error)) {
	t.Helper()
	const n = interruptedSaveSize
	appName := storetest.UniqueName("unionstore_test_")
	s := newStoreOn(t, newPool(t, appName), newTable(t))
	pid, done, release := blockedSave(t, ctx, s, appName, n)
	interrupt(pid)
	err := <-done
	check(err)
	t.Logf("Save = %v", err)
	release()
	if c := rowCount(t, strings.Trim(s.Table(), `"`)); c != 0 {
		t.Fatalf("table holds %d of %d rows after %s, want none", c, n, what)
	}
	checkUsable(t, s)
}

// expiringContext is a context whose deadline passes when expire is
// called, so that a test can make it pass at a chosen moment: its Err is
// then context.DeadlineExceeded, as for a context made by WithTimeout.
type expiringContext struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newExpiringContext() *expiringContext {
	return &expiringContext{Context: context.Background(), done: make(chan struct{})}
}

func (c *expiringContext) Done() <-chan struct{} { return c.done }

func (c *expiringContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *expiringContext) expire() { c.once.Do(func() { close(c.done) }) }

func TestDeadlineDuringSave(t *testing.T) { forEachSavePath(t, testDeadlineDuringSave) }

func testDeadlineDuringSave(t *testing.T) {
	ctx := newExpiringContext()
	defer ctx.expire()
	// The deadline passes while the save waits, half written, inside its
	// statement.
	interruptedSave(t, ctx, "the deadline", func(int) { ctx.expire() }, func(err error) {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Save = %v, want an error wrapping context.DeadlineExceeded", err)
		}
	})
}
