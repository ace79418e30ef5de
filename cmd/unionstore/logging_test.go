package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

func TestLogLevelFlag(t *testing.T) {
	tests := []struct {
		value   string
		want    string // the flag's String after Set
		wantErr bool
	}{
		{"debug", "debug", false},
		{"INFO", "info", false},
		{"warn", "warn", false},
		{"error", "error", false},
		{"off", "off", false},
		{"loud", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		l := defaultLogLevel
		err := l.Set(tt.value)
		if (err != nil) != tt.wantErr {
			t.Errorf("Set(%q) = %v, want an error: %v", tt.value, err, tt.wantErr)
			continue
		}
		if err == nil && l.String() != tt.want {
			t.Errorf("Set(%q), String() = %q, want %q", tt.value, l.String(), tt.want)
		}
	}
}

func TestBadLogLevelIsAUsageError(t *testing.T) {
	r := must(t, t.TempDir(), exitFailure, "", "load", "--store", "a.db", "--log-level", "loud", "shop")
	contains(t, "stderr of load --log-level loud", r.stderr, "log-level", "want debug, info, warn, error or off", "--help")
}

// down is a store whose saves fail.
type down struct{ unionstore.Store[Record] }

func (down) Save(context.Context, unionstore.Changes[Record]) error {
	return errors.New("connection refused")
}

func TestUnionOptionsLogStoreCallsOnStandardError(t *testing.T) {
	tests := []struct {
		level string
		want  []string // lines that must appear, in order
		none  bool     // nothing is logged
	}{
		{level: "off", none: true},
		{level: "error", none: true},
		{level: "warn", want: []string{`level=WARN msg="store operation failed" store=b.db op=save namespace=shop count=1`, `err="connection refused"`}},
		{level: "debug", want: []string{`level=DEBUG msg="store operation" store=a.db op=save namespace=shop count=1`, `level=WARN msg="store operation failed" store=b.db`}},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var stderr bytes.Buffer
			e := &env{stderr: &stderr}
			var c common
			c.logLevel = defaultLogLevel
			if err := c.logLevel.Set(tt.level); err != nil {
				t.Fatal(err)
			}
			u := unionstore.New[Record](
				unionstore.Named("a.db", unionstore.NewMemory[Record]()),
				unionstore.Named("b.db", down{unionstore.NewMemory[Record]()}),
			).With(append(c.unionOptions(e), unionstore.WriteQuorum(1))...)
			changes := unionstore.NewChangesBuilder[Record]("shop").Set(Record{Kind: "k", ID: "a"}).Build()
			if err := u.Save(context.Background(), changes); err != nil {
				t.Fatal(err)
			}
			got := stderr.String()
			if tt.none {
				if got != "" {
					t.Errorf("--log-level %s logged:\n%s", tt.level, got)
				}
				return
			}
			// Member calls run concurrently: compare line by line.
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("--log-level %s logged:\n%s\nwant a line with %q", tt.level, got, w)
				}
			}
		})
	}
}
