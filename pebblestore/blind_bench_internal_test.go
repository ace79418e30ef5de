package pebblestore

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// blindSave is the floor Save is measured against: the same encoding of
// the same records, set in one synced pebble batch with nothing read,
// nothing validated and no counts, so that an older change may overwrite
// a newer one.
func blindSave(s *Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error {
	codec := unionstore.JSONCodec[storetest.Item]()
	b := s.d.db.NewBatch()
	defer b.Close()
	for _, c := range changes {
		ns, kind, id := c.Key()
		payload, err := codec.Encode(c.Entity)
		if err != nil {
			return err
		}
		if err := b.Set(recordKey(nil, ns, kind, id), encodeValue(headerOf(c.ChangeType, c.Timestamp), payload), nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.Sync)
}

// saver is one way of writing a batch.
type saver struct {
	name string
	save func(s *Store[storetest.Item], changes unionstore.Changes[storetest.Item]) error
}

var savers = []saver{
	{"save", func(s *Store[storetest.Item], c unionstore.Changes[storetest.Item]) error {
		return s.Save(context.Background(), c)
	}},
	{"blind", blindSave},
}

// fillAndUpdate writes n entities of random ids in batches of 10,000 into
// a fresh store with sv, then updates all of them, and returns the time
// of each phase.
func fillAndUpdate(b *testing.B, sv saver, n int, seed uint64) (insert, update time.Duration) {
	s, err := Open[storetest.Item](filepath.Join(b.TempDir(), "store"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	return fillPhases(b, n, seed, func(changes unionstore.Changes[storetest.Item]) error { return sv.save(s, changes) })
}

// fillPhases saves n entities of random ids drawn from seed in batches of
// 10,000 with save, then updates of all of them, and returns the time of
// each phase, the drawing of the records left out.
func fillPhases(b *testing.B, n int, seed uint64, save func(unionstore.Changes[storetest.Item]) error) (insert, update time.Duration) {
	const batch = 10000
	r := rand.New(rand.NewPCG(seed, 2))
	ids := storetest.FillIDs(r, n)
	insert = storetest.FillPhase(b, r, "fill", ids, batch, save)
	update = storetest.FillPhase(b, r, "fill", ids, batch, save)
	return insert, update
}

// BenchmarkUpdatesVersusBlind fills a store with 100k entities of about
// 270 bytes in batches of 10,000 and updates all of them, once by Save,
// once by blindSave and once through the old design's store (oldDesign),
// in the same iterations with the order rotating, and reports Save's
// rates and their ratios to the floor's and to the old design's (1 is
// their rate, higher is faster).
func BenchmarkUpdatesVersusBlind(b *testing.B) {
	const n = 100000
	var insert, update [3]time.Duration // Save, the floor, the old design
	iter := 0
	for b.Loop() {
		iter++
		for j := range 3 {
			k := (iter + j) % 3
			var in, up time.Duration
			if k == 2 {
				in, up = fillAndUpdateOld(b, n, uint64(iter))
			} else {
				in, up = fillAndUpdate(b, savers[k], n, uint64(iter))
			}
			insert[k] += in
			update[k] += up
		}
	}
	rate := func(d time.Duration) float64 { return float64(n*iter) / d.Seconds() }
	b.ReportMetric(rate(insert[0]), "save-inserts/s")
	b.ReportMetric(rate(update[0]), "save-updates/s")
	b.ReportMetric(rate(insert[1]), "blind-inserts/s")
	b.ReportMetric(rate(update[1]), "blind-updates/s")
	b.ReportMetric(insert[1].Seconds()/insert[0].Seconds(), "save/blind-inserts")
	b.ReportMetric(update[1].Seconds()/update[0].Seconds(), "save/blind-updates")
	b.ReportMetric(rate(insert[2]), "old-inserts/s")
	b.ReportMetric(rate(update[2]), "old-updates/s")
	b.ReportMetric(insert[2].Seconds()/insert[0].Seconds(), "save/old-inserts")
	b.ReportMetric(update[2].Seconds()/update[0].Seconds(), "save/old-updates")
}
