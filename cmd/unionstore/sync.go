package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/unionstore/unionstore"
)

func runSync(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sync", "--from ADDR --to ADDR [NAMESPACE...]", `
Sync copies from one store to another every latest change that the
destination lacks or holds in an older version, in NAMESPACE or in every
namespace of the source: the backfill of a migration. The source is only
read. Changes the destination holds in a newer version are left alone, so
running sync again copies nothing.`, `  unionstore sync --from old.db --to new.db
  unionstore sync --from old.db --to new.db shop`)
	from := fs.String("from", "", "source store `address`, only read")
	to := fs.String("to", "", "destination store `address`, created if missing")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageErrorf("give both --from and --to")
	}
	if e.sameStore(*from, *to) {
		return usageErrorf("--from %q and --to %q are the same store", redactAddr(*from), redactAddr(*to))
	}
	src, err := e.openAll(ctx, []string{*from}, readOnly)
	if err != nil {
		return err
	}
	defer src.close()
	dst, err := e.openAll(ctx, []string{*to}, readWrite)
	if err != nil {
		return err
	}
	defer dst.close()
	isSource := func(i int) bool { return i == 0 }
	both := &stores{list: slices.Concat(src.list, dst.list), addrs: slices.Concat(src.addrs, dst.addrs)}
	if len(namespaces) == 0 {
		if namespaces, err = both.namespaces(ctx, isSource); err != nil {
			return err
		}
	}
	for _, ns := range namespaces {
		r, err := repair(ctx, e, "sync", both, ns, isSource)
		if err != nil {
			return err
		}
		st := r.Stores[1]
		if st.Written == 0 {
			fmt.Fprintf(e.stdout, "%s: %s is up to date\n", ns, dst.addrs[0])
			continue
		}
		fmt.Fprintf(e.stdout, "%s: copied %d changes to %s (%d missing, %d older)\n", ns, st.Written, dst.addrs[0], st.Missing, st.Outdated)
	}
	if err := dst.close(); err != nil {
		return err
	}
	return nil
}

func runRepair(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "repair", "--store ADDR --store ADDR [--store ADDR...] [NAMESPACE...]", `
Repair brings every store given to the merged state, in NAMESPACE or in
every namespace any of them holds: each store gets the latest changes it
lacks or holds in an older version. It is sync in every direction.`, `  unionstore repair --store a.db --store b.db
  unionstore repair --store a.db --store b.db --store c.db shop`)
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to repair (at least two)")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	opened, namespaces, err := e.openEach(ctx, addrs, "repair", readWrite, namespaces)
	if err != nil {
		return err
	}
	defer opened.close()
	for _, ns := range namespaces {
		r, err := repair(ctx, e, "repair", opened, ns, nil)
		if err != nil {
			return err
		}
		if r.Written() == 0 {
			fmt.Fprintf(e.stdout, "%s: all %d stores are up to date\n", ns, len(addrs))
			continue
		}
		for i, st := range r.Stores {
			if st.Written > 0 {
				fmt.Fprintf(e.stdout, "%s: wrote %d changes to %s (%d missing, %d older)\n", ns, st.Written, opened.addrs[i], st.Missing, st.Outdated)
			}
		}
	}
	return opened.close()
}

// repair repairs namespace ns of the stores, leaving alone those for which
// readOnly returns true; label names the command on the progress bar.
func repair(ctx context.Context, e *env, label string, s *stores, ns string, readOnly func(int) bool) (unionstore.RepairReport, error) {
	p := startProgress(e, label+" "+ns, func() int64 { return s.recordCount(ctx, ns) })
	defer p.finish()
	u := unionstore.New(s.members(p, readOnly)...)
	r, err := u.Repair(ctx, ns)
	if err != nil {
		return r, fmt.Errorf("namespace %q: %w", ns, err)
	}
	return r, nil
}
