package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/unionstore/unionstore"
)

func runRebalance(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rebalance", "--from-shard NAME=ADDR... --to-shard NAME=ADDR... [--dry-run] [--json]", `
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
summary line.`, `  unionstore rebalance --from-shard a=a.db --from-shard b=b.db \
      --to-shard a=a.db --to-shard b=b.db --to-shard c=c.db
  unionstore rebalance --dry-run --from-shard a=a.db --to-shard a=a.db --to-shard b=b.db`)
	var c common
	c.register(fs, "print a JSON line per namespace moved, then a JSON summary line")
	var from, to shardList
	from.register(fs, "from-", "old")
	to.register(fs, "to-", "new")
	var dry switchFlag
	fs.Var(&dry, "dry-run", "list what would move, and change nothing")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErrorf("rebalance moves every namespace that needs it and takes no argument, got %q", rest)
	}
	e = c.apply(e)
	prev, err := from.parse("from-shard")
	if err != nil {
		return err
	}
	next, err := to.parse("to-shard")
	if err != nil {
		return err
	}
	if dry.on {
		return rebalancePlan(ctx, e, c, prev, next)
	}
	index, opened, err := e.openShards(ctx, c.open(readWrite), prev, next)
	if err != nil {
		return err
	}
	defer opened.close()
	stores := make(map[string]unionstore.Store[Record], len(index))
	for name, i := range index {
		stores[name] = opened.list[i]
	}
	shards, err := unionstore.NewShards(next.placement, stores, unionstore.Previous(prev.placement))
	if err != nil {
		return err
	}
	type jsonMove struct {
		Namespace string `json:"namespace"`
		From      string `json:"from"`
		To        string `json:"to"`
		Copied    int    `json:"copied"`
		Done      int    `json:"done"`
		Total     int    `json:"total"`
		Error     string `json:"error,omitempty"`
	}
	enc := json.NewEncoder(e.stdout)
	var writeErr error
	report, err := shards.Rebalance(ctx, func(m unionstore.Move) {
		switch {
		case c.asJSON && !e.quiet:
			jm := jsonMove{Namespace: m.Namespace, From: m.From, To: m.To, Copied: m.Copied, Done: m.Done, Total: m.Total}
			if m.Err != nil {
				jm.Error = describe(m.Err)
			}
			if err := enc.Encode(jm); err != nil && writeErr == nil {
				writeErr = fmt.Errorf("writing JSON: %w", err)
			}
		case m.Err != nil:
			fmt.Fprintf(e.stderr, "unionstore rebalance: %s: not moved: %s\n", escape(m.Namespace), describe(m.Err))
		default:
			e.say(false, "[%d/%d] %s: moved from %s to %s, %s copied", m.Done, m.Total, escape(m.Namespace), escape(m.From), escape(m.To), plural(m.Copied, "change"))
		}
	})
	for _, s := range report.Strays {
		fmt.Fprintf(e.stderr, "unionstore rebalance: %s on shard %s is owned by %s in both lists: left alone\n", escape(s.Namespace), escape(s.Shard), escape(s.Owner))
	}
	if c.asJSON {
		if err := e.printJSON(map[string]any{"moved": report.Moved(), "total": len(report.Moves), "strays": len(report.Strays)}); err != nil && writeErr == nil {
			writeErr = err
		}
	} else {
		e.say(false, "%s moved of %d to move, %s left alone", plural(report.Moved(), "namespace"), len(report.Moves), plural(len(report.Strays), "stray namespace"))
	}
	if err != nil {
		return err
	}
	return writeErr
}

// rebalancePlan lists what rebalance would move, reading the old shards
// alone.
func rebalancePlan(ctx context.Context, e *env, c common, prev, next shardSpec) error {
	index, opened, err := e.openShards(ctx, c.open(readOnly), prev)
	if err != nil {
		return err
	}
	defer opened.close()
	type jsonMove struct {
		Namespace  string `json:"namespace"`
		From       string `json:"from"`
		To         string `json:"to"`
		Live       int    `json:"live"`
		Tombstones int    `json:"tombstones"`
	}
	enc := json.NewEncoder(e.stdout)
	var tw *table
	if !c.asJSON {
		tw = newTable(e.stdout, "NAMESPACE", "FROM", "TO", "LIVE", "TOMBSTONES")
	}
	moves, live, tombstones := 0, 0, 0
	for _, name := range prev.placement.Shards() {
		stats, err := opened.namespaceStats(ctx, index[name])
		if err != nil {
			return fmt.Errorf("shard %q: %w", name, err)
		}
		for _, st := range stats {
			ns := st.Namespace
			owner := next.placement.Owner(ns)
			if owner == name || prev.placement.Owner(ns) != name {
				continue
			}
			moves++
			live += st.Entities
			tombstones += st.Tombstones
			if c.asJSON {
				if err := enc.Encode(jsonMove{ns, name, owner, st.Entities, st.Tombstones}); err != nil {
					return fmt.Errorf("writing JSON: %w", err)
				}
				continue
			}
			tw.row(escape(ns), escape(name), escape(owner), strconv.Itoa(st.Entities), strconv.Itoa(st.Tombstones))
		}
	}
	if c.asJSON {
		return e.printJSON(map[string]any{"dry_run": true, "to_move": moves, "live": live, "tombstones": tombstones})
	}
	if err := tw.flush(); err != nil {
		return err
	}
	added := slices.DeleteFunc(next.placement.Shards(), prev.placement.Has)
	e.say(false, "dry run: %s would move, with %s and %s (new shards: %d); nothing was changed",
		plural(moves, "namespace"), plural(live, "live record"), plural(tombstones, "tombstone"), len(added))
	return nil
}
