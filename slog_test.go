package unionstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

func TestSlogObserver(t *testing.T) {
	down := fmt.Errorf("%w: skipped after 3 consecutive failures", unionstore.ErrCircuitOpen)
	tests := []struct {
		name  string
		level slog.Level // of the logger
		e     unionstore.Event
		want  string // "" when nothing is logged
	}{
		{"failure at warn", slog.LevelWarn,
			unionstore.Event{Op: "save", Index: 1, Name: "backup", Namespace: "shop", Count: 2, Duration: 3 * time.Millisecond, Err: errors.New("connection refused")},
			`level=WARN msg="store operation failed" store=backup op=save namespace=shop count=2 duration=3ms err="connection refused"`},
		{"skipped member says why", slog.LevelWarn,
			unionstore.Event{Op: "load", Index: 0, Namespace: "shop", Err: down},
			`level=WARN msg="store operation failed" store=0 op=load namespace=shop count=0 duration=0s reason="circuit open" err="circuit breaker open: skipped after 3 consecutive failures"`},
		{"slow at info", slog.LevelInfo,
			unionstore.Event{Op: "load", Index: 2, Namespace: "shop", Count: 7, Duration: 2 * time.Second},
			`level=INFO msg="slow store operation" store=2 op=load namespace=shop count=7 duration=2s`},
		{"slow not logged at warn", slog.LevelWarn,
			unionstore.Event{Op: "load", Index: 2, Namespace: "shop", Count: 7, Duration: 2 * time.Second},
			""},
		{"quick at debug", slog.LevelDebug,
			unionstore.Event{Op: "repair", Index: 0, Name: "new", Namespace: "shop", Count: 1, Duration: time.Millisecond, Reason: unionstore.ReasonReadRepair},
			`level=DEBUG msg="store operation" store=new op=repair namespace=shop count=1 duration=1ms reason="read repair"`},
		{"quick not logged at info", slog.LevelInfo,
			unionstore.Event{Op: "get", Index: 0, Namespace: "shop", Count: 1, Duration: time.Millisecond},
			""},
		{"no namespace for close", slog.LevelDebug,
			unionstore.Event{Op: "close", Index: 0},
			`level=DEBUG msg="store operation" store=0 op=close count=0 duration=0s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			observe := unionstore.SlogObserver(textLogger(&buf, tt.level), time.Second)
			observe(tt.e)
			if got := strings.TrimSuffix(buf.String(), "\n"); got != tt.want {
				t.Errorf("SlogObserver(%+v) logged\n%s\nwant\n%s", tt.e, got, tt.want)
			}
		})
	}
}

func TestSlogObserverWithoutSlowThreshold(t *testing.T) {
	var buf bytes.Buffer
	observe := unionstore.SlogObserver(textLogger(&buf, slog.LevelInfo), 0)
	observe(unionstore.Event{Op: "load", Duration: time.Hour})
	if buf.Len() != 0 {
		t.Errorf("SlogObserver with no slow threshold logged %q at info, want nothing", buf.String())
	}
}

func TestSlogObserverOnAUnion(t *testing.T) {
	var buf bytes.Buffer
	ms := memories(2)
	u := unionstore.New[Item](unionstore.Named("a", ms[0]), &faulty{Store: ms[1], saveErr: errors.New("disk full")}).
		With(unionstore.WriteQuorum(1), unionstore.WithObserver(unionstore.SlogObserver(textLogger(&buf, slog.LevelWarn), time.Minute)))
	if err := u.Save(context.Background(), batch(set("a", "1", at(1)))); err != nil {
		t.Fatal(err)
	}
	want := `level=WARN msg="store operation failed" store=1 op=save namespace=ns count=1 duration=0s err="disk full"` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("a union with one failing member logged\n%s\nwant\n%s", got, want)
	}
}

// textLogger logs to w without times, and with durations rounded to the
// millisecond, so that its output can be compared.
func textLogger(w *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: stableAttrs}))
}

func stableAttrs(groups []string, a slog.Attr) slog.Attr {
	switch {
	case a.Key == slog.TimeKey && len(groups) == 0:
		return slog.Attr{}
	case a.Key == unionstore.SlogDuration:
		return slog.Duration(a.Key, a.Value.Duration().Truncate(time.Millisecond))
	}
	return a
}

// Logging a union's failing members through log/slog.
func ExampleSlogObserver() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == unionstore.SlogDuration {
				return slog.Attr{} // for a stable output
			}
			return a
		},
	}))
	primary := unionstore.NewMemory[Customer]()
	backup := &unreliable{Store: unionstore.NewMemory[Customer](), down: true}
	u := unionstore.New[Customer](unionstore.Named("primary", primary), unionstore.Named("backup", backup)).With(
		unionstore.WriteQuorum(1),
		unionstore.WithObserver(unionstore.SlogObserver(logger, time.Second)))

	err := u.Save(context.Background(), unionstore.NewChangesBuilder[Customer]("shop").Set(Customer{ID: "c1", Name: "Ada"}).Build())
	fmt.Println("save:", err)
	// Output:
	// level=WARN msg="store operation failed" store=backup op=save namespace=shop count=1 err="connection refused"
	// save: <nil>
}
