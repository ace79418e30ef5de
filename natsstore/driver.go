package natsstore

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// driver is the engine code of a [Store]: a [backend.Driver] over one
// JetStream stream, with its change feed.
type driver struct {
	nc      *nats.Conn // the connection the store owns, or nil
	js      jetstream.JetStream
	stream  jetstream.Stream
	name    string // the stream's name
	prefix  string // the subjects' first tokens
	maxBody int    // the largest body the server takes with our headers
	// news says whether Save publishes a batch as new identities before
	// reading what the stream holds: see driver.saveNamespace.
	news backend.FastPath
	// Scan's sorter: see backend.Sorter.
	spillThreshold int
	tempDir        string
	// closing is cancelled by Close, which so ends every watch, whether
	// or not the store owns its connection.
	closing context.Context
	close   context.CancelFunc
}

var (
	_ backend.Driver        = (*driver)(nil)
	_ backend.Loader        = (*driver)(nil)
	_ backend.Feeder        = (*driver)(nil)
	_ backend.RecordChecker = (*driver)(nil)
)

// newDriver returns the driver of stream st, opened by js as c says; nc,
// when not nil, is js's connection, which Close then closes.
func newDriver(js jetstream.JetStream, nc *nats.Conn, st jetstream.Stream, c config) *driver {
	maxMsg := int(js.Conn().MaxPayload())
	if m := int(st.CachedInfo().Config.MaxMsgSize); m > 0 && m < maxMsg {
		maxMsg = m
	}
	closing, cancel := context.WithCancel(context.Background())
	return &driver{
		nc:      nc,
		js:      js,
		stream:  st,
		name:    c.stream,
		prefix:  c.prefix,
		maxBody: maxMsg - headerAllowance,
		closing: closing,
		close:   cancel,

		spillThreshold: c.spillThreshold,
		tempDir:        c.tempDir,
	}
}

func (d *driver) String() string { return "stream " + d.name }

// Limits says that an entity may encode to at most the server's largest
// message, or the stream's when it is smaller, less the room of the
// headers. The keys' limit is that of their subject, which CheckRecord
// checks.
func (d *driver) Limits() backend.Limits { return backend.Limits{MaxPayload: d.maxBody} }

// CheckRecord refuses a record whose subject would be longer than
// maxSubject.
func (d *driver) CheckRecord(r backend.Record) error {
	if n := subjectLen(d.prefix, r.Namespace, r.Kind, r.ID); n > maxSubject {
		return fmt.Errorf("%w: its subject would be %d bytes, more than the store's limit of %d", backend.ErrKeyTooLong, n, maxSubject)
	}
	return nil
}

// Close ends the watches under way, and closes the
// connection of a store made by [OpenURL], which ends the other calls
// under way with an error; a store made by [New] leaves the caller's
// connection open.
func (d *driver) Close() error {
	d.close()
	if d.nc != nil {
		d.nc.Close()
	}
	return nil
}

// closed returns [unionstore.ErrClosed] once Close was called, and nil
// before.
func (d *driver) closed() error {
	if d.closing.Err() != nil {
		return unionstore.ErrClosed
	}
	return nil
}
