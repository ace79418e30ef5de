package kafkastore

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// guard keeps a store from appending, to a compacted topic, a change older
// than the latest it knows for that identity: compaction keeps the record
// with the highest offset per key, so such a stale record would survive
// and the newer one be lost.
//
// It knows, per partition it has written to, the latest timestamp of every
// key up to an offset, and catches up from there before each save. Its
// memory grows with the number of identities in those partitions.
type guard struct {
	// mu is held across catching up and producing, so that the saves of
	// one store are checked against each other too.
	mu    sync.Mutex
	parts map[int32]*known
}

// known is what a guard knows of one partition.
type known struct {
	next   int64            // the offset to read from next
	latest map[string]stamp // record key -> latest change type and timestamp
}

func newGuard() *guard { return &guard{parts: map[int32]*known{}} }

// save catches up on the partitions of recs, produces those that are not
// older than the latest known for their key, and learns them.
func (g *guard) save(ctx context.Context, d *driver, recs []*kgo.Record) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	caught := map[int32]bool{}
	for _, r := range recs {
		if caught[r.Partition] {
			continue
		}
		caught[r.Partition] = true
		k := g.parts[r.Partition]
		if k == nil {
			k = &known{latest: map[string]stamp{}}
			g.parts[r.Partition] = k
		}
		if err := g.catchUp(ctx, d, r.Partition, k); err != nil {
			return err
		}
	}
	kept := recs[:0:0]
	for _, r := range recs {
		ts := recordTime(r.Value)
		if latest, ok := g.parts[r.Partition].latest[string(r.Key)]; ok && ts < latest.ts {
			continue // it would lose to the newer change anyway
		}
		kept = append(kept, r)
	}
	if err := d.produce(ctx, kept); err != nil {
		return err
	}
	for _, r := range kept {
		g.guardVisit(g.parts[r.Partition], r.Key, r.Value)
	}
	return nil
}

// catchUp reads partition part from where k ends to its high watermark.
// Called with g.mu held, after k was read up to k.next.
func (g *guard) catchUp(ctx context.Context, d *driver, part int32, k *known) error {
	end, err := d.readPartition(ctx, part, k.next, func(_ int64, key, value []byte) error {
		g.guardVisit(k, key, value)
		return nil
	})
	if err != nil {
		return err
	}
	k.next = max(k.next, end)
	return nil
}

func (g *guard) learn(k *known, key []byte, st stamp) {
	if cur, ok := k.latest[string(key)]; !ok || st.ts >= cur.ts {
		k.latest[string(key)] = st
	}
}

// recordTime returns the timestamp of a value the store encoded.
func recordTime(value []byte) int64 {
	_, ts, _, _ := decodeValue(value)
	return ts
}
