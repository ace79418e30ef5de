package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/unionstore/unionstore"
)

// namespacesPage is the number of namespaces whose counts Namespaces reads
// per pipeline.
const namespacesPage = 1000

// Namespaces reads the index, whose members sort by byte order, and the
// counts of each namespace it lists, pipelined. A namespace the index
// lists but whose counts are both zero or missing is left out: an entry a
// purge left behind, or a save that failed before writing.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	names, err := d.client.ZRange(ctx, indexKey(d.prefix), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	var out []unionstore.NamespaceStat
	for len(names) > 0 {
		page := names[:min(len(names), namespacesPage)]
		names = names[len(page):]
		pipe := d.client.Pipeline()
		cmds := make([]*redis.SliceCmd, len(page))
		for i, ns := range page {
			cmds[i] = pipe.HMGet(ctx, d.keys(ns).counts, "sets", "unsets")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("read counts: %w", err)
		}
		for i, cmd := range cmds {
			counts, err := countsOf(cmd.Val())
			if err != nil {
				return nil, fmt.Errorf("namespace %q: %w", page[i], err)
			}
			if counts[0] > 0 || counts[1] > 0 {
				out = append(out, unionstore.NamespaceStat{Namespace: page[i], Entities: counts[0], Tombstones: counts[1]})
			}
		}
	}
	return out, nil
}

// countsOf reads the reply of HMGET counts sets unsets.
func countsOf(reply []any) ([2]int, error) {
	var counts [2]int
	for i, v := range reply {
		if v == nil || i >= len(counts) {
			continue
		}
		s, _ := v.(string)
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return counts, fmt.Errorf("damaged count %q", s)
		}
		counts[i] = n
	}
	return counts, nil
}

// unindex removes namespace from the index after its records were
// removed, then puts it back if a save wrote to it meanwhile: a save
// indexes its namespaces after its scripts, so whichever order the two
// take, a namespace that holds records stays listed.
func (d *driver) unindex(ctx context.Context, namespace string) error {
	index := indexKey(d.prefix)
	if err := d.client.ZRem(ctx, index, namespace).Err(); err != nil {
		return fmt.Errorf("unindex: %w", err)
	}
	n, err := d.client.Exists(ctx, d.keys(namespace).ids).Result()
	if err != nil {
		return fmt.Errorf("unindex: %w", err)
	}
	if n > 0 {
		if err := d.client.ZAdd(ctx, index, redis.Z{Member: namespace}).Err(); err != nil {
			return fmt.Errorf("index again: %w", err)
		}
	}
	return nil
}
