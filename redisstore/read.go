package redisstore

import (
	"context"
	"errors"
	"iter"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore/backend"
)

// Scan reads namespace in pages of the page size, each page by one call of
// the page script: the members of the ids sorted set after the last one
// read, in byte order, and their values. Each page is read atomically;
// changes saved between pages are seen when they sort after the page
// read last.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		k := d.keys(namespace)
		keys := []string{k.records, k.ids}
		from := "-"
		for {
			reply, err := pageScript.Run(ctx, d.client, keys, from, d.pageSize).Slice()
			if err != nil {
				yield(backend.Record{}, err)
				return
			}
			for i := 0; i+1 < len(reply); i += 2 {
				m, _ := reply[i].(string)
				v, ok := reply[i+1].(string)
				if !ok {
					continue // a member without a value: none is left by the scripts
				}
				if !yield(record(namespace, m, v), nil) {
					return
				}
			}
			if len(reply) < 2*d.pageSize {
				return
			}
			last, _ := reply[len(reply)-2].(string)
			from = "(" + last
		}
	}
}

// record decodes the value of member, or returns the record that reports
// its damage.
func record(namespace, member, value string) backend.Record {
	r, err := decodeValue(namespace, member, value)
	if err != nil {
		return damaged(r, err)
	}
	return r
}

// Get reads one identity's value with HGET.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	v, err := d.client.HGet(ctx, d.keys(namespace).records, member(kind, id)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return backend.Record{}, false, nil
	case err != nil:
		return backend.Record{}, false, err
	}
	return record(namespace, member(kind, id), v), true, nil
}
