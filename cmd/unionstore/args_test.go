package main

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args   []string
		pos    []string
		stores []string
		json   bool
	}{
		{[]string{"ns"}, []string{"ns"}, nil, false},
		{[]string{"--store", "a.db", "ns", "--json"}, []string{"ns"}, []string{"a.db"}, true},
		{[]string{"ns", "--store", "a.db", "k", "--store=b.db", "id"}, []string{"ns", "k", "id"}, []string{"a.db", "b.db"}, false},
		{[]string{"--store", "a.db", "--", "--json", "-x"}, []string{"--json", "-x"}, []string{"a.db"}, false},
		{[]string{"ns", "--", "--store"}, []string{"ns", "--store"}, nil, false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var stores addrList
		fs.Var(&stores, "store", "")
		asJSON := fs.Bool("json", false, "")
		pos, err := parse(fs, tt.args)
		if err != nil || !slices.Equal(pos, tt.pos) || !slices.Equal(stores, tt.stores) || *asJSON != tt.json {
			t.Errorf("parse(%q) = %q, stores %q, json %v, %v; want %q, %q, %v", tt.args, pos, stores, *asJSON, err, tt.pos, tt.stores, tt.json)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	var ue *usageError
	if _, err := parse(fs, []string{"--nope"}); !errors.As(err, &ue) {
		t.Errorf("parse of an unknown flag = %v, want a usage error", err)
	}
}

func TestRecordCodec(t *testing.T) {
	c := recordCodec{}
	tests := []struct {
		body    string
		encoded string
		ok      bool
	}{
		{`{"a": 1}`, `{"a": 1}`, true}, // bytes kept as they are, spaces too
		{`[1,2]`, `[1,2]`, true},
		{``, ``, false}, // never null: applications could not decode it
		{`{"a":`, ``, false},
	}
	for _, tt := range tests {
		got, err := c.Encode(Record{Kind: "k", ID: "i", Body: []byte(tt.body)})
		if (err == nil) != tt.ok || string(got) != tt.encoded {
			t.Errorf("Encode(%q) = %q, %v; want %q, ok %v", tt.body, got, err, tt.encoded, tt.ok)
		}
	}
	data := []byte(`{"x":true}`)
	r, err := c.Decode("kind", "id", data)
	data[2] = 'y'
	if err != nil || r.Kind != "kind" || r.ID != "id" || string(r.Body) != `{"x":true}` {
		t.Errorf("Decode = %+v, %v; want kind, id and a copy of the body", r, err)
	}
}

func TestProgressBarOnlyOnTerminal(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		var buf bytes.Buffer
		p := startProgress(&env{stderr: &buf, progress: terminal}, "check shop", func() int64 { return 200 })
		p.done.Store(50)
		if terminal {
			p.draw() // what the ticker does
		}
		p.finish()
		got := buf.String()
		if !terminal && got != "" {
			t.Errorf("progress off a terminal wrote %q", got)
		}
		if terminal && (!strings.Contains(got, "check shop [=======") || !strings.Contains(got, " 25% 50/200") || !strings.HasSuffix(got, "\r\033[K")) {
			t.Errorf("progress on a terminal wrote %q, want a 25%% bar then a cleared line", got)
		}
	}
}
