package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
)

const syncSynopsis = "[--dry-run] SOURCE DESTINATION [NAMESPACE...]\n       unionstore sync [--dry-run] --from SOURCE --to DESTINATION [NAMESPACE...]"

const syncHelp = `
Sync copies from one store to another every latest change that the
destination lacks or holds in an older version, in NAMESPACE or in every
namespace of the source: the backfill of a migration. As with rclone sync,
the source comes first and is only read. Changes the destination holds in a
newer version are left alone, so running sync again copies nothing.

A record the destination refuses to hold (a key too long for its index,
say) is listed, with why, and the rest is still copied; sync then exits with
status 2. With --dry-run, sync reads both stores and says what it would
copy, writing nothing: how many live records and how many tombstones, and
how many records the destination holds live those tombstones would
delete. A destination that does not exist yet (a new file, directory,
table, stream or topic) reads as empty and is not created.`

const syncExamples = `  unionstore sync old.db new.db
  unionstore sync old.db postgres://app@db/shop shop audit
  unionstore sync --dry-run old.db new.db
  unionstore sync --from old.db --to new.db --json`

// syncOptions are the flags and arguments of sync.
type syncOptions struct {
	common
	from, to string // the source and destination addresses
	dryRun   bool
	// namespaces are those to copy; none means every namespace of the
	// source.
	namespaces []string
}

// parseSync returns the options that args give sync: the source and
// destination as flags or as the first two arguments, never the same
// store. Its errors are usage errors, or flag.ErrHelp once --help has
// printed the usage.
func parseSync(e *env, args []string) (syncOptions, error) {
	var o syncOptions
	fs := newFlags(e, "sync", syncSynopsis, syncHelp, syncExamples)
	o.register(fs, "print the summary as one JSON object")
	var from, to addrFlag
	fs.Var(&from, "from", "source store `address`, only read (or give it as the first argument)")
	fs.Var(&to, "to", "destination store `address`, created if missing (or the second argument)")
	var dry switchFlag
	fs.Var(&dry, "dry-run", "say what would be copied, write nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return o, err
	}
	o.from, o.to, o.dryRun = from.addr, to.addr, dry.on
	if o.namespaces, err = o.takeAddrs(pos); err != nil {
		return o, err
	}
	if e.sameStore(o.from, o.to) {
		return o, usageErrorf("source %q and destination %q are the same store", redactAddr(o.from), redactAddr(o.to))
	}
	return o, nil
}

// takeAddrs takes the source and destination from the first two of the
// arguments pos when neither --from nor --to is given, and returns the
// rest: the namespaces.
func (o *syncOptions) takeAddrs(pos []string) ([]string, error) {
	switch {
	case o.from != "" && o.to != "":
		return pos, nil
	case o.from != "" || o.to != "":
		return nil, usageErrorf("give both --from and --to, or SOURCE and DESTINATION as arguments")
	case len(pos) < 2:
		return nil, usageErrorf("give SOURCE and DESTINATION, or --from and --to")
	}
	for _, addr := range pos[:2] {
		if err := checkAddr(addr); err != nil {
			return nil, &usageError{err}
		}
	}
	o.from, o.to = pos[0], pos[1]
	return pos[2:], nil
}

// run copies, or on a dry run counts, each namespace in turn, and prints
// what it did.
func (o *syncOptions) run(ctx context.Context, e *env) error {
	src, err := e.openAll(ctx, []string{o.from}, o.open(readOnly))
	if err != nil {
		return err
	}
	defer src.close()
	dstAccess := readWrite
	if o.dryRun {
		// A dry run creates nothing: a destination that sync would
		// create reads as empty.
		dstAccess = readOrEmpty
	}
	dst, err := e.openAll(ctx, []string{o.to}, o.open(dstAccess))
	if err != nil {
		return err
	}
	defer dst.close()
	dst.sayAbsent(e, o.asJSON)
	isSource := func(i int) bool { return i == 0 }
	both := &stores{list: slices.Concat(src.list, dst.list), addrs: slices.Concat(src.addrs, dst.addrs), unionOpts: src.unionOpts}
	namespaces := o.namespaces
	if len(namespaces) == 0 {
		if namespaces, err = both.namespaces(ctx, isSource); err != nil {
			return err
		}
	}
	rep := &copyReport{Command: "sync", DryRun: o.dryRun, From: src.addrs[0], To: dst.addrs[0]}
	for _, ns := range namespaces {
		r, kinds, err := copyNamespace(ctx, e, "sync", both, ns, isSource, o.dryRun)
		rep.add(r, kinds, 1)
		if err != nil {
			return rep.stopped(err)
		}
		o.say(e, ns, r.Stores[1], kinds, dst.addrs[0])
	}
	if !o.dryRun {
		if err := dst.close(); err != nil {
			return err
		}
	}
	return rep.finish(e, o.asJSON)
}

// say prints the summary of namespace ns: what sync copied to the
// destination at addr, whose report is st, or on a dry run what it would
// copy, of the kinds counted in kinds[1]; then the records it could not
// copy.
func (o *syncOptions) say(e *env, ns string, st unionstore.StoreRepair, kinds []writeKinds, addr string) {
	switch {
	case o.dryRun && st.Missing+st.Outdated == 0:
		e.say(o.asJSON, "%s: %s is up to date; nothing would be copied", escape(ns), addr)
	case o.dryRun:
		e.say(o.asJSON, "%s: would copy %s to %s (%d missing, %d older): %s", escape(ns), plural(st.Missing+st.Outdated, "change"), addr, st.Missing, st.Outdated, kinds[1].words())
	case st.Written == 0 && len(st.Skipped) == 0:
		e.say(o.asJSON, "%s: %s is up to date", escape(ns), addr)
	default:
		e.say(o.asJSON, "%s: copied %s to %s (%d missing, %d older)", escape(ns), plural(st.Written, "change"), addr, st.Missing, st.Outdated)
	}
	sayskipped(e, o.asJSON, ns, st)
}

// sayskipped lists on standard error the records of namespace ns that st
// says a store refused, unless the summary is JSON, which holds them.
func sayskipped(e *env, asJSON bool, ns string, st unionstore.StoreRepair) {
	if len(st.Skipped) == 0 {
		return
	}
	if asJSON {
		return // they are in the JSON summary
	}
	// Listed even with --quiet: they were not copied.
	fmt.Fprintf(e.stderr, "%s: %s could not be copied to %s:\n", escape(ns), plural(len(st.Skipped), "record"), st.Name)
	for _, s := range st.Skipped {
		fmt.Fprintf(e.stderr, "  %s %s: %s\n", escape(ns), keyWords(s.Kind, s.ID), validateWords(s.Err))
	}
}

// copyNamespace repairs namespace ns of the stores, leaving alone those for
// which readOnly returns true, or, on a dry run, counts what it would
// write, and of what kinds, per store. label names the command on the progress bar. Records that a store
// refuses are in the report's Skipped, not an error: everything else was
// written.
func copyNamespace(ctx context.Context, e *env, label string, s *stores, ns string, readOnly func(int) bool, dryRun bool) (unionstore.RepairReport, []writeKinds, error) {
	p := startProgress(e, label+" "+escape(ns), func() int64 { return s.recordCount(ctx, ns) })
	defer p.finish()
	u := unionstore.New(s.members(p, readOnly)...).With(s.unionOpts...)
	if dryRun {
		r, kinds, err := dryRepair(ctx, u, ns, s.addrs)
		return r, kinds, at("namespace "+quote(ns), err)
	}
	r, err := u.Repair(ctx, ns)
	if err != nil && onlySkipped(r, err) {
		err = nil
	}
	return r, nil, at("namespace "+quote(ns), err)
}

// onlySkipped reports whether err says no more than that some records were
// set aside: no store failed otherwise.
func onlySkipped(r unionstore.RepairReport, err error) bool {
	if r.Skipped() == 0 || !errors.Is(err, unionstore.ErrInvalidChange) {
		return false
	}
	for _, st := range r.Stores {
		if st.Err != nil {
			return false
		}
	}
	return true
}
