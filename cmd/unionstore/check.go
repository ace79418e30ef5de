package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/unionstore/unionstore"
)

const checkSynopsis = "--store ADDR --store ADDR [--store ADDR...] [--one-way] [--json] [--limit N] [NAMESPACE...]"

const checkHelp = `
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
the others hold. At least one of the stores must exist.`

const checkExamples = `  unionstore check --store old.db --store new.db
  unionstore check --store old.db --store new.db --one-way
  unionstore check --store old.db --store new.db --limit 0 shop
  unionstore check --store a.db --store b.db --json shop | jq .id`

// checkOptions are the flags and arguments of check.
type checkOptions struct {
	common
	addrs  addrList
	oneWay bool
	// limit is how many differing records to list per namespace.
	limit int
	// namespaces are those to compare; none means every namespace a
	// store holds.
	namespaces []string
}

// parseCheck returns the options that args give check. Its errors are
// usage errors, or flag.ErrHelp once --help has printed the usage; that
// fewer than two stores are given is found as they are opened.
func parseCheck(e *env, args []string) (checkOptions, error) {
	var o checkOptions
	fs := newFlags(e, "check", checkSynopsis, checkHelp, checkExamples)
	o.register(fs, "print each difference as a JSON line, then a JSON summary line per namespace")
	fs.Var(&o.addrs, "store", "store `address` to compare (at least two)")
	fs.BoolVar(&o.oneWay, "one-way", false, "only check that the last store lacks nothing the others hold (after a sync)")
	fs.IntVar(&o.limit, "limit", 10, "list at most `N` differing records per namespace (the counts cover all)")
	var err error
	if o.namespaces, err = parse(fs, args); err != nil {
		return o, err
	}
	if o.limit < 0 {
		return o, usageErrorf("--limit %d: want 0 or more", o.limit)
	}
	return o, nil
}

// run compares each namespace in turn, and returns errDiffer when the
// stores differ in any.
func (o *checkOptions) run(ctx context.Context, e *env) error {
	opened, namespaces, err := e.openEach(ctx, o.addrs, "compare", o.open(readOrEmpty), o.namespaces)
	if err != nil {
		return err
	}
	defer opened.close()
	opened.sayAbsent(e, o.asJSON)
	differ := false
	for _, ns := range namespaces {
		d, err := checkNamespace(ctx, e, opened, ns, o.asJSON, o.oneWay, o.limit)
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

// checkNamespace compares namespace ns of the stores, prints the
// differences as it finds them (as JSON lines when asJSON, of the last
// store only when oneWay, listing at most limit records otherwise), then
// the namespace's summary, and reports whether the stores differ.
func checkNamespace(ctx context.Context, e *env, opened *stores, ns string, asJSON, oneWay bool, limit int) (bool, error) {
	p := startProgress(e, "check "+escape(ns), func() int64 { return opened.recordCount(ctx, ns) })
	defer p.finish()
	c := &namespaceCheck{
		asJSON: asJSON, oneWay: oneWay, limit: limit,
		e: e, opened: opened, ns: ns, p: p, enc: json.NewEncoder(e.stdout),
		missing: make([]int, len(opened.list)), older: make([]int, len(opened.list)),
	}
	u := unionstore.New(opened.members(p, nil)...).With(opened.unionOpts...)
	for d, err := range u.Diff(ctx, ns) {
		if err != nil {
			if c.tw != nil {
				c.tw.flush()
			}
			return false, at("namespace "+quote(ns), err)
		}
		if jd, ok := c.count(d); ok {
			if err := c.print(jd); err != nil {
				return false, err
			}
		}
	}
	p.finish()
	if asJSON {
		return c.n > 0, c.summary()
	}
	return c.n > 0, c.finish()
}

// namespaceCheck is the comparison of one namespace of the stores: what
// it counted so far, and where it prints.
type namespaceCheck struct {
	asJSON, oneWay bool
	limit          int
	e              *env
	opened         *stores
	ns             string
	p              *progress
	enc            *json.Encoder
	// tw is the table of differing records, made once the namespace's
	// header is printed.
	tw *table
	// n counts the differences; missing and older, per store, the records
	// it lacks and those it holds older.
	n              int
	missing, older []int
}

// count counts difference d, unless --one-way leaves it out, and returns
// it as --json prints it.
func (c *namespaceCheck) count(d unionstore.Difference[Record]) (jsonDifference, bool) {
	last := len(d.Versions) - 1
	if c.oneWay && !d.Stale(last) {
		return jsonDifference{}, false
	}
	c.n++
	jd := jsonDifference{Namespace: c.ns, Kind: d.Latest.Entity.Kind, ID: d.Latest.Entity.ID,
		Latest: version(c.opened.addrs[d.Source], d.Versions[d.Source])}
	for i, v := range d.Versions {
		if !d.Stale(i) || (c.oneWay && i != last) {
			continue
		}
		if v.Present {
			c.older[i]++
		} else {
			c.missing[i]++
		}
		jd.Stale = append(jd.Stale, version(c.opened.addrs[i], v))
	}
	return jd, true
}

// print prints jd: a JSON line with --json; otherwise a row per stale
// store, while no more than --limit records are listed.
func (c *namespaceCheck) print(jd jsonDifference) error {
	if c.asJSON {
		return c.enc.Encode(jd)
	}
	if c.n > c.limit {
		return nil
	}
	c.header()
	if c.tw == nil {
		return nil
	}
	for _, s := range jd.Stale {
		what := "missing in " + s.Store
		if s.Present {
			what = fmt.Sprintf("older in %s (%s < %s)", s.Store, s.Timestamp, jd.Latest.Timestamp)
		}
		c.tw.row("", escape(jd.Kind), escape(jd.ID), what)
	}
	return nil
}

// header prints the namespace's name above its table of differences, once,
// having cleared the progress bar; it prints nothing when quiet.
func (c *namespaceCheck) header() {
	if c.tw == nil && !c.e.quiet {
		c.p.finish()
		fmt.Fprintf(c.e.stdout, "%s:\n", escape(c.ns))
		c.tw = newTable(c.e.stdout)
	}
}

// finish ends the table of differences, saying how many were not listed,
// then prints the namespace's summary, unless quiet.
func (c *namespaceCheck) finish() error {
	if c.n > c.limit {
		c.header()
	}
	if c.tw != nil {
		if err := c.tw.flush(); err != nil {
			return err
		}
		if c.n > c.limit {
			fmt.Fprintf(c.e.stdout, "  … and %d more\n", c.n-c.limit)
		}
	}
	if c.e.quiet {
		return nil
	}
	if c.n == 0 {
		fmt.Fprintf(c.e.stdout, "%s: equal\n", escape(c.ns))
		return nil
	}
	verb := "differ"
	if c.n == 1 {
		verb = "differs"
	}
	fmt.Fprintf(c.e.stdout, "%s: %s %s\n", escape(c.ns), plural(c.n, "record"), verb)
	for i, addr := range c.opened.addrs {
		if c.missing[i]+c.older[i] > 0 {
			fmt.Fprintf(c.e.stdout, "  %s lacks %d, holds %d older\n", addr, c.missing[i], c.older[i])
		}
	}
	return nil
}

// summary prints the JSON summary line of the namespace.
func (c *namespaceCheck) summary() error {
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
	}{Namespace: c.ns, Equal: c.n == 0, Differences: c.n}
	for i, addr := range c.opened.addrs {
		out.Stores = append(out.Stores, storeCounts{addr, c.missing[i], c.older[i]})
	}
	return c.e.printJSON(out)
}

// jsonDifference is a difference as check --json prints it.
type jsonDifference struct {
	Namespace string        `json:"namespace"`
	Kind      string        `json:"kind"`
	ID        string        `json:"id"`
	Latest    jsonVersion   `json:"latest"`
	Stale     []jsonVersion `json:"stale"`
}

// jsonVersion is what one store holds of a differing record, as check
// --json prints it.
type jsonVersion struct {
	Store     string `json:"store"`
	Present   bool   `json:"present"`
	Change    string `json:"change,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
}

// version returns v, held by the store at addr, as check --json prints it.
func version(addr string, v unionstore.Version) jsonVersion {
	jv := jsonVersion{Store: addr, Present: v.Present}
	if v.Present {
		jv.Change, jv.Timestamp = string(v.ChangeType), formatTime(v.Timestamp)
	}
	return jv
}
