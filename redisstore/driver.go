package redisstore

import (
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore/backend"
)

// Limits of the records a store holds. Redis holds a string, and so a key,
// a member or a value, of at most 512 MiB.
const (
	// MaxKey is the most bytes of a namespace, a kind or an id. A
	// namespace is escaped into key names, up to three bytes for one.
	MaxKey = 128 << 20
	// MaxPayload is the most bytes of an encoded entity: 512 MiB less the
	// value's header.
	MaxPayload = 512<<20 - valueHeader
)

// driver is the engine code of a [Store]: a [backend.Driver] over Redis.
type driver struct {
	client   redis.UniversalClient
	owns     bool // Close closes client
	prefix   string
	pageSize int
	history  int           // the log's length bound, MAXLEN ~
	server   string        // for errors: address and database
	closed   chan struct{} // closed by Close, which ends the watches
}

var _ backend.Driver = (*driver)(nil)

func (d *driver) String() string {
	return fmt.Sprintf("prefix %q of redis %s", d.prefix, d.server)
}

func (d *driver) Limits() backend.Limits {
	return backend.Limits{MaxKey: MaxKey, MaxPayload: MaxPayload}
}

func (d *driver) keys(namespace string) keys { return namespaceKeys(d.prefix, namespace) }

// Close closes the client of a store made by [OpenURL]; calls still
// running then fail with the client's error. A store made by [New] leaves
// the caller's client open.
//
// Watches notice Close within [watchBlock].
func (d *driver) Close() error {
	close(d.closed)
	if d.owns {
		return d.client.Close()
	}
	return nil
}
