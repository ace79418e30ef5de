package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
)

// jsonRecord is one JSON line, as load --json prints it and put and unset
// read it.
type jsonRecord struct {
	Namespace string          `json:"namespace,omitempty"`
	Kind      string          `json:"kind"`
	ID        string          `json:"id"`
	Change    string          `json:"change,omitempty"`
	Timestamp string          `json:"timestamp,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
}

const putExamples = `  unionstore put --store shop.db shop customer c1 '{"id":"c1","name":"Ada"}'
  unionstore load --store old.db --json shop | unionstore put --store new.db
  echo '{"kind":"customer","id":"c2","body":{"id":"c2"}}' | unionstore put --store shop.db shop`

func runPut(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "put", "--store ADDR [--at TIME] NAMESPACE KIND ID BODY\n       unionstore put --store ADDR [NAMESPACE] < records.jsonl", `
Put writes one record, or many read as JSON lines from standard input, to
every store given (through a union). BODY must be a JSON value other than
null. A JSON line is {"namespace", "kind", "id", "change", "timestamp",
"body"}, the format that load --json prints; namespace defaults to the
NAMESPACE argument, change to "set", timestamp (RFC 3339) to now. A line
with change "unset" is written as unset writes it. A change older than what
a store holds is ignored, so piping load --json into put is an idempotent
copy.

Put reads all of standard input and checks every line before it writes
anything: if a line is bad, it lists the bad lines and writes nothing.`, putExamples)
	return write(ctx, e, fs, args, unionstore.ChangeTypeSet)
}

const unsetExamples = `  unionstore unset --store shop.db shop customer c1
  unionstore unset --store new.db shop customer c9 '{"id":"c9","name":"Ida"}'
  echo '{"kind":"customer","id":"c1"}' | unionstore unset --store shop.db shop`

func runUnset(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "unset", "--store ADDR [--at TIME] NAMESPACE KIND ID [BODY]\n       unionstore unset --store ADDR [NAMESPACE] < keys.jsonl", `
Unset writes a tombstone that deletes a record, in every store given, or one
per JSON line {"namespace", "kind", "id", "timestamp", "body"} from standard
input.

A tombstone keeps the record's last body, so that applications can still
decode it: unset takes it from the stores given. For a record that none of
them holds, give the body, as BODY or as "body" in its line, the record's
JSON as the application writes it; without one, unset refuses the record
(add the --store that holds it, or give its body). Unset checks every record
before it writes anything: if one is refused, nothing is written.`, unsetExamples)
	return write(ctx, e, fs, args, unionstore.ChangeTypeUnset)
}

// maxReported is how many bad lines of standard input an error lists.
const maxReported = 10

// write writes the changes of type ct that args or standard input give.
// Every change is checked, and every tombstone given a body, before any
// store is written; all the changes then go to the stores in one Save, which
// each store writes whole or not at all.
func write(ctx context.Context, e *env, fs *flag.FlagSet, args []string, ct unionstore.ChangeType) error {
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to write to (repeatable)")
	at := fs.String("at", "", "timestamp of the change, RFC 3339 (default now)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return usageErrorf("no --store given")
	}
	var ts time.Time
	if *at != "" {
		if ts, err = parseTime(*at); err != nil {
			return usageErrorf("--at: %w", err)
		}
	}
	var in input
	switch {
	case len(pos) == 4 || (len(pos) == 3 && ct == unionstore.ChangeTypeUnset):
		c := unionstore.Change[Record]{Namespace: pos[0], ChangeType: ct, Entity: Record{Kind: pos[1], ID: pos[2]}, Timestamp: ts}
		if len(pos) == 4 {
			if !json.Valid([]byte(pos[3])) {
				return usageErrorf("BODY %q is not a JSON value; quote strings as '\"text\"'", pos[3])
			}
			if isNull(pos[3]) {
				return usageErrorf("BODY is null; give the record's JSON as the application writes it")
			}
			c.Entity.Body = json.RawMessage(pos[3])
		}
		in.changes = unionstore.Changes[Record]{c}
		in.lines = []int{0}
	case len(pos) <= 1:
		defaultNS := ""
		if len(pos) == 1 {
			defaultNS = pos[0]
		}
		if in, err = readInput(e.stdin, defaultNS, ct, ts); err != nil {
			return err
		}
	case ct == unionstore.ChangeTypeUnset:
		return usageErrorf("want NAMESPACE KIND ID [BODY], or at most a NAMESPACE with keys on standard input; got %d arguments", len(pos))
	default:
		return usageErrorf("want NAMESPACE KIND ID BODY, or at most a NAMESPACE with records on standard input; got %d arguments", len(pos))
	}
	opened, err := e.openAll(ctx, addrs, readWrite)
	if err != nil {
		return err
	}
	defer opened.close()
	u := opened.union()
	if err := fillBodies(ctx, u, in); err != nil {
		return err
	}
	if err := u.Save(ctx, in.changes); err != nil {
		return err
	}
	if in.fromStdin {
		fmt.Fprintf(e.stderr, "wrote %d changes\n", len(in.changes))
	}
	return opened.close()
}

// input is the changes a command line gives, with the line of standard
// input each comes from (0 for one given as arguments).
type input struct {
	changes   unionstore.Changes[Record]
	lines     []int
	fromStdin bool
}

// readInput reads every JSON line of r. It returns a usage error listing
// the bad lines, if any.
func readInput(r io.Reader, defaultNS string, ct unionstore.ChangeType, ts time.Time) (input, error) {
	in := input{fromStdin: true}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	var bad []string
	badLines := 0
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		c, err := parseLine(sc.Bytes(), defaultNS, ct, ts)
		if err != nil {
			if badLines++; len(bad) < maxReported {
				bad = append(bad, fmt.Sprintf("line %d: %v", line, err))
			}
			continue
		}
		in.changes = append(in.changes, c)
		in.lines = append(in.lines, line)
	}
	if err := sc.Err(); err != nil {
		return in, fmt.Errorf("reading standard input: %w; nothing written", err)
	}
	switch {
	case badLines == 1:
		return in, usageErrorf("standard input %s; nothing written", bad[0])
	case badLines > 1:
		return in, usageErrorf("standard input has %d bad lines; nothing written:%s", badLines, indented(bad, badLines))
	}
	return in, nil
}

// indented returns the first problems of n, one per line, indented.
func indented(first []string, n int) string {
	var b strings.Builder
	for _, p := range first {
		b.WriteString("\n  " + p)
	}
	if n > len(first) {
		fmt.Fprintf(&b, "\n  … and %d more", n-len(first))
	}
	return b.String()
}

// parseTime parses an RFC 3339 time that a change may carry.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("timestamp %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", s)
	}
	if t.Before(unionstore.MinTimestamp) || t.After(unionstore.MaxTimestamp) {
		return t, fmt.Errorf("timestamp %q: want a time from %d to %d", s, unionstore.MinTimestamp.Year(), unionstore.MaxTimestamp.Year())
	}
	return t, nil
}

// isNull reports whether the JSON value v is null.
func isNull[T ~string | ~[]byte](v T) bool { return strings.TrimSpace(string(v)) == "null" }

func parseLine(line []byte, defaultNS string, ct unionstore.ChangeType, ts time.Time) (unionstore.Change[Record], error) {
	var r jsonRecord
	var c unionstore.Change[Record]
	if err := json.Unmarshal(line, &r); err != nil {
		return c, fmt.Errorf("not a JSON record: %w", err)
	}
	c.Namespace, c.ChangeType, c.Timestamp = r.Namespace, ct, ts
	if c.Namespace == "" {
		c.Namespace = defaultNS
	}
	if c.Namespace == "" {
		return c, fmt.Errorf("no namespace: give it as an argument or in the record")
	}
	if r.Kind == "" && r.ID == "" {
		return c, fmt.Errorf("no kind and id")
	}
	if r.ID == "" {
		return c, fmt.Errorf("empty id")
	}
	if r.Change != "" && ct == unionstore.ChangeTypeSet {
		c.ChangeType = unionstore.ChangeType(r.Change)
		if !c.ChangeType.Valid() {
			return c, fmt.Errorf("change %q: want set or unset", r.Change)
		}
	}
	if r.Timestamp != "" {
		t, err := parseTime(r.Timestamp)
		if err != nil {
			return c, err
		}
		c.Timestamp = t
	}
	c.Entity = Record{Kind: r.Kind, ID: r.ID, Body: r.Body}
	if isNull(r.Body) {
		return c, fmt.Errorf("record %s/%s has a null body; give the record's JSON as the application writes it, or leave body out of an unset", r.Kind, r.ID)
	}
	if c.ChangeType == unionstore.ChangeTypeSet && len(r.Body) == 0 {
		return c, fmt.Errorf("record %s/%s has no body", r.Kind, r.ID)
	}
	return c, nil
}

// fillBodies gives each tombstone of in that has no body the last body
// that the stores of u hold for its record, loading each namespace once. A
// tombstone without a body would be written as null, which an application
// cannot decode, so fillBodies returns a usage error listing the records
// that no store holds, and the command writes nothing.
func fillBodies(ctx context.Context, u *unionstore.Union[Record], in input) error {
	bodies := make(map[string]map[[2]string]json.RawMessage)
	var missing []string
	n := 0
	for i := range in.changes {
		c := &in.changes[i]
		if c.ChangeType != unionstore.ChangeTypeUnset || len(c.Entity.Body) > 0 {
			continue
		}
		space, ok := bodies[c.Namespace]
		if !ok {
			loaded, err := u.Load(ctx, c.Namespace)
			if err != nil {
				return err
			}
			space = make(map[[2]string]json.RawMessage, len(loaded))
			for _, l := range loaded {
				if len(l.Entity.Body) > 0 && !isNull(l.Entity.Body) {
					space[[2]string{l.Entity.Kind, l.Entity.ID}] = l.Entity.Body
				}
			}
			bodies[c.Namespace] = space
		}
		if c.Entity.Body = space[[2]string{c.Entity.Kind, c.Entity.ID}]; c.Entity.Body != nil {
			continue
		}
		if n++; len(missing) < maxReported {
			missing = append(missing, fmt.Sprintf("line %d: %s %s %s", in.lines[i], c.Namespace, c.Entity.Kind, c.Entity.ID))
		}
	}
	if n == 0 {
		return nil
	}
	const why = "so its tombstone would have no body for applications to decode; nothing written"
	switch c := in.changes[0]; {
	case !in.fromStdin:
		return usageErrorf("no store given holds %s %s %s, %s. Add the --store that holds it, or give its last body as BODY: unset --store ADDR NAMESPACE KIND ID BODY",
			c.Namespace, c.Entity.Kind, c.Entity.ID, why)
	case n == 1:
		line, key, _ := strings.Cut(missing[0], ": ")
		return usageErrorf("standard input %s: no store given holds %s, %s. Add the --store that holds it, or give the line its \"body\"", line, key, why)
	}
	return usageErrorf("standard input: no store given holds %d of the records to unset, so their tombstones would have no body for applications to decode; nothing written. "+
		"Add the --store that holds them, or give those lines their \"body\":%s", n, indented(missing, n))
}
