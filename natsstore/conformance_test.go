package natsstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

func jetstreamIs(err, target error) bool { return errors.Is(err, target) }

// isStoreCreationError reports the in-process server's occasional refusal
// to create a stream's files, "error creating store for stream", seen when
// many file streams are created and deleted in a row under the race
// detector; a second attempt succeeds.
func isStoreCreationError(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.ErrorCode(10049)
}

// retryCreation calls open up to three more times while it fails with
// the refusal of isStoreCreationError.
func retryCreation(open func() (*natsstore.Store[storetest.Item], error)) (*natsstore.Store[storetest.Item], error) {
	s, err := open()
	for attempt := 0; attempt < 3 && isStoreCreationError(err); attempt++ {
		s, err = open()
	}
	return s, err
}

// runConformance runs the suite against stores made by OpenURL on url and
// by New on js, each sub-test on a fresh stream.
func runConformance(t *testing.T, url string, js jetstream.JetStream) {
	t.Run("store owning its connection", func(t *testing.T) {
		open := func(t *testing.T, stream string) unionstore.Store[storetest.Item] {
			s, err := retryCreation(func() (*natsstore.Store[storetest.Item], error) {
				return natsstore.OpenURL[storetest.Item](context.Background(), url+"?stream="+stream)
			})
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		newStore, reopen := storetest.Named(streamsOn(js), open, open)
		storetest.Run(t, newStore, reopen)
	})
	t.Run("store on a shared connection", func(t *testing.T) { runConformanceOn(t, js) })
}

// runConformanceOn runs the suite against stores made by New on js with
// opts, each sub-test on a fresh stream.
func runConformanceOn(t *testing.T, js jetstream.JetStream, opts ...natsstore.Option) {
	open := func(t *testing.T, stream string) unionstore.Store[storetest.Item] {
		return newStoreOn(t, js, stream, opts...)
	}
	newStore, reopen := storetest.Named(streamsOn(js), open, open)
	storetest.Run(t, newStore, reopen)
}

// streamsOn returns the fresh names of [storetest.Named]: those of
// newStreamName on js.
func streamsOn(js jetstream.JetStream) func(testing.TB) string {
	return func(tb testing.TB) string { return newStreamName(tb, js) }
}

// TestConformance runs the suite against the machine's server, and once
// more with stores whose Scan writes sorted runs to disk every few
// records.
func TestConformance(t *testing.T) {
	js := sharedJS(t)
	runConformance(t, serverURL(), js)
	t.Run("scan spilling to disk", func(t *testing.T) {
		runConformanceOn(t, js, natsstore.WithSpillThreshold(1<<10))
	})
}

// TestConformanceInProcess runs the suite against an in-process server of
// the current release, with file storage.
func TestConformanceInProcess(t *testing.T) {
	opts := serverOptions(t, t.TempDir())
	startServer(t, opts)
	runConformance(t, serverAddr(opts), connect(t, serverAddr(opts)))
}
