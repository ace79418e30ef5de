package natsstore_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
	"go.uber.org/goleak"
)

// natsServer is the NATS server the tests use.
var natsServer = storetest.Server{Name: "NATS JetStream", EnvVar: "UNIONSTORE_NATS_URL", Default: "nats://127.0.0.1:4222"}

func serverURL() string { return natsServer.URL() }

// shared is the JetStream context on the machine's server that the tests
// share.
var shared = storetest.Shared[jetstream.JetStream]{
	Server: natsServer,
	Open: func(ctx context.Context, url string) (jetstream.JetStream, error) {
		nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
		if err != nil {
			return nil, err
		}
		js, err := jetstream.New(nc)
		if err == nil {
			_, err = js.AccountInfo(ctx)
		}
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("JetStream: %w", err)
		}
		return js, nil
	},
	Release: func(js jetstream.JetStream) error {
		js.Conn().Close()
		return nil
	},
}

// sharedJS returns the JetStream context the tests share. It skips the
// test when no server is reachable, or fails it when the CI variable is
// set.
func sharedJS(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	return shared.Get(tb)
}

// TestMain runs the tests and then closes the shared connection, so that
// the leak check that follows finds none of its goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(shared.Main(m, "")) }

// newStreamName returns a stream name unique to the test, whose stream is
// deleted on js when the test ends.
func newStreamName(tb testing.TB, js jetstream.JetStream) string {
	tb.Helper()
	name := storetest.UniqueName("UNIONSTORE_TEST_")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, name); err != nil && !errorsIsNotFound(err) {
			tb.Errorf("delete stream %s: %v", name, err)
		}
	})
	return name
}

func errorsIsNotFound(err error) bool {
	return err != nil && (jetstreamIs(err, jetstream.ErrStreamNotFound))
}

// newStore returns a store on a fresh stream of the machine's server, on
// the shared connection.
func newStore(tb testing.TB, opts ...natsstore.Option) *natsstore.Store[storetest.Item] {
	tb.Helper()
	js := sharedJS(tb)
	return newStoreOn(tb, js, newStreamName(tb, js), opts...)
}

// spillingStore returns a second store on s's stream whose Scan writes its
// records as a run of a temporary file in dir every few records: what a
// Scan of a namespace beyond its threshold does.
func spillingStore(tb testing.TB, s *natsstore.Store[storetest.Item], dir string) *natsstore.Store[storetest.Item] {
	tb.Helper()
	return newStoreOn(tb, sharedJS(tb), s.Stream(), natsstore.WithSpillThreshold(1<<10), natsstore.WithTempDir(dir))
}

// newStoreOn returns a store on stream through js, closed when the test
// ends.
func newStoreOn(tb testing.TB, js jetstream.JetStream, stream string, opts ...natsstore.Option) *natsstore.Store[storetest.Item] {
	tb.Helper()
	opts = append([]natsstore.Option{natsstore.WithStream(stream)}, opts...)
	s, err := retryCreation(func() (*natsstore.Store[storetest.Item], error) {
		return natsstore.New[storetest.Item](context.Background(), js, opts...)
	})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// freePort returns a loopback port that nothing listens on.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serverOptions returns the options of an in-process JetStream server on
// a free loopback port, keeping its files in dir.
func serverOptions(tb testing.TB, dir string) *server.Options {
	tb.Helper()
	return &server.Options{
		ServerName: storetest.UniqueName("s"),
		Host:       "127.0.0.1",
		Port:       freePort(tb),
		JetStream:  true,
		StoreDir:   dir,
		NoLog:      true,
		NoSigs:     true,
	}
}

// startServer starts an in-process server with opts and waits until it
// takes connections. The test shuts it down when it ends, if it still
// runs.
func startServer(tb testing.TB, opts *server.Options) *server.Server {
	tb.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		tb.Fatalf("new server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		tb.Fatalf("in-process server on port %d not ready", opts.Port)
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// stopServer shuts s down and waits until it has.
func stopServer(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

func serverAddr(opts *server.Options) string {
	return "nats://" + net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))
}

// connect returns a JetStream context on a connection of its own to url,
// closed when the test ends, that reconnects for as long as the test
// runs.
func connect(tb testing.TB, url string, opts ...nats.Option) jetstream.JetStream {
	tb.Helper()
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		tb.Fatalf("connect %s: %v", url, err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream.New: %v", err)
	}
	return js
}

// repeatUntil calls op over and over in a goroutine of wg until stop is
// closed, and stops at op's first error, which fails tb with what naming
// op.
func repeatUntil(tb testing.TB, wg *sync.WaitGroup, stop <-chan struct{}, what string, op func() error) {
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := op(); err != nil {
				tb.Errorf("%s: %v", what, err)
				return
			}
		}
	})
}

// set and unset make the tests' changes: see [storetest.Set].
var set, unset = storetest.Set, storetest.Unset

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Nanosecond) }

// sharedJSConn returns the connection of sharedJS.
func sharedJSConn(tb testing.TB) *nats.Conn {
	tb.Helper()
	return sharedJS(tb).Conn()
}
