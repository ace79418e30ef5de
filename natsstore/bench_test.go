package natsstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

const benchBatch = 10000

func benchChanges(n, round int) unionstore.Changes[storetest.Item] {
	out := make(unionstore.Changes[storetest.Item], n)
	for i := range out {
		out[i] = set("bench", "k", fmt.Sprintf("%07d", i), fmt.Sprint(round), at(round*n+i))
		out[i].Entity.N = i
	}
	return out
}

// naiveSave is the baseline: one synchronous get of the subject's last
// message and one synchronous publish expecting its sequence, per change.
func naiveSave(ctx context.Context, js jetstream.JetStream, st jetstream.Stream, stream string, changes unionstore.Changes[storetest.Item]) error {
	for _, c := range changes {
		subj := natsstore.Subject(stream, "bench", c.Entity.Kind, c.Entity.ID)
		var seq uint64
		if m, err := st.GetLastMsgForSubject(ctx, subj); err == nil {
			seq = m.Sequence
		} else if err != jetstream.ErrMsgNotFound {
			return err
		}
		msg := nats.NewMsg(subj)
		msg.Header.Set("Unionstore-Time", fmt.Sprint(c.Timestamp.UnixNano()))
		msg.Header.Set("Unionstore-Change", string(c.ChangeType))
		msg.Data = []byte(`{"kind":"k","id":"` + c.Entity.ID + `","value":"v"}`)
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithExpectLastSequencePerSubject(seq)); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSaveVersusNaive saves batches of 10,000 changes with Save and
// with the naive loop, in one run, on new and on existing identities; each
// iteration of "new" uses a fresh stream.
func BenchmarkSaveVersusNaive(b *testing.B) {
	ctx := context.Background()
	js := sharedJS(b)
	for _, existing := range []bool{false, true} {
		name := map[bool]string{false: "new", true: "existing"}[existing]
		b.Run(name+"/Save", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := newStore(b)
				if existing {
					if err := s.Save(ctx, benchChanges(benchBatch, 0)); err != nil {
						b.Fatal(err)
					}
				}
				changes := benchChanges(benchBatch, 1)
				b.StartTimer()
				if err := s.Save(ctx, changes); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "changes/s")
		})
		b.Run(name+"/naive", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := newStore(b)
				st, err := js.Stream(ctx, s.Stream())
				if err != nil {
					b.Fatal(err)
				}
				if existing {
					if err := s.Save(ctx, benchChanges(benchBatch, 0)); err != nil {
						b.Fatal(err)
					}
				}
				changes := benchChanges(benchBatch, 1)
				b.StartTimer()
				if err := naiveSave(ctx, js, st, s.Stream(), changes); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// BenchmarkRead reads a namespace of 100,000 entities with Load and Scan,
// Scan both within its spill threshold and beyond it (a threshold of
// 1 MiB, which writes about 17 runs), and one of them with Get, in one
// run.
func BenchmarkRead(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	s := newStore(b)
	for start := 0; start < n; start += benchBatch {
		batch := benchChanges(benchBatch, 0)
		for i := range batch {
			batch[i].Entity.ID = fmt.Sprintf("%07d", start+i)
		}
		if err := s.Save(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("load/entities=100k", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			got, err := s.Load(ctx, "bench")
			if err != nil || len(got) != n {
				b.Fatalf("Load = %d changes, %v; want %d", len(got), err, n)
			}
		}
	})
	scan := func(b *testing.B, s *natsstore.Store[storetest.Item]) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			storetest.ScanCount(b, s, "bench", n)
		}
	}
	b.Run("scan/entities=100k", func(b *testing.B) { scan(b, s) })
	spilling := newStoreOn(b, sharedJS(b), s.Stream(), natsstore.WithSpillThreshold(1<<20))
	b.Run("scan/spilled/entities=100k", func(b *testing.B) { scan(b, spilling) })
	b.Run("get/one-of-100k", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, ok, err := s.Get(ctx, "bench", "k", fmt.Sprintf("%07d", i%n)); err != nil || !ok {
				b.Fatalf("Get = %v, %v", ok, err)
			}
		}
	})
}
