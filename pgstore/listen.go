package pgstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// listener wakes a store's watchers when a Save notifies their
// namespace. It holds one connection, taken out of the pool, on which it
// listens to the table's channel, while the store has watchers: the first
// starts it and the last stops it, so that none of its goroutines
// outlives the watches. Its zero value is ready to use, and it is safe
// for concurrent use.
//
// Notifications are a way to wake watchers early, never the only one: a
// watcher also reads its namespace every PollInterval, so that a
// notification lost with the connection only delays its events.
type listener struct {
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{} // by namespace
	n      int
	cancel context.CancelFunc
	done   chan struct{}
}

// subscribe returns a channel that receives a value when namespace may
// have changed, and a function that ends the subscription.
func (l *listener) subscribe(s interface {
	listenOn() (*pgxpool.Pool, string)
}, namespace string) (<-chan struct{}, func()) {
	wake := make(chan struct{}, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.subs == nil {
		l.subs = map[string]map[chan struct{}]struct{}{}
	}
	if l.subs[namespace] == nil {
		l.subs[namespace] = map[chan struct{}]struct{}{}
	}
	l.subs[namespace][wake] = struct{}{}
	l.n++
	if l.n == 1 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		l.cancel, l.done = cancel, done
		pool, table := s.listenOn()
		go func() {
			defer close(done)
			l.run(ctx, pool, table)
		}()
	}
	return wake, func() { l.unsubscribe(namespace, wake) }
}

// unsubscribe ends a subscription, and waits for the listening goroutine
// to end when it was the last.
func (l *listener) unsubscribe(namespace string, wake chan struct{}) {
	l.mu.Lock()
	delete(l.subs[namespace], wake)
	if len(l.subs[namespace]) == 0 {
		delete(l.subs, namespace)
	}
	l.n--
	var done chan struct{}
	if l.n == 0 {
		l.cancel()
		done = l.done
	}
	l.mu.Unlock()
	if done != nil {
		<-done
	}
}

// wake wakes the watchers of namespace, or all of them for "" with all.
func (l *listener) wake(namespace string, all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ns, subs := range l.subs {
		if all || ns == namespace {
			for w := range subs {
				select {
				case w <- struct{}{}:
				default: // already woken
				}
			}
		}
	}
}

// run listens until ctx ends, connecting again a second after a failure.
// Once it listens it wakes every watcher, for what was committed before.
func (l *listener) run(ctx context.Context, pool *pgxpool.Pool, table string) {
	for ctx.Err() == nil {
		conn, err := listenConn(ctx, pool, table)
		if err == nil {
			l.wake("", true)
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					break
				}
				l.wake(n.Payload, false)
			}
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(PollInterval):
		}
	}
}

// listenConn takes a connection out of pool and listens on it to the
// channel of table.
func listenConn(ctx context.Context, pool *pgxpool.Pool, table string) (*pgx.Conn, error) {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := pc.Hijack()
	var oid uint32
	err = conn.QueryRow(ctx, "SELECT $1::regclass::oid", table).Scan(&oid)
	if err == nil {
		_, err = conn.Exec(ctx, fmt.Sprintf("LISTEN unionstore_%d", oid))
	}
	if err != nil {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
		return nil, err
	}
	return conn, nil
}
