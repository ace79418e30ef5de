package unionotel_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/unionotel"
	"go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkSave measures a Save of one change to a union of two Memory
// stores, bare and instrumented: with no-op providers (the cost of the
// hook and of building attributes) and with the SDK recording everything.
func BenchmarkSave(b *testing.B) {
	cases := []struct {
		name string
		opts func(b *testing.B) []unionotel.Option // nil: not instrumented
	}{
		{"bare", nil},
		{"noop", func(*testing.B) []unionotel.Option {
			return []unionotel.Option{unionotel.WithTracerProvider(tracenoop.NewTracerProvider()), unionotel.WithMeterProvider(noop.NewMeterProvider())}
		}},
		{"sdk", func(b *testing.B) []unionotel.Option {
			tel := newTelemetry(b)
			return []unionotel.Option{unionotel.WithTracerProvider(tel.tp), unionotel.WithMeterProvider(tel.mp)}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			u := unionstore.New[Item](unionstore.NewMemory[Item](), unionstore.NewMemory[Item]())
			if c.opts != nil {
				opt, err := unionotel.Instrument(c.opts(b)...)
				if err != nil {
					b.Fatal(err)
				}
				u = u.With(opt)
			}
			ctx := context.Background()
			changes := unionstore.Changes[Item]{set("a", 1)}
			b.ReportAllocs()
			for b.Loop() {
				if err := u.Save(ctx, changes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
