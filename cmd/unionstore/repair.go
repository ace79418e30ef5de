package main

import (
	"context"

	"github.com/unionstore/unionstore"
)

const repairSynopsis = "[--dry-run] --store ADDR --store ADDR [--store ADDR...] [NAMESPACE...]"

const repairHelp = `
Repair brings every store given to the merged state, in NAMESPACE or in
every namespace any of them holds: each store gets the latest changes it
lacks or holds in an older version. It is sync in every direction.

A record that a store refuses to hold is listed, with why, and the rest is
still written; repair then exits with status 2. With --dry-run, repair says
what it would write to each store, writing nothing: how many live records
and how many tombstones, and how many records held live there those
tombstones would delete; a store that does not exist yet reads as empty
and is not created, as long as one of the stores exists.`

const repairExamples = `  unionstore repair --store a.db --store b.db
  unionstore repair --dry-run --store a.db --store b.db
  unionstore repair --store a.db --store b.db --store c.db shop`

// repairOptions are the flags and arguments of repair.
type repairOptions struct {
	common
	addrs  addrList
	dryRun bool
	// namespaces are those to repair; none means every namespace a store
	// holds.
	namespaces []string
}

// parseRepair returns the options that args give repair. Its errors are
// usage errors, or flag.ErrHelp once --help has printed the usage; that
// fewer than two stores are given is found as they are opened.
func parseRepair(e *env, args []string) (repairOptions, error) {
	var o repairOptions
	fs := newFlags(e, "repair", repairSynopsis, repairHelp, repairExamples)
	o.register(fs, "print the summary as one JSON object")
	fs.Var(&o.addrs, "store", "store `address` to repair (at least two)")
	var dry switchFlag
	fs.Var(&dry, "dry-run", "say what would be written, write nothing")
	var err error
	if o.namespaces, err = parse(fs, args); err != nil {
		return o, err
	}
	o.dryRun = dry.on
	return o, nil
}

// run repairs, or on a dry run counts, each namespace in turn, and prints
// what it did.
func (o *repairOptions) run(ctx context.Context, e *env) error {
	a := readWrite
	if o.dryRun {
		a = readOrEmpty
	}
	opened, namespaces, err := e.openEach(ctx, o.addrs, "repair", o.open(a), o.namespaces)
	if err != nil {
		return err
	}
	defer opened.close()
	opened.sayAbsent(e, o.asJSON)
	rep := &copyReport{Command: "repair", DryRun: o.dryRun}
	for _, ns := range namespaces {
		r, kinds, err := copyNamespace(ctx, e, "repair", opened, ns, nil, o.dryRun)
		rep.add(r, kinds, -1)
		if err != nil {
			return rep.stopped(err)
		}
		o.say(e, ns, r, kinds, opened.addrs)
	}
	if !o.dryRun {
		if err := opened.close(); err != nil {
			return err
		}
	}
	return rep.finish(e, o.asJSON)
}

// say prints the summary of namespace ns: what repair wrote to each store
// at addrs, as r reports it, or on a dry run what it would write, of the
// kinds counted in kinds; then the records it could not write.
func (o *repairOptions) say(e *env, ns string, r unionstore.RepairReport, kinds []writeKinds, addrs []string) {
	stale := 0
	for _, st := range r.Stores {
		stale += st.Missing + st.Outdated
	}
	if stale == 0 {
		e.say(o.asJSON, "%s: all %d stores are up to date", escape(ns), len(o.addrs))
		return
	}
	for i, st := range r.Stores {
		switch {
		case st.Missing+st.Outdated == 0:
		case o.dryRun:
			e.say(o.asJSON, "%s: would write %s to %s (%d missing, %d older): %s", escape(ns), plural(st.Missing+st.Outdated, "change"), addrs[i], st.Missing, st.Outdated, kinds[i].words())
		default:
			e.say(o.asJSON, "%s: wrote %s to %s (%d missing, %d older)", escape(ns), plural(st.Written, "change"), addrs[i], st.Missing, st.Outdated)
		}
		sayskipped(e, o.asJSON, ns, st)
	}
}
