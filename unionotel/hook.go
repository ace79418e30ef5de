package unionotel

import (
	"context"

	"github.com/unionstore/unionstore"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// operation starts the span of a union operation and returns what ends it
// and records its duration.
func (in *instruments) operation(ctx context.Context, e unionstore.Event) (context.Context, func(unionstore.Event)) {
	attrs := in.attrs(e, true)
	if e.Op == unionstore.OpSave && e.Count > 1 {
		attrs = append(attrs, semconv.DBOperationBatchSize(e.Count))
	}
	ctx, span := in.tracer.Start(ctx, spanName(e), trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(e.Start), trace.WithAttributes(attrs...))
	return ctx, func(e unionstore.Event) {
		if reads(e.Op) {
			span.SetAttributes(semconv.DBResponseReturnedRows(e.Count))
		}
		et := endSpan(span, e)
		in.opDuration.Record(ctx, e.Duration.Seconds(), in.measurement(e, et, false))
	}
}

// member starts the span of a call on a member and returns what ends it
// and records its metrics.
func (in *instruments) member(ctx context.Context, e unionstore.Event) (context.Context, func(unionstore.Event)) {
	attrs := in.attrs(e, true)
	attrs = append(attrs, MemberKey.String(e.Store()), MemberIndexKey.Int(e.Index))
	if why := e.Why(); why != "" {
		attrs = append(attrs, ReasonKey.String(why))
	}
	ctx, span := in.tracer.Start(ctx, "store "+e.Store()+": "+string(e.Op), trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(e.Start), trace.WithAttributes(attrs...))
	return ctx, func(e unionstore.Event) {
		span.SetAttributes(ChangesKey.Int(e.Count))
		if why := e.Why(); why != "" && e.Reason == "" {
			span.SetAttributes(ReasonKey.String(why)) // known at the end: a skip or a stall
		}
		et := endSpan(span, e)
		m := in.measurement(e, et, true)
		in.memberDuration.Record(ctx, e.Duration.Seconds(), m)
		if e.Err == nil {
			in.changes.Add(ctx, int64(e.Count), m)
		} else {
			in.errors.Add(ctx, 1, m)
		}
		in.trackSkip(ctx, e)
	}
}

// trackSkip counts the member in unionstore.member.skipped while its
// calls are skipped.
func (in *instruments) trackSkip(ctx context.Context, e unionstore.Event) {
	skipped := e.Why() == unionstore.WhyCircuitOpen
	key := e.Store()
	in.mu.Lock()
	changed := in.skippedNow[key] != skipped
	in.skippedNow[key] = skipped
	in.mu.Unlock()
	if !changed {
		return
	}
	n := int64(1)
	if !skipped {
		n = -1
	}
	attrs := append(in.base[:len(in.base):len(in.base)], MemberKey.String(key))
	in.skipped.Add(ctx, n, metric.WithAttributes(attrs...))
}

// attrs returns the attributes of e's span.
func (in *instruments) attrs(e unionstore.Event, namespace bool) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, len(in.base)+6)
	attrs = append(attrs, in.base...)
	attrs = append(attrs, semconv.DBOperationName(string(e.Op)))
	if namespace && e.Namespace != "" {
		attrs = append(attrs, semconv.DBCollectionName(e.Namespace))
	}
	return attrs
}

// measurementKey identifies the attributes of a metric measurement.
type measurementKey struct {
	op, namespace, errorType string
	member, reason           string // for a member call
	isMember                 bool
}

// measurement returns the attributes of e's metrics, as an option made
// once per distinct set: those of its span but for the namespace, unless
// asked for, with errorType when not empty and, for a member call, the
// member and the reason.
func (in *instruments) measurement(e unionstore.Event, errorType string, member bool) metric.MeasurementOption {
	k := measurementKey{op: string(e.Op), errorType: errorType, isMember: member}
	if in.cfg.namespaces {
		k.namespace = e.Namespace
	}
	if member {
		k.member, k.reason = e.Store(), e.Reason
	}
	in.mu.Lock()
	m, ok := in.measurements[k]
	in.mu.Unlock()
	if ok {
		return m
	}
	attrs := in.attrs(e, in.cfg.namespaces)
	if errorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType))
	}
	if member {
		attrs = append(attrs, MemberKey.String(k.member))
		if k.reason != "" {
			attrs = append(attrs, ReasonKey.String(k.reason))
		}
	}
	m = metric.WithAttributeSet(attribute.NewSet(attrs...))
	in.mu.Lock()
	in.measurements[k] = m
	in.mu.Unlock()
	return m
}

// endSpan ends span with the outcome of e and returns e's error.type, or
// "" when it succeeded.
func endSpan(span trace.Span, e unionstore.Event) string {
	et := ""
	if e.Err != nil {
		et = errorType(e.Err)
		span.SetAttributes(semconv.ErrorTypeKey.String(et))
		span.RecordError(e.Err)
		span.SetStatus(codes.Error, e.Err.Error())
	}
	span.End(trace.WithTimestamp(e.Start.Add(e.Duration)))
	return et
}

// spanName names the span of a union operation as the conventions do:
// the operation, then its target, the namespace, when there is one.
func spanName(e unionstore.Event) string {
	if e.Namespace == "" {
		return string(e.Op)
	}
	return string(e.Op) + " " + e.Namespace
}

// reads reports whether op returns changes, whose number is
// db.response.returned_rows.
func reads(op unionstore.Op) bool {
	switch op {
	case unionstore.OpLoad, unionstore.OpGet, unionstore.OpScan, unionstore.OpDiff:
		return true
	}
	return false
}
