// Package unionotel instruments a [unionstore.Union] with OpenTelemetry:
// a span per union operation, a child span per call on a member, and
// metrics of durations, changes, errors and members skipped by their
// circuit breaker.
//
// # Use
//
// [Instrument] returns a [unionstore.Option] to pass to
// [unionstore.Union.With], once per union:
//
//	otelOpt, err := unionotel.Instrument(unionotel.WithUnionName("orders"))
//	if err != nil { ... }
//	u := unionstore.New(primary, backup).With(otelOpt)
//
// It uses the global tracer and meter providers unless
// [WithTracerProvider] and [WithMeterProvider] say otherwise. The option
// sets the union's [unionstore.Hook]; the union's observer
// ([unionstore.WithObserver]) stays free, for [unionstore.SlogObserver].
//
// # Spans
//
// Every union operation (save, load, get, scan, diff, repair, replay,
// close) gets a span named after the operation and its namespace, as
// OpenTelemetry's conventions for database clients name a span after the
// operation and its target: "load shop". It starts under the span of the
// caller's context. Every call on a member gets a child span named after
// the member and the operation, "store backup: load", and the member is
// called with that span in its context, so that the spans of its own client
// library (pgx, bbolt, a NATS client) nest under it. A member skipped by
// its breaker still gets a span, ended at once with its error. A scan's
// span lasts as long as the walk of its sequence.
//
// Spans carry db.system.name "unionstore", db.operation.name (the
// operation), db.collection.name (the namespace, when there is one),
// db.response.returned_rows for reads and db.operation.batch.size for
// saves; member spans add unionstore.member (its name, or its position in
// New), unionstore.member.index, unionstore.reason (why the union called
// it, or did not: "read repair", "repair", "missed", "circuit open",
// "stalled") and unionstore.changes. A failed operation sets the span's
// status to error, records the error and sets error.type.
//
// # Metrics
//
//   - db.client.operation.duration (histogram, seconds): each union
//     operation, by db.operation.name and error.type, with the buckets the
//     conventions recommend.
//   - unionstore.member.operation.duration (histogram, seconds): each call
//     on a member, by member, operation and error.type.
//   - unionstore.member.changes (counter, {change}): the changes that
//     members' successful calls wrote or read, by member and operation.
//   - unionstore.member.errors (counter, {error}): failed member calls, by
//     member, operation and error.type; skipped members count, with
//     error.type "circuit_open".
//   - unionstore.member.skipped (up-down counter, {member}): the members
//     whose last call the union skipped because their breaker was open;
//     a member counts again as soon as a call reaches it.
//
// Every metric carries unionstore.union when [WithUnionName] gave one.
// Namespaces are left out of metrics, where a namespace per tenant would
// make too many series, unless [WithNamespaceMetrics] asks for them.
//
// error.type is "circuit_open", "stalled", "quorum", "invalid_change",
// "closed", "canceled" or "deadline_exceeded" for the errors of the union
// and of contexts, and otherwise the Go type of the member's error, as
// the conventions' semconv.ErrorType gives it.
//
// # Cost and concurrency
//
// Instrumentation costs a span start and end and a few metric updates per
// operation and per member call. Everything is safe for concurrent use.
package unionotel
