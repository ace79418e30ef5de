package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

func runShards(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "shards", "--shard NAME=ADDR [--shard NAME=ADDR...] [--weight NAME=W...] [--pin NAMESPACE=NAME...] [--json] [NAMESPACE...]", `
Shards shows where each NAMESPACE (or every namespace any shard holds)
lives for the list of shards given: the shard that owns it, by rendezvous
hashing of the namespace over the shard names (weights and pins apply), and
the shards that hold it now. A namespace held by a shard that does not own
it is "misplaced": run rebalance from the list it was written with. It only
reads: a shard that does not exist yet holds nothing, and is not created,
so that placement can be previewed before a new shard is made. With --json, each namespace is a JSON line
{"namespace", "owner", "held_by", "misplaced"}, then a summary line.`, `  unionstore shards --shard a=a.db --shard b=b.db
  unionstore shards --shard a=a.db --shard b=b.db --shard c=c.db --weight c=2 shop
  unionstore shards --shard eu=postgres://db-eu/app --shard us=postgres://db-us/app --json`)
	var c common
	c.register(fs, "print JSON lines instead of a table")
	var list shardList
	list.register(fs, "", "")
	namespaces, err := parse(fs, args)
	if err != nil {
		return err
	}
	e = c.apply(e)
	spec, err := list.parse("shard")
	if err != nil {
		return err
	}
	index, opened, err := e.openShards(ctx, c.open(readOrEmpty), spec)
	if err != nil {
		return err
	}
	defer opened.close()
	opened.sayAbsent(e, c.asJSON)
	names := spec.placement.Shards()
	holders := map[string][]string{} // namespace to the shards holding it
	for _, name := range names {
		stats, err := opened.namespaceStats(ctx, index[name])
		if err != nil {
			return fmt.Errorf("shard %q: %w", name, err)
		}
		for _, st := range stats {
			holders[st.Namespace] = append(holders[st.Namespace], name)
		}
	}
	if len(namespaces) == 0 {
		for ns := range holders {
			namespaces = append(namespaces, ns)
		}
		slices.Sort(namespaces)
	}
	type jsonPlace struct {
		Namespace string   `json:"namespace"`
		Owner     string   `json:"owner"`
		HeldBy    []string `json:"held_by"`
		Misplaced bool     `json:"misplaced"`
	}
	var tw *table
	if !c.asJSON {
		tw = newTable(e.stdout, "NAMESPACE", "OWNER", "HELD BY", "")
	}
	enc := json.NewEncoder(e.stdout)
	misplaced := 0
	perShard := map[string]int{}
	for _, ns := range namespaces {
		owner := spec.placement.Owner(ns)
		held := holders[ns]
		p := jsonPlace{Namespace: ns, Owner: owner, HeldBy: append([]string{}, held...)}
		p.Misplaced = slices.ContainsFunc(held, func(s string) bool { return s != owner })
		if p.Misplaced {
			misplaced++
		}
		perShard[owner]++
		if c.asJSON {
			if err := enc.Encode(p); err != nil {
				return fmt.Errorf("writing JSON: %w", err)
			}
			continue
		}
		heldBy, note := "-", ""
		if len(held) > 0 {
			heldBy = escape(strings.Join(held, ", "))
		}
		if p.Misplaced {
			note = "misplaced"
		}
		tw.row(escape(ns), escape(owner), heldBy, note)
	}
	if c.asJSON {
		return e.printJSON(map[string]any{"namespaces": len(namespaces), "misplaced": misplaced, "per_shard": perShard})
	}
	if err := tw.flush(); err != nil {
		return err
	}
	var counts []string
	for _, name := range names {
		counts = append(counts, fmt.Sprintf("%s %d", escape(name), perShard[name]))
	}
	e.say(false, "%s over %s (%s), %d misplaced", plural(len(namespaces), "namespace"), plural(len(names), "shard"), strings.Join(counts, ", "), misplaced)
	return nil
}
