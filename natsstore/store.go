package natsstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes in a NATS JetStream
// stream, one message per identity. Through the [backend.Store] it embeds
// it also implements [unionstore.Checker], [unionstore.Getter],
// [unionstore.Scanner], [unionstore.NamespaceLister], [unionstore.Purger],
// [unionstore.TombstonePurger] and [unionstore.Watcher]; the package
// documentation says how each reads and writes the stream.
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a stream: the expected-sequence check of every publish
// keeps the latest change whatever the number of writers.
//
// Close ends every Watch under way with [unionstore.ErrClosed]. A store
// made by [OpenURL] also closes its connection, which ends the other
// calls under way with an error; a store made by [New] leaves the
// caller's connection open.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	name string // the stream's name
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// New returns a store on js, whose connection stays the caller's:
// [Store.Close] leaves it open. It looks the stream up and creates it when
// it is missing, unless [WithCreateStream] says not to. It returns an error
// for an invalid option, a nil js, a stream that cannot be created, or an
// existing stream whose settings the store cannot work with (the error
// names the setting).
//
// The store publishes asynchronously on js: js's limit on pending
// publishes, 4,000 by default, is shared with the caller's own.
func New[E unionstore.Entity](ctx context.Context, js jetstream.JetStream, opts ...Option) (*Store[E], error) {
	s, err := newStore[E](ctx, js, nil, opts)
	if err != nil {
		return nil, fmt.Errorf("natsstore: %w", err)
	}
	return s, nil
}

// newStore is New with errors that do not name the package; nc, when not
// nil, is js's connection, which the store then owns and closes.
func newStore[E unionstore.Entity](ctx context.Context, js jetstream.JetStream, nc *nats.Conn, opts []Option) (*Store[E], error) {
	if js == nil {
		return nil, errors.New("nil JetStream")
	}
	c, err := configure[E](opts)
	if err != nil {
		return nil, err
	}
	st, err := openStream(ctx, js, c)
	if err != nil {
		return nil, err
	}
	bs, err := backend.NewStore[E]("natsstore", newDriver(js, nc, st, c), c.codec)
	if err != nil {
		return nil, err
	}
	return &Store[E]{Store: bs, name: c.stream}, nil
}

// OpenURL connects to the NATS server at rawURL and returns a store that
// owns the connection: [Store.Close] closes it. The URL is
// nats://[user:password@]host:port (tls:// for TLS), with optional query
// parameters of the store's own, removed before connecting: stream, as
// [WithStream] (default [DefaultStream]); prefix, as [WithSubjectPrefix];
// replicas, as [WithReplicas]; and storage, file or memory, as
// [WithStorage]. Options given as arguments are applied after them and
// win.
//
// OpenURL fails when the server is unreachable within ctx's deadline or two
// seconds, whichever is sooner, or has no JetStream, and otherwise as
// [New] does. Its errors wrap the cause and never repeat a password. Once
// open, the connection reconnects on its own after a server restart.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included.
		return nil, errors.New("natsstore: open: malformed URL")
	}
	switch u.Scheme {
	case "nats", "tls":
	default:
		return nil, fmt.Errorf("natsstore: open: scheme %q: want nats or tls", u.Scheme)
	}
	q := u.Query()
	urlOpts, err := queryOptions(q)
	if err != nil {
		return nil, fmt.Errorf("natsstore: open %s: %w", redacted(u), err)
	}
	u.RawQuery = ""
	opts = append(urlOpts, opts...)
	// Check the options before connecting.
	if _, err := configure[E](opts); err != nil {
		return nil, fmt.Errorf("natsstore: open %s: %w", redacted(u), err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("natsstore: open %s: %w", redacted(u), err)
	}
	timeout := 2 * time.Second
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	nc, err := nats.Connect(u.String(), nats.Name("unionstore"), nats.Timeout(timeout), nats.MaxReconnects(-1),
		// The client would print asynchronous errors, such as a write to a
		// lost connection; the operations they affect report them.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		return nil, fmt.Errorf("natsstore: open %s: %w", redacted(u), err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(8192), jetstream.WithPublishAsyncTimeout(time.Minute))
	if err == nil {
		var s *Store[E]
		if s, err = newStore[E](ctx, js, nc, opts); err == nil {
			return s, nil
		}
	}
	nc.Close()
	return nil, fmt.Errorf("natsstore: open %s: %w", redacted(u), err)
}

// queryOptions returns the options that the query parameters of an
// OpenURL address ask for.
func queryOptions(q url.Values) ([]Option, error) {
	var opts []Option
	for name, vs := range q {
		v := vs[len(vs)-1]
		switch name {
		case "stream":
			opts = append(opts, WithStream(v))
		case "prefix":
			opts = append(opts, WithSubjectPrefix(v))
		case "replicas":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("URL parameter replicas=%q: want a number", v)
			}
			opts = append(opts, WithReplicas(n))
		case "storage":
			switch v {
			case "file":
				opts = append(opts, WithStorage(jetstream.FileStorage))
			case "memory":
				opts = append(opts, WithStorage(jetstream.MemoryStorage))
			default:
				return nil, fmt.Errorf("URL parameter storage=%q: want file or memory", v)
			}
		default:
			return nil, backend.UnknownURLParam(name, "stream", "prefix", "replicas", "storage")
		}
	}
	return opts, nil
}

// redacted returns u's scheme and host, without user or password.
func redacted(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// Stream returns the name of the store's stream.
func (s *Store[E]) Stream() string { return s.name }
