package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/unionstore/unionstore"
)

const rebalanceSynopsis = "--from-shard NAME=ADDR... --to-shard NAME=ADDR... [--dry-run] [--json]"

const rebalanceHelp = `
Rebalance moves every namespace whose owner differs between the old list
of shards (--from-shard, with --from-weight and --from-pin) and the new one
(--to-shard, with --to-weight and --to-pin): for each, it copies to the new
owner what it lacks, checks that the copy lacks nothing, and only then
removes the namespace from the old owner. A shard in both lists must have
the same address in both. Applications must already run with the new list
and the old one as previous, so that they write to the new owners while
rebalance runs.

It can be interrupted (Ctrl-C, a failing store) and run again at any point:
nothing is removed before its copy is verified, so nothing is lost. A
namespace held by a shard that owns it in neither list is reported and left
alone. --dry-run only lists what would move, with how many live records and
tombstones each namespace holds, reading the old shards alone.
With --json, each namespace moved is a JSON line
{"namespace", "from", "to", "copied", "done", "total", "error"}, then a
summary line.`

const rebalanceExamples = `  unionstore rebalance --from-shard a=a.db --from-shard b=b.db \
      --to-shard a=a.db --to-shard b=b.db --to-shard c=c.db
  unionstore rebalance --dry-run --from-shard a=a.db --to-shard a=a.db --to-shard b=b.db`

// rebalanceOptions are the flags of rebalance.
type rebalanceOptions struct {
	common
	prev, next shardSpec // --from-shard and --to-shard, with their weights and pins
	dryRun     bool
}

func runRebalance(ctx context.Context, e *env, args []string) error {
	o, err := parseRebalance(e, args)
	if err != nil {
		return err
	}
	if o.dryRun {
		return o.plan(ctx, o.apply(e))
	}
	return o.run(ctx, o.apply(e))
}

// parseRebalance returns the options that args give rebalance. Its errors
// are usage errors, or flag.ErrHelp once --help has printed the usage.
func parseRebalance(e *env, args []string) (rebalanceOptions, error) {
	var o rebalanceOptions
	fs := newFlags(e, "rebalance", rebalanceSynopsis, rebalanceHelp, rebalanceExamples)
	o.register(fs, "print a JSON line per namespace moved, then a JSON summary line")
	var from, to shardList
	from.register(fs, "from-", "old")
	to.register(fs, "to-", "new")
	var dry switchFlag
	fs.Var(&dry, "dry-run", "list what would move, and change nothing")
	if rest, err := parse(fs, args); err != nil {
		return o, err
	} else if len(rest) > 0 {
		return o, usageErrorf("rebalance moves every namespace that needs it and takes no argument, got %q", rest)
	}
	o.dryRun = dry.on
	var err error
	if o.prev, err = from.parse("from-shard"); err != nil {
		return o, err
	}
	o.next, err = to.parse("to-shard")
	return o, err
}

// run moves every namespace whose owner differs between the lists, and
// reports each move as it ends.
func (o *rebalanceOptions) run(ctx context.Context, e *env) error {
	index, opened, err := e.openShards(ctx, o.open(readWrite), o.prev, o.next)
	if err != nil {
		return err
	}
	defer opened.close()
	stores := make(map[string]unionstore.Store[Record], len(index))
	for name, i := range index {
		stores[name] = opened.list[i]
	}
	shards, err := unionstore.NewShards(o.next.placement, stores, unionstore.Previous(o.prev.placement))
	if err != nil {
		return err
	}
	r := &moveReporter{e: e, asJSON: o.asJSON, enc: json.NewEncoder(e.stdout)}
	report, err := shards.Rebalance(ctx, r.move)
	r.finish(report)
	if err != nil {
		return err
	}
	return r.writeErr
}

// jsonMove is a move as rebalance --json prints it.
type jsonMove struct {
	Namespace string `json:"namespace"`
	From      string `json:"from"`
	To        string `json:"to"`
	Copied    int    `json:"copied"`
	Done      int    `json:"done"`
	Total     int    `json:"total"`
	Error     string `json:"error,omitempty"`
}

// moveReporter prints the moves of a rebalance as they end, and keeps the
// first error writing them.
type moveReporter struct {
	e        *env
	asJSON   bool
	enc      *json.Encoder
	writeErr error
}

// move reports m: a JSON line with --json, unless quiet; otherwise a line
// on standard output, or on standard error for a move that failed.
func (r *moveReporter) move(m unionstore.Move) {
	switch {
	case r.asJSON && !r.e.quiet:
		jm := jsonMove{Namespace: m.Namespace, From: m.From, To: m.To, Copied: m.Copied, Done: m.Done, Total: m.Total}
		if m.Err != nil {
			jm.Error = describe(m.Err)
		}
		if err := r.enc.Encode(jm); err != nil && r.writeErr == nil {
			r.writeErr = fmt.Errorf("writing JSON: %w", err)
		}
	case m.Err != nil:
		fmt.Fprintf(r.e.stderr, "unionstore rebalance: %s: not moved: %s\n", escape(m.Namespace), describe(m.Err))
	default:
		r.e.say(false, "[%d/%d] %s: moved from %s to %s, %s copied", m.Done, m.Total, escape(m.Namespace), escape(m.From), escape(m.To), plural(m.Copied, "change"))
	}
}

// finish lists the strays of report on standard error, then prints its
// summary.
func (r *moveReporter) finish(report unionstore.RebalanceReport) {
	e := r.e
	for _, s := range report.Strays {
		fmt.Fprintf(e.stderr, "unionstore rebalance: %s on shard %s is owned by %s in both lists: left alone\n", escape(s.Namespace), escape(s.Shard), escape(s.Owner))
	}
	if !r.asJSON {
		e.say(false, "%s moved of %d to move, %s left alone", plural(report.Moved(), "namespace"), len(report.Moves), plural(len(report.Strays), "stray namespace"))
		return
	}
	if err := e.printJSON(map[string]any{"moved": report.Moved(), "total": len(report.Moves), "strays": len(report.Strays)}); err != nil && r.writeErr == nil {
		r.writeErr = err
	}
}

// jsonPlannedMove is a move as rebalance --dry-run --json prints it.
type jsonPlannedMove struct {
	Namespace  string `json:"namespace"`
	From       string `json:"from"`
	To         string `json:"to"`
	Live       int    `json:"live"`
	Tombstones int    `json:"tombstones"`
}

// plan lists what rebalance would move, reading the old shards alone.
func (o *rebalanceOptions) plan(ctx context.Context, e *env) error {
	index, opened, err := e.openShards(ctx, o.open(readOnly), o.prev)
	if err != nil {
		return err
	}
	defer opened.close()
	enc := json.NewEncoder(e.stdout)
	var tw *table
	if !o.asJSON {
		tw = newTable(e.stdout, "NAMESPACE", "FROM", "TO", "LIVE", "TOMBSTONES")
	}
	moves, live, tombstones := 0, 0, 0
	for _, name := range o.prev.placement.Shards() {
		stats, err := opened.namespaceStats(ctx, index[name])
		if err != nil {
			return fmt.Errorf("shard %q: %w", name, err)
		}
		for _, st := range stats {
			ns := st.Namespace
			owner := o.next.placement.Owner(ns)
			if owner == name || o.prev.placement.Owner(ns) != name {
				continue
			}
			moves++
			live += st.Entities
			tombstones += st.Tombstones
			if o.asJSON {
				if err := enc.Encode(jsonPlannedMove{ns, name, owner, st.Entities, st.Tombstones}); err != nil {
					return fmt.Errorf("writing JSON: %w", err)
				}
				continue
			}
			tw.row(escape(ns), escape(name), escape(owner), strconv.Itoa(st.Entities), strconv.Itoa(st.Tombstones))
		}
	}
	if o.asJSON {
		return e.printJSON(map[string]any{"dry_run": true, "to_move": moves, "live": live, "tombstones": tombstones})
	}
	if err := tw.flush(); err != nil {
		return err
	}
	added := slices.DeleteFunc(o.next.placement.Shards(), o.prev.placement.Has)
	e.say(false, "dry run: %s would move, with %s and %s (new shards: %d); nothing was changed",
		plural(moves, "namespace"), plural(live, "live record"), plural(tombstones, "tombstone"), len(added))
	return nil
}
