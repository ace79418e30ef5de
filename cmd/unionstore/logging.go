package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
)

// logLevel is the --log-level flag: the least severe level that the command
// logs to standard error, or off.
type logLevel struct {
	level slog.Level
	off   bool
}

// defaultLogLevel logs nothing the command does not already say: the union
// logs failures at warn, and the command reports its errors itself.
var defaultLogLevel = logLevel{level: slog.LevelError}

func (l *logLevel) String() string {
	if l.off {
		return "off"
	}
	return strings.ToLower(l.level.String())
}

func (l *logLevel) Set(s string) error {
	if strings.EqualFold(s, "off") {
		*l = logLevel{off: true}
		return nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("want debug, info, warn, error or off")
	}
	*l = logLevel{level: level}
	return nil
}

// slowOperation is how long a call on a store may take before the command
// logs it at info.
const slowOperation = time.Second

// logger returns the logger of the command: text records on e's standard
// error from level l up, or nothing when l is off.
func (l logLevel) logger(e *env) *slog.Logger {
	if l.off {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l.level}))
}

// unionOptions returns the options that make a union log its calls on
// stores through the command's logger: failures at warn, calls slower than
// slowOperation at info, every call at debug.
func (l logLevel) unionOptions(e *env) []unionstore.Option {
	return []unionstore.Option{unionstore.WithObserver(unionstore.SlogObserver(l.logger(e), slowOperation))}
}
