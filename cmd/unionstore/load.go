package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
)

func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "load", "--store ADDR [--store ADDR...] [--kind KIND...] [--json] [NAMESPACE...]", `
Load prints the merged state of each NAMESPACE (or of every namespace the
stores hold) across the stores given: for each record the latest change in
any store, tombstones (change "unset") included, sorted by namespace, kind
and id. It streams: memory stays flat however many records there are.

The table is for people: every cell is escaped (a tab, a line break, a
control character or a terminal escape sequence is shown as \t, \n, \x1b,
...) and bodies are cut at 60 characters. --json prints one JSON record per
line, the input format of put; on a terminal, characters that could drive
it are escaped there too. A summary of the counts goes to standard error.`, `  unionstore load --store shop.db shop
  unionstore load --store shop.db --kind customer shop audit
  unionstore load --store old.db --store new.db --json shop > shop.jsonl`)
	var c storeFlags
	c.register(fs, "print JSON lines instead of a table", "store `address` to read (repeatable)")
	var kinds addrList
	fs.Var(&kinds, "kind", "only records of `KIND` (repeatable)")
	namespaces, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	opened, err := e.openAll(ctx, c.addrs, c.open(readOnly))
	if err != nil {
		return err
	}
	defer opened.close()
	if len(namespaces) == 0 {
		if namespaces, err = opened.namespaces(ctx, nil); err != nil {
			return err
		}
	}
	u := opened.union()
	out := newRecordWriter(e, c.asJSON)
	for _, ns := range namespaces {
		n, tombstones := 0, 0
		for ch, err := range u.Scan(ctx, ns) {
			if err != nil {
				out.flush()
				return at(fmt.Sprintf("namespace %s", quote(ns)), err)
			}
			if len(kinds) > 0 && !slices.Contains(kinds, ch.Entity.Kind) {
				continue
			}
			n++
			if ch.ChangeType == unionstore.ChangeTypeUnset {
				tombstones++
			}
			if err := out.write(ch); err != nil {
				return err
			}
		}
		e.note("%s: %s (%s) from %s", escape(ns), plural(n, "record"), plural(tombstones, "tombstone"), storeList(opened.addrs))
	}
	return out.flush()
}

// storeList names the stores of a command for a summary.
func storeList(addrs []string) string {
	if len(addrs) == 1 {
		return addrs[0]
	}
	return fmt.Sprintf("%d stores", len(addrs))
}

// recordWriter prints records as a table or as JSON lines, buffered.
type recordWriter struct {
	e     *env
	table *table
	w     *bufio.Writer
}

func newRecordWriter(e *env, asJSON bool) *recordWriter {
	if asJSON {
		return &recordWriter{e: e, w: bufio.NewWriterSize(e.stdout, 64<<10)}
	}
	return &recordWriter{e: e, table: newTable(e.stdout, "NAMESPACE", "KIND", "ID", "CHANGE", "TIMESTAMP", "BODY")}
}

func (r *recordWriter) write(c unionstore.Change[Record]) error {
	if r.table != nil {
		return r.table.row(escape(c.Namespace), escape(c.Entity.Kind), escape(c.Entity.ID), string(c.ChangeType), formatTime(c.Timestamp), escapeBody(clip(string(c.Entity.Body), 60)))
	}
	line, err := json.Marshal(toJSON(c))
	if err != nil {
		return fmt.Errorf("record %s %s: %w", escape(c.Namespace), keyWords(c.Entity.Kind, c.Entity.ID), err)
	}
	if r.e.stdoutTerminal {
		line = terminalSafeJSON(line)
	}
	r.w.Write(line)
	return r.w.WriteByte('\n')
}

func (r *recordWriter) flush() error {
	if r.table != nil {
		return r.table.flush()
	}
	return r.w.Flush()
}

func runNamespaces(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "namespaces", "--store ADDR [--store ADDR...] [--json]", `
Namespaces lists the namespaces each store holds, with the number of live
entities and of tombstones in each.`, `  unionstore namespaces --store shop.db
  unionstore namespaces --store old.db --store new.db --json`)
	var c storeFlags
	c.register(fs, "print JSON lines instead of a table", "store `address` to list (repeatable)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	if len(pos) != 0 {
		return usageErrorf("unexpected arguments %q", pos)
	}
	opened, err := e.openAll(ctx, c.addrs, c.open(readOnly))
	if err != nil {
		return err
	}
	defer opened.close()
	var tw *table
	enc := json.NewEncoder(e.stdout)
	if !c.asJSON {
		tw = newTable(e.stdout, "STORE", "NAMESPACE", "ENTITIES", "TOMBSTONES")
	}
	for i := range opened.list {
		stats, err := opened.namespaceStats(ctx, i)
		if err != nil {
			if tw != nil {
				tw.flush()
			}
			return err
		}
		if len(stats) == 0 {
			e.note("%s holds no namespaces", opened.addrs[i])
		}
		for _, s := range stats {
			if tw != nil {
				tw.row(opened.addrs[i], escape(s.Namespace), fmt.Sprint(s.Entities), fmt.Sprint(s.Tombstones))
				continue
			}
			err := enc.Encode(struct {
				Store      string `json:"store"`
				Namespace  string `json:"namespace"`
				Entities   int    `json:"entities"`
				Tombstones int    `json:"tombstones"`
			}{opened.addrs[i], s.Namespace, s.Entities, s.Tombstones})
			if err != nil {
				return err
			}
		}
	}
	if tw != nil {
		return tw.flush()
	}
	return nil
}
