package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

const purgeSynopsis = "--store ADDR [--store ADDR...] (--all | --tombstones-older-than AGE | --tombstones-before TIME) [--yes] NAMESPACE..."

func runPurge(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "purge", purgeSynopsis, `
Purge removes records from each NAMESPACE in every store given. Say what
to remove, with exactly one of:

  --all                        every record, live ones and tombstones: the
                               namespace goes entirely
  --tombstones-older-than AGE  only the tombstones older than AGE, such as
                               30d or 720h (units s, m, h and d)
  --tombstones-before TIME     only the tombstones older than TIME, an RFC
                               3339 time in the past

A purge cannot be undone. Without --yes it only says how many live records
and how many tombstones it would remove, and changes nothing. An age of 0,
an empty or future time, or any value that does not parse is refused with
status 2: no value removes a live record but --all.

Tombstones keep deleted records deleted in the other stores and replicas:
removing them is only safe once every store holds them and no older change
can still arrive. Purge checks the stores it is given and refuses when one
holds an older version of a record whose tombstone would go: run repair
first. Choose the age longer than any store may stay behind.`, `  unionstore purge --store a.db --store b.db --tombstones-older-than 30d shop
  unionstore purge --store a.db --store b.db --tombstones-older-than 30d --yes shop
  unionstore purge --store shop.db --all departed-tenant
  unionstore purge --store a.db --store b.db --all --yes departed-tenant`)
	var c common
	c.register(fs, "print the summary as one JSON object")
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to purge (repeatable)")
	var yes, all switchFlag
	fs.Var(&yes, "yes", "confirm: really remove")
	fs.Var(&all, "all", "remove every record of each namespace, live ones included")
	before := timeFlag{past: true}
	fs.Var(&before, "tombstones-before", "remove only the tombstones older than `TIME` (RFC 3339, in the past)")
	var olderThan ageFlag
	fs.Var(&olderThan, "tombstones-older-than", "remove only the tombstones older than `AGE`, such as 30d or 720h")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	if len(addrs) == 0 {
		return usageErrorf("no --store given")
	}
	if len(namespaces) == 0 {
		return usageErrorf("name the namespaces to purge")
	}
	var p purgePlan
	switch given := countTrue(all.on, olderThan.set, before.set); {
	case given == 0:
		return usageErrorf("say what to purge: --all for every record, live ones included, or --tombstones-older-than AGE or --tombstones-before TIME for old tombstones only")
	case given > 1:
		return usageErrorf("give one of --all, --tombstones-older-than and --tombstones-before")
	case olderThan.set:
		p.before = time.Now().Add(-olderThan.d)
	case before.set:
		p.before = before.t
	default:
		p.all = true
	}
	access := readOnly
	if yes.on {
		access = readWrite
	}
	opened, err := e.openAll(ctx, addrs, c.open(access))
	if err != nil {
		return err
	}
	defer opened.close()
	u := opened.union()
	var out []jsonPurge
	for _, ns := range namespaces {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := p.run(ctx, u, ns, yes.on)
		if err != nil {
			return err
		}
		out = append(out, r)
		what := fmt.Sprintf("%s and %s", plural(r.Live, "live record"), plural(r.Tombstones, "tombstone"))
		if !p.all {
			what += " older than " + p.before.UTC().Format(time.RFC3339)
		}
		if yes.on {
			e.say(c.asJSON, "%s: removed %s from %s", escape(ns), what, storeList(opened.addrs))
		} else {
			e.say(c.asJSON, "%s: would remove %s from %s", escape(ns), what, storeList(opened.addrs))
		}
	}
	if c.asJSON {
		summary := map[string]any{"command": "purge", "confirmed": yes.on, "all": p.all, "tombstones_only": !p.all, "namespaces": out}
		if !p.all {
			summary["tombstones_before"] = formatTime(p.before)
		}
		return e.printJSON(summary)
	}
	if !yes.on {
		e.say(false, "nothing was changed; give --yes to remove")
	}
	return nil
}

// jsonPurge is what purge did, or would do, to one namespace, as --json
// prints it.
type jsonPurge struct {
	Namespace string `json:"namespace"`
	// Live and Tombstones count the merged records removed (with --yes)
	// or that would be; Records is their sum.
	Live       int  `json:"live"`
	Tombstones int  `json:"tombstones"`
	Records    int  `json:"records"`
	Removed    bool `json:"removed"`
}

// purgePlan is what purge removes: every record (all), or the tombstones
// older than before.
type purgePlan struct {
	all    bool
	before time.Time
}

// run counts what p removes from namespace ns of u, and removes it when
// confirmed.
func (p purgePlan) run(ctx context.Context, u *unionstore.Union[Record], ns string, confirmed bool) (jsonPurge, error) {
	r := jsonPurge{Namespace: ns}
	where := "namespace " + quote(ns)
	var err error
	if r.Live, r.Tombstones, err = p.count(ctx, u, ns); err != nil {
		return r, at(where, err)
	}
	r.Records = r.Live + r.Tombstones
	if !confirmed {
		return r, nil
	}
	if p.all {
		if err := u.Purge(ctx, ns); err != nil {
			return r, at(where, err)
		}
		r.Removed = true
		return r, nil
	}
	n, err := u.PurgeTombstones(ctx, ns, p.before)
	if errors.Is(err, unionstore.ErrPurgeUnsafe) {
		return r, fmt.Errorf("%s: nothing was removed: %w", where, err)
	}
	if err != nil {
		return r, at(where, err)
	}
	r.Tombstones, r.Records, r.Removed = n, n, true
	return r, nil
}

// count returns how many live records and how many tombstones of the
// merged namespace p removes.
func (p purgePlan) count(ctx context.Context, u *unionstore.Union[Record], namespace string) (live, tombstones int, err error) {
	for ch, err := range u.Scan(ctx, namespace) {
		if err != nil {
			return 0, 0, err
		}
		switch {
		case ch.ChangeType == unionstore.ChangeTypeUnset && (p.all || ch.Timestamp.Before(p.before)):
			tombstones++
		case ch.ChangeType == unionstore.ChangeTypeSet && p.all:
			live++
		}
	}
	return live, tombstones, nil
}

// countTrue returns how many of bs are true.
func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
