package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
)

const syncExamples = `  unionstore sync old.db new.db
  unionstore sync old.db postgres://app@db/shop shop audit
  unionstore sync --dry-run old.db new.db
  unionstore sync --from old.db --to new.db --json`

func runSync(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sync", "[--dry-run] SOURCE DESTINATION [NAMESPACE...]\n       unionstore sync [--dry-run] --from SOURCE --to DESTINATION [NAMESPACE...]", `
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
table, stream or topic) reads as empty and is not created.`, syncExamples)
	var c common
	c.register(fs, "print the summary as one JSON object")
	var fromFlag, toFlag addrFlag
	fs.Var(&fromFlag, "from", "source store `address`, only read (or give it as the first argument)")
	fs.Var(&toFlag, "to", "destination store `address`, created if missing (or the second argument)")
	var dry switchFlag
	fs.Var(&dry, "dry-run", "say what would be copied, write nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	from, to, dryRun := &fromFlag.addr, &toFlag.addr, &dry.on
	switch {
	case *from == "" && *to == "":
		if len(pos) < 2 {
			return usageErrorf("give SOURCE and DESTINATION, or --from and --to")
		}
		*from, *to, pos = pos[0], pos[1], pos[2:]
		for _, addr := range []string{*from, *to} {
			if err := checkAddr(addr); err != nil {
				return &usageError{err}
			}
		}
	case *from == "" || *to == "":
		return usageErrorf("give both --from and --to, or SOURCE and DESTINATION as arguments")
	}
	if e.sameStore(*from, *to) {
		return usageErrorf("source %q and destination %q are the same store", redactAddr(*from), redactAddr(*to))
	}
	src, err := e.openAll(ctx, []string{*from}, c.open(readOnly))
	if err != nil {
		return err
	}
	defer src.close()
	dstAccess := readWrite
	if *dryRun {
		// A dry run creates nothing: a destination that sync would
		// create reads as empty.
		dstAccess = readOrEmpty
	}
	dst, err := e.openAll(ctx, []string{*to}, c.open(dstAccess))
	if err != nil {
		return err
	}
	defer dst.close()
	dst.sayAbsent(e, c.asJSON)
	isSource := func(i int) bool { return i == 0 }
	both := &stores{list: slices.Concat(src.list, dst.list), addrs: slices.Concat(src.addrs, dst.addrs), unionOpts: src.unionOpts}
	namespaces := pos
	if len(namespaces) == 0 {
		if namespaces, err = both.namespaces(ctx, isSource); err != nil {
			return err
		}
	}
	rep := &copyReport{Command: "sync", DryRun: *dryRun, From: src.addrs[0], To: dst.addrs[0]}
	for _, ns := range namespaces {
		r, kinds, err := copyNamespace(ctx, e, "sync", both, ns, isSource, *dryRun)
		rep.add(r, kinds, 1)
		if err != nil {
			return rep.stopped(err)
		}
		st := r.Stores[1]
		switch {
		case *dryRun && st.Missing+st.Outdated == 0:
			e.say(c.asJSON, "%s: %s is up to date; nothing would be copied", escape(ns), dst.addrs[0])
		case *dryRun:
			e.say(c.asJSON, "%s: would copy %s to %s (%d missing, %d older): %s", escape(ns), plural(st.Missing+st.Outdated, "change"), dst.addrs[0], st.Missing, st.Outdated, kinds[1].words())
		case st.Written == 0 && len(st.Skipped) == 0:
			e.say(c.asJSON, "%s: %s is up to date", escape(ns), dst.addrs[0])
		default:
			e.say(c.asJSON, "%s: copied %s to %s (%d missing, %d older)", escape(ns), plural(st.Written, "change"), dst.addrs[0], st.Missing, st.Outdated)
		}
		sayskipped(e, c.asJSON, ns, st)
	}
	if !*dryRun {
		if err := dst.close(); err != nil {
			return err
		}
	}
	return rep.finish(e, c.asJSON)
}

func runRepair(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "repair", "[--dry-run] --store ADDR --store ADDR [--store ADDR...] [NAMESPACE...]", `
Repair brings every store given to the merged state, in NAMESPACE or in
every namespace any of them holds: each store gets the latest changes it
lacks or holds in an older version. It is sync in every direction.

A record that a store refuses to hold is listed, with why, and the rest is
still written; repair then exits with status 2. With --dry-run, repair says
what it would write to each store, writing nothing: how many live records
and how many tombstones, and how many records held live there those
tombstones would delete; a store that does not exist yet reads as empty
and is not created, as long as one of the stores exists.`, `  unionstore repair --store a.db --store b.db
  unionstore repair --dry-run --store a.db --store b.db
  unionstore repair --store a.db --store b.db --store c.db shop`)
	var c common
	c.register(fs, "print the summary as one JSON object")
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to repair (at least two)")
	var dry switchFlag
	fs.Var(&dry, "dry-run", "say what would be written, write nothing")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	dryRun := &dry.on
	a := readWrite
	if *dryRun {
		a = readOrEmpty
	}
	opened, namespaces, err := e.openEach(ctx, addrs, "repair", c.open(a), namespaces)
	if err != nil {
		return err
	}
	defer opened.close()
	opened.sayAbsent(e, c.asJSON)
	rep := &copyReport{Command: "repair", DryRun: *dryRun}
	for _, ns := range namespaces {
		r, kinds, err := copyNamespace(ctx, e, "repair", opened, ns, nil, *dryRun)
		rep.add(r, kinds, -1)
		if err != nil {
			return rep.stopped(err)
		}
		stale := 0
		for _, st := range r.Stores {
			stale += st.Missing + st.Outdated
		}
		if stale == 0 {
			e.say(c.asJSON, "%s: all %d stores are up to date", escape(ns), len(addrs))
			continue
		}
		for i, st := range r.Stores {
			switch {
			case st.Missing+st.Outdated == 0:
			case *dryRun:
				e.say(c.asJSON, "%s: would write %s to %s (%d missing, %d older): %s", escape(ns), plural(st.Missing+st.Outdated, "change"), opened.addrs[i], st.Missing, st.Outdated, kinds[i].words())
			default:
				e.say(c.asJSON, "%s: wrote %s to %s (%d missing, %d older)", escape(ns), plural(st.Written, "change"), opened.addrs[i], st.Missing, st.Outdated)
			}
			sayskipped(e, c.asJSON, ns, st)
		}
	}
	if !*dryRun {
		if err := opened.close(); err != nil {
			return err
		}
	}
	return rep.finish(e, c.asJSON)
}

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
