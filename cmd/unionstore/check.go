package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/unionstore/unionstore"
)

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "--store ADDR --store ADDR [--store ADDR...] [--one-way] [--json] [--limit N] [NAMESPACE...]", `
Check compares the stores, in NAMESPACE or in every namespace any of them
holds, and lists each record that some store lacks or holds in an older
version than another store. It only reads. With --json, each difference is
a JSON line, and each namespace ends with a summary line
{"namespace", "equal", "differences", "stores"}. The exit status is 0 when the
stores hold the same latest changes, 1 when they differ, 2 on error.
With --one-way, only the last store is checked: the old store of a finished
migration may lack what was written since, but the new one must lack
nothing. A store that does not exist yet (a new file, directory, table,
stream or topic) reads as empty and is not created: it lacks everything
the others hold. At least one of the stores must exist.`, `  unionstore check --store old.db --store new.db
  unionstore check --store old.db --store new.db --one-way
  unionstore check --store old.db --store new.db --limit 0 shop
  unionstore check --store a.db --store b.db --json shop | jq .id`)
	var c common
	c.register(fs, "print each difference as a JSON line, then a JSON summary line per namespace")
	var addrs addrList
	fs.Var(&addrs, "store", "store `address` to compare (at least two)")
	oneWay := fs.Bool("one-way", false, "only check that the last store lacks nothing the others hold (after a sync)")
	limit := fs.Int("limit", 10, "list at most `N` differing records per namespace (the counts cover all)")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	asJSON := &c.asJSON
	if *limit < 0 {
		return usageErrorf("--limit %d: want 0 or more", *limit)
	}
	opened, namespaces, err := e.openEach(ctx, addrs, "compare", c.open(readOrEmpty), namespaces)
	if err != nil {
		return err
	}
	defer opened.close()
	opened.sayAbsent(e, *asJSON)
	differ := false
	for _, ns := range namespaces {
		d, err := checkNamespace(ctx, e, opened, ns, *asJSON, *oneWay, *limit)
		if err != nil {
			return err
		}
		differ = differ || d
	}
	if differ {
		return errDiffer
	}
	return nil
}

// jsonDifference is a difference as check --json prints it.
type jsonDifference struct {
	Namespace string        `json:"namespace"`
	Kind      string        `json:"kind"`
	ID        string        `json:"id"`
	Latest    jsonVersion   `json:"latest"`
	Stale     []jsonVersion `json:"stale"`
}

type jsonVersion struct {
	Store     string `json:"store"`
	Present   bool   `json:"present"`
	Change    string `json:"change,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
}

func checkNamespace(ctx context.Context, e *env, opened *stores, ns string, asJSON, oneWay bool, limit int) (bool, error) {
	p := startProgress(e, "check "+escape(ns), func() int64 { return opened.recordCount(ctx, ns) })
	defer p.finish()
	u := unionstore.New(opened.members(p, nil)...).With(opened.unionOpts...)
	missing := make([]int, len(opened.list))
	older := make([]int, len(opened.list))
	n := 0
	var tw *table
	enc := json.NewEncoder(e.stdout)
	header := func() {
		if tw == nil && !e.quiet {
			p.finish()
			fmt.Fprintf(e.stdout, "%s:\n", escape(ns))
			tw = newTable(e.stdout)
		}
	}
	for d, err := range u.Diff(ctx, ns) {
		if err != nil {
			if tw != nil {
				tw.flush()
			}
			return false, at("namespace "+quote(ns), err)
		}
		last := len(d.Versions) - 1
		if oneWay && !d.Stale(last) {
			continue
		}
		n++
		jd := jsonDifference{Namespace: ns, Kind: d.Latest.Entity.Kind, ID: d.Latest.Entity.ID,
			Latest: version(opened.addrs[d.Source], d.Versions[d.Source])}
		for i, v := range d.Versions {
			if !d.Stale(i) || (oneWay && i != last) {
				continue
			}
			if v.Present {
				older[i]++
			} else {
				missing[i]++
			}
			jd.Stale = append(jd.Stale, version(opened.addrs[i], v))
		}
		switch {
		case asJSON:
			if err := enc.Encode(jd); err != nil {
				return false, err
			}
		case n <= limit:
			header()
			if tw == nil {
				continue
			}
			for _, s := range jd.Stale {
				what := "missing in " + s.Store
				if s.Present {
					what = fmt.Sprintf("older in %s (%s < %s)", s.Store, s.Timestamp, jd.Latest.Timestamp)
				}
				tw.row("", escape(jd.Kind), escape(jd.ID), what)
			}
		}
	}
	p.finish()
	if asJSON {
		return n > 0, checkSummary(e, opened, ns, n, missing, older)
	}
	if n > limit {
		header()
	}
	if tw != nil {
		if err := tw.flush(); err != nil {
			return false, err
		}
		if n > limit {
			fmt.Fprintf(e.stdout, "  … and %d more\n", n-limit)
		}
	}
	if e.quiet {
		return n > 0, nil
	}
	if n == 0 {
		fmt.Fprintf(e.stdout, "%s: equal\n", escape(ns))
		return false, nil
	}
	verb := "differ"
	if n == 1 {
		verb = "differs"
	}
	fmt.Fprintf(e.stdout, "%s: %s %s\n", escape(ns), plural(n, "record"), verb)
	for i, addr := range opened.addrs {
		if missing[i]+older[i] > 0 {
			fmt.Fprintf(e.stdout, "  %s lacks %d, holds %d older\n", addr, missing[i], older[i])
		}
	}
	return true, nil
}

// checkSummary prints the JSON summary line of a namespace.
func checkSummary(e *env, opened *stores, ns string, n int, missing, older []int) error {
	type storeCounts struct {
		Store   string `json:"store"`
		Missing int    `json:"missing"`
		Older   int    `json:"older"`
	}
	out := struct {
		Namespace   string        `json:"namespace"`
		Equal       bool          `json:"equal"`
		Differences int           `json:"differences"`
		Stores      []storeCounts `json:"stores"`
	}{Namespace: ns, Equal: n == 0, Differences: n}
	for i, addr := range opened.addrs {
		out.Stores = append(out.Stores, storeCounts{addr, missing[i], older[i]})
	}
	return e.printJSON(out)
}

func version(addr string, v unionstore.Version) jsonVersion {
	jv := jsonVersion{Store: addr, Present: v.Present}
	if v.Present {
		jv.Change, jv.Timestamp = string(v.ChangeType), formatTime(v.Timestamp)
	}
	return jv
}
