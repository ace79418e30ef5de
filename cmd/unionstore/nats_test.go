package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore/storetest"
)

// natsURL returns the JetStream server the tests may use, or skips the
// test where none is reachable (and fails it in CI, where one must be).
func natsURL(t *testing.T) string {
	t.Helper()
	url := natsServer.URL()
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	natsServer.Unreachable(t, err)
	nc.Close()
	return url
}

// natsStream returns the address of a fresh stream on the test server,
// deleted when the test ends.
func natsStream(t *testing.T, base string) string {
	t.Helper()
	stream := storetest.UniqueName("CLI_TEST_")
	t.Cleanup(func() {
		nc, err := nats.Connect(base)
		if err != nil {
			t.Errorf("deleting stream %s: %v", stream, err)
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err == nil {
			err = js.DeleteStream(context.Background(), stream)
		}
		if err != nil && err != jetstream.ErrStreamNotFound {
			t.Errorf("deleting stream %s: %v", stream, err)
		}
	})
	return base + "?stream=" + stream
}

// TestNATSAddresses copies a bolt file into a JetStream stream with the
// command and reads it back, whole and one record at a time.
func TestNATSAddresses(t *testing.T) {
	base := natsURL(t)
	js := natsStream(t, base)
	dir := t.TempDir()
	roundTrip(t, dir, js)

	// A read-only command never creates a stream.
	r := must(t, dir, exitFailure, "", "load", "--store", natsStream(t, base), "shop")
	contains(t, "load of a missing stream", r.stderr, "hint: the stream does not exist")
}

// TestNATSNewStreamReadsAsEmpty: a stream that sync would create reads as
// empty in dry runs, check and shards, and is not created.
func TestNATSNewStreamReadsAsEmpty(t *testing.T) {
	base := natsURL(t)
	addr := natsStream(t, base)
	stream := strings.TrimPrefix(addr, base+"?stream=")
	nc, err := nats.Connect(base)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	testAbsentReadsAsEmpty(t, t.TempDir(), addr, true, func() bool {
		_, err := js.Stream(context.Background(), stream)
		if err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("looking up stream %s: %v", stream, err)
		}
		return err == nil
	})
}
