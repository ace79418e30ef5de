package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unionstore/unionstore"
)

const purgeSynopsis = "--store ADDR [--store ADDR...] (--all | --tombstones-older-than AGE | --tombstones-before TIME) [--yes] NAMESPACE..."

const purgeHelp = `
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
first. Choose the age longer than any store may stay behind.`

const purgeExamples = `  unionstore purge --store a.db --store b.db --tombstones-older-than 30d shop
  unionstore purge --store a.db --store b.db --tombstones-older-than 30d --yes shop
  unionstore purge --store shop.db --all departed-tenant
  unionstore purge --store a.db --store b.db --all --yes departed-tenant`

// purgeOptions are the flags and arguments of purge.
type purgeOptions struct {
	storeFlags
	confirmed  bool // --yes
	plan       purgePlan
	namespaces []string
}

// parsePurge returns the options that args give purge. Its errors are
// usage errors, or flag.ErrHelp once --help has printed the usage.
func parsePurge(e *env, args []string) (purgeOptions, error) {
	var o purgeOptions
	fs := newFlags(e, "purge", purgeSynopsis, purgeHelp, purgeExamples)
	o.register(fs, "print the summary as one JSON object", "store `address` to purge (repeatable)")
	var yes, all switchFlag
	fs.Var(&yes, "yes", "confirm: really remove")
	fs.Var(&all, "all", "remove every record of each namespace, live ones included")
	before := timeFlag{past: true}
	fs.Var(&before, "tombstones-before", "remove only the tombstones older than `TIME` (RFC 3339, in the past)")
	var olderThan ageFlag
	fs.Var(&olderThan, "tombstones-older-than", "remove only the tombstones older than `AGE`, such as 30d or 720h")
	var err error
	if o.namespaces, err = o.parse(fs, args); err != nil {
		return o, err
	}
	o.confirmed = yes.on
	if len(o.namespaces) == 0 {
		return o, usageErrorf("name the namespaces to purge")
	}
	o.plan, err = newPurgePlan(all.on, olderThan, before)
	return o, err
}

// newPurgePlan returns what purge removes, given exactly one of --all,
// --tombstones-older-than and --tombstones-before.
func newPurgePlan(all bool, olderThan ageFlag, before timeFlag) (purgePlan, error) {
	switch given := countTrue(all, olderThan.set, before.set); {
	case given == 0:
		return purgePlan{}, usageErrorf("say what to purge: --all for every record, live ones included, or --tombstones-older-than AGE or --tombstones-before TIME for old tombstones only")
	case given > 1:
		return purgePlan{}, usageErrorf("give one of --all, --tombstones-older-than and --tombstones-before")
	case olderThan.set:
		return purgePlan{before: time.Now().Add(-olderThan.d)}, nil
	case before.set:
		return purgePlan{before: before.t}, nil
	}
	return purgePlan{all: true}, nil
}

// run purges, or without --yes counts, each namespace in turn, and prints
// what it did.
func (o *purgeOptions) run(ctx context.Context, e *env) error {
	access := readOnly
	if o.confirmed {
		access = readWrite
	}
	opened, err := e.openAll(ctx, o.addrs, o.open(access))
	if err != nil {
		return err
	}
	defer opened.close()
	u := opened.union()
	var out []jsonPurge
	for _, ns := range o.namespaces {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := o.plan.run(ctx, u, ns, o.confirmed)
		if err != nil {
			return err
		}
		out = append(out, r)
		o.say(e, r, opened.addrs)
	}
	return o.summary(e, out)
}

// say prints the line of the summary about r, what was removed, or would
// be, from the stores at addrs.
func (o *purgeOptions) say(e *env, r jsonPurge, addrs []string) {
	what := fmt.Sprintf("%s and %s", plural(r.Live, "live record"), plural(r.Tombstones, "tombstone"))
	if !o.plan.all {
		what += " older than " + o.plan.before.UTC().Format(time.RFC3339)
	}
	verb := "would remove"
	if o.confirmed {
		verb = "removed"
	}
	e.say(o.asJSON, "%s: %s %s from %s", escape(r.Namespace), verb, what, storeList(addrs))
}

// summary ends what purge prints: the JSON summary of every namespace
// with --json, or a reminder that nothing changed without --yes.
func (o *purgeOptions) summary(e *env, out []jsonPurge) error {
	if o.asJSON {
		summary := map[string]any{"command": "purge", "confirmed": o.confirmed, "all": o.plan.all, "tombstones_only": !o.plan.all, "namespaces": out}
		if !o.plan.all {
			summary["tombstones_before"] = formatTime(o.plan.before)
		}
		return e.printJSON(summary)
	}
	if !o.confirmed {
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
