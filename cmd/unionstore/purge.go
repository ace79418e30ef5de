package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

func runPurge(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "purge", "--store ADDR [--store ADDR...] [--tombstones-before TIME | --tombstones-older-than AGE] --yes NAMESPACE...", `
Purge removes each NAMESPACE entirely from every store given: every
record, tombstones included. It cannot be undone. Without --yes it only
says what it would remove and changes nothing.

With --tombstones-before or --tombstones-older-than, it removes instead
only the tombstones older than that, which keep deleted records deleted
in the other stores and replicas: it is only safe once every store holds
them and no older change can still arrive. Purge checks the stores it is
given and refuses when one holds an older version of a record whose
tombstone would go: run repair first. Choose the age longer than any
store may stay behind.`, `  unionstore purge --store shop.db departed-tenant
  unionstore purge --store a.db --store b.db --yes departed-tenant
  unionstore purge --store a.db --store b.db --tombstones-older-than 720h --yes shop`)
	var c common
	c.register(fs, "print the summary as one JSON object")
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to purge (repeatable)")
	yes := fs.Bool("yes", false, "confirm: really remove")
	beforeFlag := fs.String("tombstones-before", "", "remove only the tombstones older than `TIME` (RFC 3339)")
	olderThan := fs.Duration("tombstones-older-than", 0, "remove only the tombstones older than `AGE`, such as 720h")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	if err := c.check(); err != nil {
		return err
	}
	if len(addrs) == 0 {
		return usageErrorf("no --store given")
	}
	if len(namespaces) == 0 {
		return usageErrorf("name the namespaces to purge")
	}
	tombstones := *beforeFlag != "" || *olderThan != 0
	var before time.Time
	switch {
	case *beforeFlag != "" && *olderThan != 0:
		return usageErrorf("give --tombstones-before or --tombstones-older-than, not both")
	case *olderThan < 0:
		return usageErrorf("--tombstones-older-than %v: want a positive age", *olderThan)
	case *olderThan > 0:
		before = time.Now().Add(-*olderThan)
	case *beforeFlag != "":
		if before, err = parseTime(*beforeFlag); err != nil {
			return &usageError{fmt.Errorf("--tombstones-before: %w", err)}
		}
	}
	access := readOnly
	if *yes {
		access = readWrite
	}
	opened, err := e.openAll(ctx, addrs, c.open(access))
	if err != nil {
		return err
	}
	defer opened.close()
	u := opened.union()
	type jsonPurge struct {
		Namespace string `json:"namespace"`
		// Records counts what was removed (with --yes) or would be.
		Records int  `json:"records"`
		Removed bool `json:"removed"`
	}
	var out []jsonPurge
	for _, ns := range namespaces {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !*yes {
			n, err := countToPurge(ctx, u, ns, tombstones, before)
			if err != nil {
				return at("namespace "+quote(ns), err)
			}
			out = append(out, jsonPurge{Namespace: ns, Records: n})
			what := "record"
			if tombstones {
				what = "tombstone"
			}
			e.say(c.asJSON, "%s: would remove %s from %s", escape(ns), plural(n, what), storeList(opened.addrs))
			continue
		}
		if tombstones {
			n, err := u.PurgeTombstones(ctx, ns, before)
			if err != nil {
				if errors.Is(err, unionstore.ErrPurgeUnsafe) {
					return fmt.Errorf("namespace %s: nothing was removed: %w", quote(ns), err)
				}
				return at("namespace "+quote(ns), err)
			}
			out = append(out, jsonPurge{Namespace: ns, Records: n, Removed: true})
			e.say(c.asJSON, "%s: removed %s older than %s", escape(ns), plural(n, "tombstone"), before.UTC().Format(time.RFC3339))
			continue
		}
		n, err := countToPurge(ctx, u, ns, false, before)
		if err != nil {
			return at("namespace "+quote(ns), err)
		}
		if err := u.Purge(ctx, ns); err != nil {
			return at("namespace "+quote(ns), err)
		}
		out = append(out, jsonPurge{Namespace: ns, Records: n, Removed: true})
		e.say(c.asJSON, "%s: removed %s from %s", escape(ns), plural(n, "record"), storeList(opened.addrs))
	}
	if c.asJSON {
		return e.printJSON(map[string]any{"command": "purge", "confirmed": *yes, "tombstones_only": tombstones, "namespaces": out})
	}
	if !*yes {
		e.say(false, "nothing was changed; give --yes to remove")
	}
	return nil
}

// countToPurge counts the merged records of namespace that a purge
// removes: all of them, or the tombstones before before.
func countToPurge(ctx context.Context, u *unionstore.Union[Record], namespace string, tombstones bool, before time.Time) (int, error) {
	n := 0
	for ch, err := range u.Scan(ctx, namespace) {
		if err != nil {
			return 0, err
		}
		if !tombstones || ch.ChangeType == unionstore.ChangeTypeUnset && ch.Timestamp.Before(before) {
			n++
		}
	}
	return n, nil
}
