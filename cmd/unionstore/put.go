package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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
	return write(ctx, e, args, unionstore.ChangeTypeSet)
}

const unsetExamples = `  unionstore unset --store shop.db shop customer c1
  echo '{"kind":"customer","id":"c1"}' | unionstore unset --store shop.db shop`

func runUnset(ctx context.Context, e *env, args []string) error {
	return write(ctx, e, args, unionstore.ChangeTypeUnset)
}

// putBatch is how many changes from standard input go in one Save.
const putBatch = 1000

func write(ctx context.Context, e *env, args []string, ct unionstore.ChangeType) error {
	var fs = newFlags(e, "put", "--store ADDR [--at TIME] NAMESPACE KIND ID BODY\n       unionstore put --store ADDR [NAMESPACE] < records.jsonl", `
Put writes one record, or many read as JSON lines from standard input, to
every store given (through a union). BODY must be a JSON value. A JSON line
is {"namespace", "kind", "id", "change", "timestamp", "body"}, the format
that load --json prints; namespace defaults to the NAMESPACE argument,
change to "set", timestamp (RFC 3339) to now. A change older than what a
store holds is ignored, so piping load --json into put is an idempotent copy.`, putExamples)
	if ct == unionstore.ChangeTypeUnset {
		fs = newFlags(e, "unset", "--store ADDR [--at TIME] NAMESPACE KIND ID\n       unionstore unset --store ADDR [NAMESPACE] < keys.jsonl", `
Unset writes a tombstone that deletes a record, in every store given, or one
per JSON line {"namespace", "kind", "id", "timestamp"} from standard input.
The tombstone keeps the last body the stores hold for the record, so that
applications can still decode it.`, unsetExamples)
	}
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
		if ts, err = time.Parse(time.RFC3339Nano, *at); err != nil {
			return usageErrorf("--at %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", *at)
		}
	}
	one := 4 // namespace kind id body
	if ct == unionstore.ChangeTypeUnset {
		one = 3
	}
	var single *unionstore.Change[Record]
	defaultNS := ""
	switch len(pos) {
	case one:
		c := unionstore.Change[Record]{Namespace: pos[0], ChangeType: ct, Entity: Record{Kind: pos[1], ID: pos[2]}, Timestamp: ts}
		if ct == unionstore.ChangeTypeSet {
			if !json.Valid([]byte(pos[3])) {
				return usageErrorf("BODY %q is not a JSON value; quote strings as '\"text\"'", pos[3])
			}
			c.Entity.Body = json.RawMessage(pos[3])
		}
		single = &c
	case 0, 1:
		if len(pos) == 1 {
			defaultNS = pos[0]
		}
	default:
		return usageErrorf("want %d arguments, or at most a NAMESPACE with records on standard input; got %d", one, len(pos))
	}
	opened, err := openAll(ctx, addrs, readWrite)
	if err != nil {
		return err
	}
	defer opened.close()
	u := opened.union()
	bodies := bodyCache{u: u}
	save := func(batch unionstore.Changes[Record]) error {
		if ct == unionstore.ChangeTypeUnset {
			if err := bodies.fill(ctx, batch); err != nil {
				return err
			}
		}
		return u.Save(ctx, batch)
	}
	if single != nil {
		if err := save(unionstore.Changes[Record]{*single}); err != nil {
			return err
		}
		return opened.close()
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	var batch unionstore.Changes[Record]
	total := 0
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		c, err := parseLine(sc.Bytes(), defaultNS, ct, ts)
		if err != nil {
			return usageErrorf("standard input line %d: %w", line, err)
		}
		if batch = append(batch, c); len(batch) == putBatch {
			if err := save(batch); err != nil {
				return err
			}
			total += len(batch)
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	if len(batch) > 0 {
		if err := save(batch); err != nil {
			return err
		}
		total += len(batch)
	}
	fmt.Fprintf(e.stderr, "wrote %d changes\n", total)
	return opened.close()
}

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
		t, err := time.Parse(time.RFC3339Nano, r.Timestamp)
		if err != nil {
			return c, fmt.Errorf("timestamp %q: want RFC 3339", r.Timestamp)
		}
		c.Timestamp = t
	}
	c.Entity = Record{Kind: r.Kind, ID: r.ID, Body: r.Body}
	if c.ChangeType == unionstore.ChangeTypeSet && len(r.Body) == 0 {
		return c, fmt.Errorf("record %s/%s has no body", r.Kind, r.ID)
	}
	return c, nil
}

// bodyCache gives tombstones the last body the stores hold, loading each
// namespace once.
type bodyCache struct {
	u     *unionstore.Union[Record]
	cache map[string]map[[2]string]json.RawMessage
}

func (b *bodyCache) fill(ctx context.Context, batch unionstore.Changes[Record]) error {
	if b.cache == nil {
		b.cache = make(map[string]map[[2]string]json.RawMessage)
	}
	for i := range batch {
		c := &batch[i]
		if c.ChangeType != unionstore.ChangeTypeUnset || len(c.Entity.Body) > 0 {
			continue
		}
		space, ok := b.cache[c.Namespace]
		if !ok {
			loaded, err := b.u.Load(ctx, c.Namespace)
			if err != nil {
				return err
			}
			space = make(map[[2]string]json.RawMessage, len(loaded))
			for _, l := range loaded {
				space[[2]string{l.Entity.Kind, l.Entity.ID}] = l.Entity.Body
			}
			b.cache[c.Namespace] = space
		}
		c.Entity.Body = space[[2]string{c.Entity.Kind, c.Entity.ID}]
	}
	return nil
}
