package s3store_test

import (
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []s3store.Option
	}{
		{"default", nil},
		// Every Save compacts: the suite then runs on compacted segments.
		{"compacting after every save", []s3store.Option{s3store.WithMaxSegments(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3(t, false)
			storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
				s, _ := f.newStore(t, tc.opts...)
				return s
			}, storetest.WithReopen(func(t *testing.T, closed unionstore.Store[storetest.Item]) unionstore.Store[storetest.Item] {
				return f.reopen(t, closed.(*s3store.Store[storetest.Item]), tc.opts...)
			}))
		})
	}
}

func TestConformanceRealEndpoint(t *testing.T) {
	realStore(t) // skips without an endpoint
	storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
		return realStore(t)
	})
}
