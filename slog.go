package unionstore

import (
	"context"
	"log/slog"
	"time"
)

// Attribute keys of the records that [SlogObserver] logs.
const (
	SlogStore     = "store"     // the member: [Event.Store]
	SlogOp        = "op"        // [Event.Op]
	SlogNamespace = "namespace" // [Event.Namespace], when not ""
	SlogCount     = "count"     // [Event.Count]
	SlogDuration  = "duration"  // [Event.Duration]
	SlogReason    = "reason"    // [Event.Why], when not ""
	SlogErr       = "err"       // [Event.Err], when not nil
)

// SlogObserver returns an observer for [WithObserver] that logs every
// operation on a member to logger: a failed one at [slog.LevelWarn], one
// that took longer than slow at [slog.LevelInfo], and every other one at
// [slog.LevelDebug]. A slow of 0 or less logs no operation as slow. A nil
// logger means [slog.Default], looked up at each event.
//
// Records carry the attributes [SlogStore], [SlogOp], [SlogNamespace],
// [SlogCount], [SlogDuration], [SlogReason] and [SlogErr], with the
// messages "store operation failed", "slow store operation" and "store
// operation". An event below the logger's level costs one call to its
// handler's Enabled and nothing else. The observer is safe for concurrent
// use if logger's handler is, as slog's handlers are.
func SlogObserver(logger *slog.Logger, slow time.Duration) func(Event) {
	return func(e Event) {
		l := logger
		if l == nil {
			l = slog.Default()
		}
		level, msg := slog.LevelDebug, "store operation"
		switch {
		case e.Err != nil:
			level, msg = slog.LevelWarn, "store operation failed"
		case slow > 0 && e.Duration > slow:
			level, msg = slog.LevelInfo, "slow store operation"
		}
		ctx := context.Background()
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 7)
		attrs = append(attrs, slog.String(SlogStore, e.Store()), slog.String(SlogOp, string(e.Op)))
		if e.Namespace != "" {
			attrs = append(attrs, slog.String(SlogNamespace, e.Namespace))
		}
		attrs = append(attrs, slog.Int(SlogCount, e.Count), slog.Duration(SlogDuration, e.Duration))
		if why := e.Why(); why != "" {
			attrs = append(attrs, slog.String(SlogReason, why))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.Any(SlogErr, e.Err))
		}
		l.LogAttrs(ctx, level, msg, attrs...)
	}
}
