package natsstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// DefaultStream is the stream a [Store] uses unless [WithStream] names
// another.
const DefaultStream = "UNIONSTORE"

// Limits on the names a store is configured with, so that every subject
// and every protocol line the store causes stays well under the server's
// 4,096-byte control line.
const (
	maxStreamName = 64
	maxPrefix     = 128
)

// Option configures a [Store] made by [New] or [OpenURL]. Options are
// applied in order; an invalid option makes the constructor return an
// error naming it.
type Option func(*config) error

type config struct {
	stream       string
	prefix       string // "" means the stream name
	replicas     int    // 0 means 1 at creation, and any on an existing stream
	storage      jetstream.StorageType
	storageSet   bool
	codec        backend.Codec
	createStream bool
	// Scan's sorter: see backend.Sorter.
	spillThreshold int
	tempDir        string
}

// configure applies opts to the defaults and checks that the codec they
// set, if any, is for entities of type E, so that a constructor refuses it
// before any I/O.
func configure[E unionstore.Entity](opts []Option) (config, error) {
	c := config{stream: DefaultStream, createStream: true, spillThreshold: DefaultSpillThreshold}
	if err := backend.Configure[E](&c, opts, &c.codec); err != nil {
		return config{}, err
	}
	if c.prefix == "" {
		c.prefix = c.stream
	}
	return c, nil
}

// WithStream names the JetStream stream that holds the changes. The default
// is [DefaultStream]. A name is 1 to 64 characters, none of them white
// space, '.', '*', '>', '/' or '\', as the server requires.
func WithStream(name string) Option {
	return func(c *config) error {
		if err := checkStreamName(name); err != nil {
			return fmt.Errorf("stream name: %w", err)
		}
		c.stream = name
		return nil
	}
}

// WithSubjectPrefix sets the subjects' first tokens: changes are published
// on <prefix>.<namespace>.<kind>.<id>. The default is the stream's name,
// so that stores on different streams of one server never claim the same
// subjects, which JetStream refuses. The prefix is one or more tokens
// separated by '.', up to 128 bytes, without white space or wildcards.
func WithSubjectPrefix(prefix string) Option {
	return func(c *config) error {
		if err := checkPrefix(prefix); err != nil {
			return fmt.Errorf("subject prefix: %w", err)
		}
		c.prefix = prefix
		return nil
	}
}

// WithReplicas sets the number of servers that keep a copy of the stream
// when the constructor creates it, 1 to 5; JetStream needs a cluster of at
// least that many servers. By default a new stream has one replica and an
// existing stream is used with whatever it has; with this option, an
// existing stream with another number is an error.
func WithReplicas(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 5 {
			return fmt.Errorf("replicas %d: must be 1 to 5", n)
		}
		c.replicas = n
		return nil
	}
}

// WithStorage sets where the servers keep the stream when the constructor
// creates it: [jetstream.FileStorage] (the default, which survives a
// restart) or [jetstream.MemoryStorage]. With this option, an existing
// stream kept elsewhere is an error.
func WithStorage(st jetstream.StorageType) Option {
	return func(c *config) error {
		if st != jetstream.FileStorage && st != jetstream.MemoryStorage {
			return fmt.Errorf("storage %v: want file or memory", st)
		}
		c.storage, c.storageSet = st, true
		return nil
	}
}

// WithCodec sets the codec that turns entities into message bodies and
// back. The default is [unionstore.JSONCodec]. The codec's entity type must
// be the store's; the constructor returns an error otherwise.
func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
	return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
}

// WithCreateStream says whether the constructor creates the stream when it
// does not exist, which it does by default. With false, a missing stream is
// an error wrapping [jetstream.ErrStreamNotFound], and the constructor
// changes nothing on the server: what a program that only reads wants.
func WithCreateStream(create bool) Option {
	return func(c *config) error {
		c.createStream = create
		return nil
	}
}

// DefaultSpillThreshold is how many bytes of records [Store.Scan] holds in
// memory before it writes them to a temporary file, unless
// [WithSpillThreshold] sets another.
const DefaultSpillThreshold = backend.DefaultSpillThreshold

// WithSpillThreshold sets how many bytes of records [Store.Scan] holds in
// memory before it writes them, sorted, to a temporary file. The default is
// [DefaultSpillThreshold]; n must be at least 1 KiB.
func WithSpillThreshold(n int) Option {
	return func(c *config) error { return backend.SetSpillThreshold(&c.spillThreshold, n) }
}

// WithTempDir sets the directory of the temporary files of [Store.Scan]. The
// default is [os.TempDir].
func WithTempDir(dir string) Option {
	return func(c *config) error { return backend.SetTempDir(&c.tempDir, dir) }
}

// checkStreamName returns why name cannot name a stream, or nil.
func checkStreamName(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > maxStreamName:
		return fmt.Errorf("%q is %d bytes, more than %d", name, len(name), maxStreamName)
	case strings.ContainsAny(name, ".*>/\\ \t\r\n\x00"):
		return fmt.Errorf("%q holds one of . * > / \\, white space or NUL", name)
	}
	return nil
}

// checkPrefix returns why prefix cannot begin the store's subjects, or nil.
func checkPrefix(prefix string) error {
	switch {
	case prefix == "":
		return errors.New("empty")
	case len(prefix) > maxPrefix:
		return fmt.Errorf("%q is %d bytes, more than %d", prefix, len(prefix), maxPrefix)
	case strings.ContainsAny(prefix, " \t\r\n\x00"):
		return fmt.Errorf("%q holds white space or NUL", prefix)
	}
	for _, tok := range strings.Split(prefix, ".") {
		switch tok {
		case "":
			return fmt.Errorf("%q has an empty token", prefix)
		case "*", ">":
			return fmt.Errorf("%q has a wildcard token", prefix)
		}
	}
	return nil
}
