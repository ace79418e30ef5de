package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/unionstore/unionstore"
)

func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "load", "--store ADDR [--store ADDR...] [--json] NAMESPACE", `
Load prints the merged state of NAMESPACE across the stores given: for each
record the latest change in any store, tombstones (change "unset")
included, sorted by kind and id. The table is for people; --json prints one
JSON record per line, the input format of put.`, `  unionstore load --store shop.db shop
  unionstore load --store old.db --store new.db --json shop > shop.jsonl`)
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to read (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON lines instead of a table")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return usageErrorf("no --store given")
	}
	if len(pos) != 1 {
		return usageErrorf("want one NAMESPACE argument, got %d", len(pos))
	}
	opened, err := e.openAll(ctx, addrs, readOnly)
	if err != nil {
		return err
	}
	defer opened.close()
	u := opened.union()
	var tw *tabwriter.Writer
	enc := json.NewEncoder(e.stdout)
	if !*asJSON {
		tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tID\tCHANGE\tTIMESTAMP\tBODY")
	}
	for c, err := range u.Scan(ctx, pos[0]) {
		if err != nil {
			return err
		}
		if tw != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Entity.Kind, c.Entity.ID, c.ChangeType, formatTime(c.Timestamp), clip(string(c.Entity.Body), 60))
			continue
		}
		if err := enc.Encode(toJSON(c)); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

func toJSON(c unionstore.Change[Record]) jsonRecord {
	return jsonRecord{
		Namespace: c.Namespace, Kind: c.Entity.Kind, ID: c.Entity.ID,
		Change: string(c.ChangeType), Timestamp: formatTime(c.Timestamp), Body: c.Entity.Body,
	}
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// clip shortens s to at most n runes for a table cell.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func runNamespaces(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "namespaces", "--store ADDR [--store ADDR...] [--json]", `
Namespaces lists the namespaces each store holds, with the number of live
entities and of tombstones in each.`, `  unionstore namespaces --store shop.db
  unionstore namespaces --store old.db --store new.db --json`)
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to list (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON lines instead of a table")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return usageErrorf("no --store given")
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected arguments %q", pos)
	}
	opened, err := e.openAll(ctx, addrs, readOnly)
	if err != nil {
		return err
	}
	defer opened.close()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	enc := json.NewEncoder(e.stdout)
	if !*asJSON {
		fmt.Fprintln(tw, "STORE\tNAMESPACE\tENTITIES\tTOMBSTONES")
	}
	for i, st := range opened.list {
		nl, ok := st.(unionstore.NamespaceLister)
		if !ok {
			return fmt.Errorf("store %q cannot list its namespaces", opened.addrs[i])
		}
		stats, err := nl.Namespaces(ctx)
		if err != nil {
			return err
		}
		for _, s := range stats {
			if *asJSON {
				err := enc.Encode(struct {
					Store      string `json:"store"`
					Namespace  string `json:"namespace"`
					Entities   int    `json:"entities"`
					Tombstones int    `json:"tombstones"`
				}{opened.addrs[i], s.Namespace, s.Entities, s.Tombstones})
				if err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", opened.addrs[i], s.Namespace, s.Entities, s.Tombstones)
		}
	}
	if *asJSON {
		return nil
	}
	return tw.Flush()
}
