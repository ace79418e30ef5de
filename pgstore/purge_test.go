package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

var (
	_ unionstore.Purger          = (*pgstore.Store[storetest.Item])(nil)
	_ unionstore.TombstonePurger = (*pgstore.Store[storetest.Item])(nil)
)

func TestPurgeAfterClose(t *testing.T) {
	s := newStoreOn(t, adminPool(t), newTable(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(context.Background(), "ns"); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("Purge after Close = %v, want ErrClosed", err)
	}
	if _, err := s.PurgeTombstones(context.Background(), "ns", time.Now()); !errors.Is(err, unionstore.ErrClosed) {
		t.Errorf("PurgeTombstones after Close = %v, want ErrClosed", err)
	}
}
