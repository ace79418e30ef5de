package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

const shardsSynopsis = "--shard NAME=ADDR [--shard NAME=ADDR...] [--weight NAME=W...] [--pin NAMESPACE=NAME...] [--json] [NAMESPACE...]"

const shardsHelp = `
Shards shows where each NAMESPACE (or every namespace any shard holds)
lives for the list of shards given: the shard that owns it, by rendezvous
hashing of the namespace over the shard names (weights and pins apply), and
the shards that hold it now. A namespace held by a shard that does not own
it is "misplaced": run rebalance from the list it was written with. It only
reads: a shard that does not exist yet holds nothing, and is not created,
so that placement can be previewed before a new shard is made. With --json, each namespace is a JSON line
{"namespace", "owner", "held_by", "misplaced"}, then a summary line.`

const shardsExamples = `  unionstore shards --shard a=a.db --shard b=b.db
  unionstore shards --shard a=a.db --shard b=b.db --shard c=c.db --weight c=2 shop
  unionstore shards --shard eu=postgres://db-eu/app --shard us=postgres://db-us/app --json`

// shardsOptions are the flags and arguments of shards.
type shardsOptions struct {
	common
	spec shardSpec
	// namespaces are those to show; none means every namespace a shard
	// holds.
	namespaces []string
}

// parseShards returns the options that args give shards. Its errors are
// usage errors, or flag.ErrHelp once --help has printed the usage.
func parseShards(e *env, args []string) (shardsOptions, error) {
	var o shardsOptions
	fs := newFlags(e, "shards", shardsSynopsis, shardsHelp, shardsExamples)
	o.register(fs, "print JSON lines instead of a table")
	var list shardList
	list.register(fs, "", "")
	var err error
	if o.namespaces, err = parse(fs, args); err != nil {
		return o, err
	}
	o.spec, err = list.parse("shard")
	return o, err
}

// run reads which shards hold each namespace and prints where each lives.
func (o *shardsOptions) run(ctx context.Context, e *env) error {
	index, opened, err := e.openShards(ctx, o.open(readOrEmpty), o.spec)
	if err != nil {
		return err
	}
	defer opened.close()
	opened.sayAbsent(e, o.asJSON)
	holders := map[string][]string{} // namespace to the shards holding it
	for _, name := range o.spec.placement.Shards() {
		stats, err := opened.namespaceStats(ctx, index[name])
		if err != nil {
			return fmt.Errorf("shard %q: %w", name, err)
		}
		for _, st := range stats {
			holders[st.Namespace] = append(holders[st.Namespace], name)
		}
	}
	namespaces := o.namespaces
	if len(namespaces) == 0 {
		namespaces = slices.Sorted(maps.Keys(holders))
	}
	places := o.places(namespaces, holders)
	if o.asJSON {
		return o.printJSONLines(e, places)
	}
	return o.printTable(e, places)
}

// jsonPlace is where a namespace lives, as shards --json prints it.
type jsonPlace struct {
	Namespace string   `json:"namespace"`
	Owner     string   `json:"owner"`
	HeldBy    []string `json:"held_by"`
	Misplaced bool     `json:"misplaced"`
}

// places returns where each of namespaces lives: its owner, and the
// shards that holders says hold it.
func (o *shardsOptions) places(namespaces []string, holders map[string][]string) []jsonPlace {
	out := make([]jsonPlace, len(namespaces))
	for i, ns := range namespaces {
		owner := o.spec.placement.Owner(ns)
		held := holders[ns]
		out[i] = jsonPlace{Namespace: ns, Owner: owner, HeldBy: append([]string{}, held...)}
		out[i].Misplaced = slices.ContainsFunc(held, func(s string) bool { return s != owner })
	}
	return out
}

// placeCounts returns how many of places are misplaced, and how many each
// shard owns.
func placeCounts(places []jsonPlace) (misplaced int, perShard map[string]int) {
	perShard = map[string]int{}
	for _, p := range places {
		if p.Misplaced {
			misplaced++
		}
		perShard[p.Owner]++
	}
	return misplaced, perShard
}

// printJSONLines prints a JSON line per place, then the summary line.
func (o *shardsOptions) printJSONLines(e *env, places []jsonPlace) error {
	enc := json.NewEncoder(e.stdout)
	for _, p := range places {
		if err := enc.Encode(p); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
	}
	misplaced, perShard := placeCounts(places)
	return e.printJSON(map[string]any{"namespaces": len(places), "misplaced": misplaced, "per_shard": perShard})
}

// printTable prints a row per place, then the summary line.
func (o *shardsOptions) printTable(e *env, places []jsonPlace) error {
	tw := newTable(e.stdout, "NAMESPACE", "OWNER", "HELD BY", "")
	for _, p := range places {
		heldBy, note := "-", ""
		if len(p.HeldBy) > 0 {
			heldBy = escape(strings.Join(p.HeldBy, ", "))
		}
		if p.Misplaced {
			note = "misplaced"
		}
		tw.row(escape(p.Namespace), escape(p.Owner), heldBy, note)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	misplaced, perShard := placeCounts(places)
	names := o.spec.placement.Shards()
	counts := make([]string, len(names))
	for i, name := range names {
		counts[i] = fmt.Sprintf("%s %d", escape(name), perShard[name])
	}
	e.say(false, "%s over %s (%s), %d misplaced", plural(len(places), "namespace"), plural(len(names), "shard"), strings.Join(counts, ", "), misplaced)
	return nil
}
