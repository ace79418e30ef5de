package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Store is a [unionstore.Store] that keeps changes in Redis, under the keys
// of one prefix. Through the [backend.Store] it embeds it also implements
// [unionstore.Checker], [unionstore.Getter], [unionstore.Scanner],
// [unionstore.NamespaceLister], [unionstore.Purger],
// [unionstore.TombstonePurger] and [unionstore.Watcher] (see the package
// doc on the change feed).
//
// Store is safe for concurrent use, and several stores, in one process or
// many, may share a prefix: the server itself keeps the latest change.
type Store[E unionstore.Entity] struct {
	*backend.Store[E]
	prefix string
}

var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

var _ backend.Feeder = (*driver)(nil)

// Prefix returns the prefix of the store's keys.
func (s *Store[E]) Prefix() string { return s.prefix }

// New returns a store on client, which stays the caller's: Close leaves it
// open. client is a *redis.Client, or another [redis.UniversalClient]
// whose commands reach one database (see the package doc on clusters).
// New loads the store's scripts into the server, so that a server that
// does not answer, or cannot run them, is reported here; it creates no
// key. It returns an error for an invalid option, a nil client or a
// failed load.
func New[E unionstore.Entity](ctx context.Context, client redis.UniversalClient, opts ...Option) (*Store[E], error) {
	if c, ok := client.(*redis.Client); client == nil || ok && c == nil {
		return nil, errors.New("redisstore: nil client")
	}
	s, err := newStore[E](ctx, client, false, opts)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	return s, nil
}

// newStore is New with errors that do not name the package. owns says
// whether Close closes client.
func newStore[E unionstore.Entity](ctx context.Context, client redis.UniversalClient, owns bool, opts []Option) (*Store[E], error) {
	c, err := configure[E](opts)
	if err != nil {
		return nil, err
	}
	d := &driver{client: client, owns: owns, prefix: c.prefix, pageSize: c.pageSize, history: c.history,
		server: serverName(client), closed: make(chan struct{})}
	if err := loadScripts(ctx, client); err != nil {
		return nil, fmt.Errorf("%s: %w", d, err)
	}
	bs, err := backend.NewStore[E]("redisstore", d, c.codec)
	if err != nil {
		return nil, err
	}
	return &Store[E]{Store: bs, prefix: c.prefix}, nil
}

// OpenURL connects to the Redis server at rawURL and returns a store that
// owns its client: Close closes it. The URL has the form
//
//	redis://[USER:PASSWORD@]HOST:PORT/DB?prefix=NAME
//
// (rediss:// for TLS, unix:///PATH?db=DB for a socket), as
// [redis.ParseURL] reads it, with one parameter of the store's own:
// prefix, as [WithPrefix], [DefaultPrefix] when absent. The other
// parameters are those of redis.ParseURL (dial_timeout, pool_size...); an
// unknown one is refused. Options given as arguments are applied after the
// URL's and win.
//
// OpenURL pings the server and loads the store's scripts, so that an
// unreachable server or a refused login is reported here. It creates no
// key: a namespace's keys appear with its first change. Its errors never
// show the URL's password.
func OpenURL[E unionstore.Entity](ctx context.Context, rawURL string, opts ...Option) (*Store[E], error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included.
		return nil, errors.New("redisstore: open: malformed URL")
	}
	q := u.Query()
	if q.Has("prefix") {
		opts = append([]Option{WithPrefix(q.Get("prefix"))}, opts...)
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	// Refuse a bad option before connecting.
	if _, err := configure[E](opts); err != nil {
		return nil, fmt.Errorf("redisstore: open: %w", err)
	}
	ropts, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redisstore: open: %w", err)
	}
	client := redis.NewClient(ropts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: open redis %s: %w", serverName(client), err)
	}
	s, err := newStore[E](ctx, client, true, opts)
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: open: %w", err)
	}
	return s, nil
}

// serverName names the server and database of client for errors, without
// user or password.
func serverName(client redis.UniversalClient) string {
	switch c := client.(type) {
	case *redis.Client:
		o := c.Options()
		return o.Addr + "/" + strconv.Itoa(o.DB)
	case *redis.ClusterClient:
		return fmt.Sprintf("cluster %v", c.Options().Addrs)
	}
	return fmt.Sprintf("%T", client)
}
