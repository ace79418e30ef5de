package redisstore

import (
	"context"
	"fmt"
)

// Purge removes the records of namespace with the purge-namespace script,
// which unlinks its keys (the server frees them in the background) and
// gives the purge a position of its own in the feed, then removes its
// index entry.
func (d *driver) Purge(ctx context.Context, namespace string) error {
	k := d.keys(namespace)
	keys := []string{k.records, k.ids, k.counts, k.log, k.feed}
	if err := purgeNamespaceScript.Run(ctx, d.client, keys).Err(); err != nil {
		return err
	}
	return d.unindex(ctx, namespace)
}

// PurgeTombstones walks namespace in pages with the purge script, which
// removes the page's tombstones of timestamp at most through, checking
// each on the server so that a record saved again meanwhile is kept. A
// namespace left empty is taken out of the index. On error it returns the
// number removed by the pages before.
func (d *driver) PurgeTombstones(ctx context.Context, namespace string, through int64) (int, error) {
	k := d.keys(namespace)
	keys := []string{k.records, k.ids, k.counts, k.log}
	// The halves of the cut, compared by the script as those of stored
	// timestamps are.
	hi, lo := through>>32, uint32(through)
	removed, from := 0, "-"
	for {
		reply, err := purgeScript.Run(ctx, d.client, keys, from, d.pageSize, hi, lo).Slice()
		if err != nil {
			return removed, err
		}
		n, last, left, read, err := purgeReply(reply)
		if err != nil {
			return removed, err
		}
		removed += n
		if read < d.pageSize {
			if left == 0 {
				return removed, d.unindex(ctx, namespace)
			}
			return removed, nil
		}
		from = "(" + last
	}
}

// purgeReply reads the reply of the purge script.
func purgeReply(reply []any) (removed int, last string, left, read int, err error) {
	if len(reply) != 4 {
		return 0, "", 0, 0, fmt.Errorf("purge script: reply of %d values, want 4", len(reply))
	}
	removed, ok1 := toInt(reply[0])
	last, ok2 := reply[1].(string)
	left, ok3 := toInt(reply[2])
	read, ok4 := toInt(reply[3])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, "", 0, 0, fmt.Errorf("purge script: unexpected reply %v", reply)
	}
	return removed, last, left, read, nil
}

func toInt(v any) (int, bool) {
	n, ok := v.(int64)
	return int(n), ok
}
