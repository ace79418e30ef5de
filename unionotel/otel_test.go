package unionotel_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
	"github.com/unionstore/unionstore/unionotel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

type Item = storetest.Item

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func set(id string, ms int) unionstore.Change[Item] {
	return unionstore.Change[Item]{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet, Entity: Item{Kind: "k", ID: id}, Timestamp: t0.Add(time.Duration(ms) * time.Millisecond)}
}

// telemetry is an in-memory tracer and meter provider.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t testing.TB) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		if err := tel.tp.Shutdown(context.Background()); err != nil {
			t.Errorf("shut down the tracer provider: %v", err)
		}
		if err := tel.mp.Shutdown(context.Background()); err != nil {
			t.Errorf("shut down the meter provider: %v", err)
		}
	})
	return tel
}

// instrument returns u instrumented with tel.
func (tel *telemetry) instrument(t testing.TB, u *unionstore.Union[Item], opts ...unionotel.Option) *unionstore.Union[Item] {
	t.Helper()
	opt, err := unionotel.Instrument(append([]unionotel.Option{unionotel.WithTracerProvider(tel.tp), unionotel.WithMeterProvider(tel.mp)}, opts...)...)
	if err != nil {
		t.Fatalf("Instrument: %v", err)
	}
	return u.With(opt)
}

// tree renders the ended spans under parent, children in name order.
func tree(spans []sdktrace.ReadOnlySpan, parent trace.SpanID, depth int) string {
	var children []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Parent().SpanID() == parent {
			children = append(children, s)
		}
	}
	slices.SortFunc(children, func(a, b sdktrace.ReadOnlySpan) int { return strings.Compare(a.Name(), b.Name()) })
	var b strings.Builder
	for _, s := range children {
		status := ""
		if s.Status().Code == codes.Error {
			status = " (error)"
		}
		fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("  ", depth), s.Name(), status)
		b.WriteString(tree(spans, s.SpanContext().SpanID(), depth+1))
	}
	return b.String()
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]string {
	out := map[attribute.Key]string{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value.String()
	}
	return out
}

func find(t testing.TB, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no span %q among %d", name, len(spans))
	return nil
}

func TestSpansNestUnderTheCallersSpan(t *testing.T) {
	tel := newTelemetry(t)
	down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	down.Set(storetest.Fault{Err: errors.New("connection refused")}, storetest.OpSave, storetest.OpLoad)
	u := tel.instrument(t, unionstore.New[Item](unionstore.Named("primary", unionstore.NewMemory[Item]()), unionstore.Named("backup", down)).
		With(unionstore.WriteQuorum(1), unionstore.DegradedReads(1)))

	ctx, request := tel.tp.Tracer("test").Start(context.Background(), "request")
	if err := u.Save(ctx, unionstore.Changes[Item]{set("a", 1), set("b", 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Load(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	request.End()

	spans := tel.spans.Ended()
	want := `request
  load shop
    store backup: load (error)
    store primary: load
  save shop
    store backup: save (error)
    store primary: save
`
	if got := tree(spans, trace.SpanID{}, 0); got != want {
		t.Errorf("spans:\n%s\nwant:\n%s", got, want)
	}
	tests := []struct {
		span string
		want map[attribute.Key]string
	}{
		{"save shop", map[attribute.Key]string{"db.system.name": "unionstore", "db.operation.name": "save", "db.collection.name": "shop", "db.operation.batch.size": "2"}},
		{"load shop", map[attribute.Key]string{"db.system.name": "unionstore", "db.operation.name": "load", "db.collection.name": "shop", "db.response.returned_rows": "2"}},
		{"store primary: save", map[attribute.Key]string{"db.operation.name": "save", "unionstore.member": "primary", "unionstore.member.index": "0", "unionstore.changes": "2"}},
		{"store backup: load", map[attribute.Key]string{"db.operation.name": "load", "unionstore.member": "backup", "unionstore.member.index": "1", "error.type": "*errors.errorString"}},
	}
	for _, tt := range tests {
		s := find(t, spans, tt.span)
		got := attrs(s)
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("span %q: %s = %q, want %q (all: %v)", tt.span, k, got[k], v, got)
			}
		}
	}
	if s := find(t, spans, "save shop"); s.SpanKind() != trace.SpanKindClient {
		t.Errorf("span %q is of kind %v, want client", s.Name(), s.SpanKind())
	}
	if s := find(t, spans, "store backup: save"); len(s.Events()) != 1 || s.Events()[0].Name != "exception" || !strings.HasSuffix(s.Status().Description, "connection refused") {
		t.Errorf("span %q: events %v, status %+v; want the error recorded", s.Name(), s.Events(), s.Status())
	}
}

// spy is a store that records the span of the context of each Save.
type spy struct {
	unionstore.Store[Item]
	mu    sync.Mutex
	spans []trace.SpanID
}

func (s *spy) Save(ctx context.Context, c unionstore.Changes[Item]) error {
	s.mu.Lock()
	s.spans = append(s.spans, trace.SpanFromContext(ctx).SpanContext().SpanID())
	s.mu.Unlock()
	return s.Store.Save(ctx, c)
}

func TestMemberIsCalledUnderItsSpan(t *testing.T) {
	tel := newTelemetry(t)
	s := &spy{Store: unionstore.NewMemory[Item]()}
	u := tel.instrument(t, unionstore.New[Item](unionstore.Named("spied", s), unionstore.NewMemory[Item]()))
	if err := u.Save(context.Background(), unionstore.Changes[Item]{set("a", 1)}); err != nil {
		t.Fatal(err)
	}
	want := find(t, tel.spans.Ended(), "store spied: save").SpanContext().SpanID()
	if len(s.spans) != 1 || s.spans[0] != want {
		t.Errorf("the member's Save ran under spans %v, want [%v]", s.spans, want)
	}
}

func TestScanSpanLastsAsLongAsTheWalk(t *testing.T) {
	tel := newTelemetry(t)
	m := unionstore.NewMemory[Item]()
	if err := m.Save(context.Background(), unionstore.Changes[Item]{set("a", 1), set("b", 1), set("c", 1)}); err != nil {
		t.Fatal(err)
	}
	u := tel.instrument(t, unionstore.New[Item](m, unionstore.NewMemory[Item]()))
	n := 0
	for _, err := range u.Scan(context.Background(), "shop") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			if ended := len(tel.spans.Ended()); ended != 0 {
				t.Errorf("%d spans ended during the walk, want none", ended)
			}
			break
		}
	}
	s := find(t, tel.spans.Ended(), "scan shop")
	if got := attrs(s)["db.response.returned_rows"]; got != "2" {
		t.Errorf("scan stopped after 2 changes: db.response.returned_rows = %q, want 2", got)
	}
}

// metrics collects tel's metrics as "name{attr=value,...}" → value, with
// histograms as their count.
func (tel *telemetry) metrics(t testing.TB) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	out := map[string]int64{}
	key := func(name string, set attribute.Set) string {
		var kv []string
		for _, a := range set.ToSlice() {
			if a.Key == "db.system.name" {
				continue // on every one
			}
			kv = append(kv, string(a.Key)+"="+a.Value.String())
		}
		return name + "{" + strings.Join(kv, ",") + "}"
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != unionotel.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, unionotel.ScopeName)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = int64(p.Count)
				}
			default:
				t.Errorf("metric %s is a %T", m.Name, m.Data)
			}
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	tel := newTelemetry(t)
	ctx := context.Background()
	down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
	down.Set(storetest.Fault{Fail: true}, storetest.OpSave)
	const coolDown = 200 * time.Millisecond
	u := tel.instrument(t, unionstore.New[Item](unionstore.Named("primary", unionstore.NewMemory[Item]()), unionstore.Named("backup", down)).
		With(unionstore.WriteQuorum(1), unionstore.DegradedReads(1), unionstore.CircuitBreaker(2, coolDown)), unionotel.WithUnionName("orders"))
	for i := range 4 { // two failures open the breaker; two saves skip it
		if err := u.Save(ctx, unionstore.Changes[Item]{set(fmt.Sprint(i), i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := u.Load(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	const (
		orders  = ",unionstore.union=orders}"
		primary = ",unionstore.member=primary" + orders
		backup  = ",unionstore.member=backup" + orders
	)
	want := map[string]int64{
		"db.client.operation.duration{db.operation.name=save" + orders:                                        4,
		"db.client.operation.duration{db.operation.name=load" + orders:                                        1,
		"unionstore.member.operation.duration{db.operation.name=save" + primary:                               4,
		"unionstore.member.operation.duration{db.operation.name=save,error.type=*errors.errorString" + backup: 2,
		"unionstore.member.operation.duration{db.operation.name=save,error.type=circuit_open" + backup:        2,
		"unionstore.member.operation.duration{db.operation.name=load" + primary:                               1,
		"unionstore.member.operation.duration{db.operation.name=load,error.type=circuit_open" + backup:        1,
		"unionstore.member.changes{db.operation.name=save" + primary:                                          4,
		"unionstore.member.changes{db.operation.name=load" + primary:                                          4,
		"unionstore.member.errors{db.operation.name=save,error.type=*errors.errorString" + backup:             2,
		"unionstore.member.errors{db.operation.name=save,error.type=circuit_open" + backup:                    2,
		"unionstore.member.errors{db.operation.name=load,error.type=circuit_open" + backup:                    1,
		"unionstore.member.skipped{unionstore.member=backup" + orders:                                         1,
	}
	if got := tel.metrics(t); !maps.Equal(got, want) {
		t.Errorf("metrics:\n%s\nwant:\n%s", show(got), show(want))
	}

	// The member is back: the probe after the cool-down reaches it, and it
	// is no longer counted as skipped.
	down.Clear()
	time.Sleep(coolDown + coolDown/2)
	if err := u.Save(ctx, unionstore.Changes[Item]{set("after", 10)}); err != nil {
		t.Fatal(err)
	}
	got := tel.metrics(t)
	for k, v := range map[string]int64{
		"unionstore.member.skipped{unionstore.member=backup" + orders: 0,
		"unionstore.member.changes{db.operation.name=save" + backup:   1,
	} {
		if got[k] != v {
			t.Errorf("after the member came back: %s = %d, want %d", k, got[k], v)
		}
	}
}

func show(m map[string]int64) string {
	var lines []string
	for k, v := range m {
		lines = append(lines, fmt.Sprintf("  %s = %d", k, v))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestErrorType(t *testing.T) {
	tel := newTelemetry(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		member error
		want   string
	}{
		{"a plain error names its type", errors.New("boom"), "*errors.errorString"},
		{"a cancelled context", context.Canceled, "canceled"},
		{"an expired context", fmt.Errorf("query: %w", context.DeadlineExceeded), "deadline_exceeded"},
		{"an invalid change", fmt.Errorf("%w: key too long", unionstore.ErrInvalidChange), "invalid_change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			down := storetest.NewFaulty[Item](unionstore.NewMemory[Item]())
			down.Set(storetest.Fault{Err: tt.member}, storetest.OpLoad)
			u := tel.instrument(t, unionstore.New[Item](unionstore.Named(tt.name, down)))
			_, err := u.Load(ctx, tt.name)
			if err == nil {
				t.Fatal("Load succeeded, want the member's error")
			}
			member := find(t, tel.spans.Ended(), "store "+tt.name+": load")
			if got := attrs(member)["error.type"]; got != tt.want {
				t.Errorf("member error %v: error.type = %q, want %q", tt.member, got, tt.want)
			}
			op := find(t, tel.spans.Ended(), "load "+tt.name)
			if got := attrs(op)["error.type"]; got != "quorum" {
				t.Errorf("the load failed its quorum: error.type = %q, want quorum", got)
			}
		})
	}
}
