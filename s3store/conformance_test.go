package s3store_test

import (
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// TestConformance runs the suite on the endpoint of newServer: on stores
// made by New, also compacting after every Save, and on stores that
// OpenURL makes, each on a client of its own that Close releases.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []s3store.Option
		openURL bool
	}{
		{"default", nil, false},
		// Every Save compacts: the suite then runs on compacted segments.
		{"compacting after every save", []s3store.Option{s3store.WithMaxSegments(1)}, false},
		{"opened by URL", nil, true},
	} {
		// Watches poll often, so that the suite's watch cases run fast.
		tc.opts = append(tc.opts, s3store.WithPollInterval(20*time.Millisecond))
		t.Run(tc.name, func(t *testing.T) {
			f := newServer(t)
			storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
				if tc.openURL {
					return f.openURL(t, f.newPrefix(), tc.opts...)
				}
				s, _ := f.newStore(t, tc.opts...)
				return s
			}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
				s := closed.(*s3store.Store[storetest.Item])
				if tc.openURL {
					return f.openURL(t, s.Prefix(), tc.opts...)
				}
				return f.reopen(t, s, tc.opts...)
			}))
		})
	}
}
