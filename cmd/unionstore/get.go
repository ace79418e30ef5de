package main

import (
	"context"
	"encoding/json"
	"fmt"
)

func runGet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "get", "--store ADDR [--store ADDR...] [--json] NAMESPACE KIND ID", `
Get prints the latest change of one record, merged over the stores given as
load merges them: the change with the latest timestamp, the store given
first winning a tie. A record whose latest change is an unset is printed as
a tombstone, with the body it keeps. Stores that read single records are
asked for that record alone; others are read whole.

The exit status is 0 when a store holds the record, tombstone included, 1
when none does, 2 on error.`, `  unionstore get --store shop.db shop customer c1
  unionstore get --store old.db --store new.db --json shop customer c1 | jq .body`)
	var c storeFlags
	c.register(fs, "print the change as one JSON record, the line format of load --json", "store `address` to read (repeatable)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	if len(pos) != 3 {
		return usageErrorf("want NAMESPACE KIND ID, got %d arguments", len(pos))
	}
	opened, err := e.openAll(ctx, c.addrs, c.open(readOnly))
	if err != nil {
		return err
	}
	defer opened.close()
	ns, kind, id := pos[0], pos[1], pos[2]
	ch, found, err := opened.union().Get(ctx, ns, kind, id)
	if err != nil {
		return at(fmt.Sprintf("%s %s", escape(ns), keyWords(kind, id)), err)
	}
	if !found {
		fmt.Fprintf(e.stderr, "unionstore get: no store given holds %s %s\n", escape(ns), keyWords(kind, id))
		return errDiffer
	}
	if c.asJSON {
		line, err := json.Marshal(toJSON(ch))
		if err != nil {
			return err
		}
		if e.stdoutTerminal {
			line = terminalSafeJSON(line)
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", line)
		return err
	}
	state := "live (set)"
	if ch.ChangeType != "set" {
		state = "deleted (a tombstone, which keeps the last body)"
	}
	fmt.Fprintf(e.stdout, "namespace  %s\nkind       %s\nid         %s\nstate      %s\ntimestamp  %s\nbody       %s\n",
		escape(ch.Namespace), escape(ch.Entity.Kind), escape(ch.Entity.ID), state, formatTime(ch.Timestamp), escapeBody(string(ch.Entity.Body)))
	return nil
}
