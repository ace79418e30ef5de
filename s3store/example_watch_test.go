package s3store_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
)

// A watch polls the bucket every WithPollInterval for the segments saved
// after its cursor: a change reaches it within a poll interval of its
// Save. A watch from a cursor may yield again the changes of the last
// watch window (WithWatchWindow): repeats, which last-write-wins makes
// harmless to a follower.
func ExampleStore_Watch() {
	backend := s3mem.New()
	_ = backend.CreateBucket("backups")
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	ctx := context.Background()
	s, err := s3store.OpenURL[Order](ctx, "s3://backups/shop?region=us-east-1&endpoint="+srv.URL,
		s3store.WithPollInterval(50*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	b := unionstore.NewChangesBuilder[Order]("tenant-1")
	_ = s.Save(ctx, b.Set(Order{ID: "a", Amount: 10}).Build())

	snap, cursor, _ := s.Snapshot(ctx, "tenant-1")
	fmt.Println("snapshot:", len(snap), "order")
	b = unionstore.NewChangesBuilder[Order]("tenant-1")
	_ = s.Save(ctx, b.Set(Order{ID: "b", Amount: 20}).Build())
	for ev, err := range s.Watch(ctx, "tenant-1", cursor) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if ev.Change.Entity.ID == "b" { // events of the last watch window may come again
			fmt.Println("event:", ev.Change.Entity.ID, ev.Change.Entity.Amount)
			break // or keep ev.Cursor, to resume right after this change
		}
	}
	// Output:
	// snapshot: 1 order
	// event: b 20
}
