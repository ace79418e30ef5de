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
	if e.Op == "save" && e.Count > 1 {
		attrs = append(attrs, semconv.DBOperationBatchSize(e.Count))
	}
	ctx, span := in.tracer.Start(ctx, spanName(e), trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(e.Start), trace.WithAttributes(attrs...))
	return ctx, func(e unionstore.Event) {
		if reads(e.Op) {
			span.SetAttributes(semconv.DBResponseReturnedRows(e.Count))
		}
		et := endSpan(span, e)
		in.opDuration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(in.metricAttrs(e, et)...))
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
	ctx, span := in.tracer.Start(ctx, "store "+e.Store()+": "+e.Op, trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(e.Start), trace.WithAttributes(attrs...))
	return ctx, func(e unionstore.Event) {
		span.SetAttributes(ChangesKey.Int(e.Count))
		if why := e.Why(); why != "" && e.Reason == "" {
			span.SetAttributes(ReasonKey.String(why)) // known at the end: a skip or a stall
		}
		et := endSpan(span, e)
		mattrs := in.metricAttrs(e, et)
		mattrs = append(mattrs, MemberKey.String(e.Store()))
		if e.Reason != "" {
			mattrs = append(mattrs, ReasonKey.String(e.Reason))
		}
		in.memberDuration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(mattrs...))
		if e.Err == nil {
			in.changes.Add(ctx, int64(e.Count), metric.WithAttributes(mattrs...))
		} else {
			in.errors.Add(ctx, 1, metric.WithAttributes(mattrs...))
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
	attrs = append(attrs, semconv.DBOperationName(e.Op))
	if namespace && e.Namespace != "" {
		attrs = append(attrs, semconv.DBCollectionName(e.Namespace))
	}
	return attrs
}

// metricAttrs returns the attributes of e's metrics: those of its span but
// for the namespace, unless asked for, and with errorType when not empty.
func (in *instruments) metricAttrs(e unionstore.Event, errorType string) []attribute.KeyValue {
	attrs := in.attrs(e, in.cfg.namespaces)
	if errorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType))
	}
	return attrs
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
		return e.Op
	}
	return e.Op + " " + e.Namespace
}

// reads reports whether op returns changes, whose number is
// db.response.returned_rows.
func reads(op string) bool {
	switch op {
	case "load", "get", "scan", "diff":
		return true
	}
	return false
}
