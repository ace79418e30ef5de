package unionotel_test

import (
	"context"
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/unionotel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Tracing a union: a span per operation under the caller's, and a span per
// member call under it.
func ExampleInstrument() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)) // an exporter in production
	defer tp.Shutdown(context.Background())
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	otelOpt, err := unionotel.Instrument(unionotel.WithTracerProvider(tp), unionotel.WithMeterProvider(mp))
	if err != nil {
		fmt.Println(err)
		return
	}
	u := unionstore.New[Item](
		unionstore.Named("primary", unionstore.NewMemory[Item]()),
		unionstore.Named("backup", unionstore.NewMemory[Item]()),
	).With(otelOpt)

	ctx, request := tp.Tracer("shop").Start(context.Background(), "checkout")
	_ = u.Save(ctx, unionstore.Changes[Item]{set("cart-1", 1)})
	request.End()

	fmt.Print(tree(spans.Ended(), trace.SpanID{}, 0))
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		fmt.Println(m.Name, m.Unit)
	}
	// Output:
	// checkout
	//   save shop
	//     store backup: save
	//     store primary: save
	// db.client.operation.duration s
	// unionstore.member.operation.duration s
	// unionstore.member.changes {change}
}
