package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/unionstore/unionstore"
)

// shardList is a list of shards given on the command line: repeatable
// NAME=ADDRESS flags, with weights and pins in flags of their own.
type shardList struct {
	shards  stringList // NAME=ADDRESS
	weights stringList // NAME=WEIGHT
	pins    stringList // NAMESPACE=NAME
}

// register adds the list's flags to fs, each name after prefix ("" for
// "--shard", "from-" for "--from-shard").
func (l *shardList) register(fs *flag.FlagSet, prefix, what string) {
	shard := "a shard"
	if what != "" {
		shard += " of the " + what + " list"
	}
	fs.Var(&l.shards, prefix+"shard", shard+", as `NAME=ADDRESS` (repeatable)")
	fs.Var(&l.weights, prefix+"weight", "give "+shard+" a weight other than 1, as `NAME=WEIGHT` (repeatable)")
	fs.Var(&l.pins, prefix+"pin", "place a namespace on "+shard+", as `NAMESPACE=NAME` (repeatable)")
}

// shardSpec is a parsed shard list: the placement and each shard's
// address.
type shardSpec struct {
	placement unionstore.Placement
	addrs     map[string]string
}

// parse checks the list and returns its placement; flag names the list in
// errors.
func (l *shardList) parse(flagName string) (shardSpec, error) {
	spec := shardSpec{addrs: map[string]string{}}
	if len(l.shards) == 0 {
		return spec, usageErrorf("no --%s given", flagName)
	}
	var names []string
	for _, s := range l.shards {
		name, addr, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(name) == "" || addr == "" {
			return spec, usageErrorf("--%s %q: want NAME=ADDRESS", flagName, redactAddr(s))
		}
		if err := checkAddr(addr); err != nil {
			return spec, usageErrorf("--%s %q: %w", flagName, redactAddr(s), err)
		}
		if _, dup := spec.addrs[name]; dup {
			return spec, usageErrorf("--%s: shard %q is given twice", flagName, name)
		}
		spec.addrs[name] = addr
		names = append(names, name)
	}
	var opts []unionstore.PlacementOption
	for _, w := range l.weights {
		name, value, ok := strings.Cut(w, "=")
		f, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil {
			return spec, usageErrorf("weight %q: want NAME=WEIGHT, a number", w)
		}
		opts = append(opts, unionstore.Weight(name, f))
	}
	for _, p := range l.pins {
		i := strings.LastIndex(p, "=")
		if i < 0 {
			return spec, usageErrorf("pin %q: want NAMESPACE=NAME", p)
		}
		opts = append(opts, unionstore.Pin(p[:i], p[i+1:]))
	}
	p, err := unionstore.NewPlacement(names, opts...)
	if err != nil {
		return spec, &usageError{fmt.Errorf("--%s: %w", flagName, err)}
	}
	spec.placement = p
	return spec, nil
}

// openShards opens the stores of the shards of specs, each name once (a
// name given in two lists must have the same address in both), and
// returns the position of each name's store among the opened stores, which
// the caller closes.
func (e *env) openShards(ctx context.Context, o openOptions, specs ...shardSpec) (map[string]int, *stores, error) {
	addrOf := map[string]string{}
	for _, spec := range specs {
		for name, addr := range spec.addrs {
			if other, ok := addrOf[name]; ok && other != addr {
				return nil, nil, usageErrorf("shard %q has two addresses, %q and %q: a shard in both lists must be the same store", name, redactAddr(other), redactAddr(addr))
			}
			addrOf[name] = addr
		}
	}
	names := make([]string, 0, len(addrOf))
	for name := range addrOf {
		names = append(names, name)
	}
	slices.Sort(names)
	addrs := make([]string, len(names))
	for i, name := range names {
		addrs[i] = addrOf[name]
	}
	opened, err := e.openAll(ctx, addrs, o)
	if err != nil {
		return nil, nil, err
	}
	index := make(map[string]int, len(names))
	for i, name := range names {
		index[name] = i
	}
	return index, opened, nil
}
