package unionotel

import (
	"fmt"
	"sync"

	"github.com/unionstore/unionstore"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/unionstore/unionstore/unionotel"

// Attribute keys of this package, beside the conventions' own.
const (
	MemberKey      = attribute.Key("unionstore.member")       // [unionstore.Event.Store]
	MemberIndexKey = attribute.Key("unionstore.member.index") // position in New
	ReasonKey      = attribute.Key("unionstore.reason")       // [unionstore.Event.Why]
	ChangesKey     = attribute.Key("unionstore.changes")      // [unionstore.Event.Count]
	UnionKey       = attribute.Key("unionstore.union")        // [WithUnionName]
)

// systemName is the db.system.name of every span and metric.
var systemName = semconv.DBSystemNameKey.String("unionstore")

// Option configures [Instrument].
type Option func(*config)

type config struct {
	tp         trace.TracerProvider
	mp         metric.MeterProvider
	union      string
	namespaces bool
}

// WithTracerProvider makes spans with tp instead of the global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider records metrics with mp instead of the global
// provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithUnionName names the union in the attribute unionstore.union of every
// span and metric, to tell apart the unions of one program.
func WithUnionName(name string) Option {
	return func(c *config) { c.union = name }
}

// WithNamespaceMetrics adds the namespace, as db.collection.name, to the
// attributes of metrics. Spans always carry it. Leave it off when
// namespaces are many, such as one per tenant: each makes its own series.
func WithNamespaceMetrics() Option {
	return func(c *config) { c.namespaces = true }
}

// instruments are the tracer, the metrics and the breaker state of one
// instrumented union.
type instruments struct {
	cfg    config
	tracer trace.Tracer
	// base holds the attributes of every span and metric.
	base []attribute.KeyValue

	opDuration     metric.Float64Histogram
	memberDuration metric.Float64Histogram
	changes        metric.Int64Counter
	errors         metric.Int64Counter
	skipped        metric.Int64UpDownCounter

	mu         sync.Mutex
	skippedNow map[string]bool // by member, whether its last call was skipped
	// measurements holds the attributes of metrics by their key, made
	// once: as many as the distinct operations, members, reasons, error
	// types and, with WithNamespaceMetrics, namespaces.
	measurements map[measurementKey]metric.MeasurementOption
}

// durationBuckets are the bucket boundaries, in seconds, that the
// conventions recommend for db.client.operation.duration.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// Instrument returns an option that makes a union trace its operations and
// record their metrics, through the providers of opts (by default, the
// global ones). Pass it to [unionstore.Union.With] of one union: it keeps
// the state of that union's breakers, and sets its [unionstore.Hook],
// replacing any other. It returns an error, naming the instrument, only
// when the meter provider refuses to create one.
func Instrument(opts ...Option) (unionstore.Option, error) {
	in := &instruments{skippedNow: map[string]bool{}, measurements: map[measurementKey]metric.MeasurementOption{}}
	for _, o := range opts {
		o(&in.cfg)
	}
	if in.cfg.tp == nil {
		in.cfg.tp = otel.GetTracerProvider()
	}
	if in.cfg.mp == nil {
		in.cfg.mp = otel.GetMeterProvider()
	}
	in.base = []attribute.KeyValue{systemName}
	if in.cfg.union != "" {
		in.base = append(in.base, UnionKey.String(in.cfg.union))
	}
	in.tracer = in.cfg.tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL))
	meter := in.cfg.mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))
	var err error
	if in.opDuration, err = meter.Float64Histogram("db.client.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of union operations."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, fmt.Errorf("unionotel: db.client.operation.duration: %w", err)
	}
	if in.memberDuration, err = meter.Float64Histogram("unionstore.member.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of the calls a union makes on its members."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, fmt.Errorf("unionotel: unionstore.member.operation.duration: %w", err)
	}
	if in.changes, err = meter.Int64Counter("unionstore.member.changes",
		metric.WithUnit("{change}"),
		metric.WithDescription("Changes written to or read from members by successful calls.")); err != nil {
		return nil, fmt.Errorf("unionotel: unionstore.member.changes: %w", err)
	}
	if in.errors, err = meter.Int64Counter("unionstore.member.errors",
		metric.WithUnit("{error}"),
		metric.WithDescription("Failed calls on members, skipped members included.")); err != nil {
		return nil, fmt.Errorf("unionotel: unionstore.member.errors: %w", err)
	}
	if in.skipped, err = meter.Int64UpDownCounter("unionstore.member.skipped",
		metric.WithUnit("{member}"),
		metric.WithDescription("Members whose last call the union skipped because their circuit breaker was open.")); err != nil {
		return nil, fmt.Errorf("unionotel: unionstore.member.skipped: %w", err)
	}
	return unionstore.WithHook(unionstore.Hook{Operation: in.operation, Member: in.member}), nil
}
