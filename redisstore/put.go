package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore/backend"
)

// A namespace's records are written by one script call per chunk of at
// most chunkRecords records and, unless one record is larger, chunkBytes
// bytes of values, so that no call holds the server long or exceeds its
// query buffer. All the chunks of a Put are pipelined.
const (
	chunkRecords = 500
	chunkBytes   = 8 << 20
)

// indexTimeout bounds the write of the namespace index after the scripts,
// which is made even when the caller's context has ended.
const indexTimeout = 5 * time.Second

// putCall is one script call of a Put: a chunk of one namespace.
type putCall struct {
	namespace string
	keys      []string
	args      []any
	cmd       *redis.Cmd
}

// Put writes records with the put script, which keeps for each identity
// the record with the latest timestamp, the later one on a tie, comparing
// on the server, and appends each record it applies to the namespace's
// log; a chunk of a namespace is applied whole, but a batch of
// several chunks or namespaces is not: an error may leave some chunks
// written, each record whole. The namespaces are added to the index before
// the scripts (in the same pipeline) and again after them, whatever
// became of the scripts.
func (d *driver) Put(ctx context.Context, recs []backend.Record) error {
	calls, namespaces := d.putCalls(recs)
	index := indexKey(d.prefix)
	pipe := d.client.Pipeline()
	pipe.ZAdd(ctx, index, namespaces...)
	for _, c := range calls {
		c.cmd = putScript.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each command's error is read below
	err := d.checkPuts(ctx, calls)
	// A namespace written by a script is listed only once the index
	// holds it; see the package doc on the index.
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), indexTimeout)
	defer cancel()
	if ierr := d.client.ZAdd(ictx, index, namespaces...).Err(); ierr != nil {
		err = errors.Join(err, fmt.Errorf("index namespaces: %w", ierr))
	}
	return err
}

// putCalls splits recs, sorted by namespace, into script calls, and
// returns them with the distinct namespaces as index members.
func (d *driver) putCalls(recs []backend.Record) ([]*putCall, []redis.Z) {
	var calls []*putCall
	var namespaces []redis.Z
	var buf []byte
	var c *putCall
	size := 0
	remaining := 0 // bytes of the values of recs[i:]
	for _, r := range recs {
		remaining += valueHeader + len(r.Payload)
	}
	for i, r := range recs {
		newNamespace := i == 0 || r.Namespace != recs[i-1].Namespace
		if newNamespace {
			namespaces = append(namespaces, redis.Z{Member: r.Namespace})
		}
		n := valueHeader + len(r.Payload)
		if newNamespace || len(c.args) == 1+2*chunkRecords || size+n > chunkBytes && len(c.args) > 1 {
			k := d.keys(r.Namespace)
			c = &putCall{namespace: r.Namespace, keys: []string{k.records, k.ids, k.counts, k.log, k.feed}}
			c.args = make([]any, 0, 1+2*min(chunkRecords, len(recs)-i))
			c.args = append(c.args, d.history)
			calls = append(calls, c)
			size = 0
		}
		if cap(buf)-len(buf) < n {
			// One buffer of at most 1 MiB, unless a value is larger, holds
			// the values of many records; a value never straddles two.
			buf = make([]byte, 0, max(n, min(remaining, 1<<20)))
		}
		remaining -= n
		start := len(buf)
		buf = appendValue(buf, r)
		c.args = append(c.args, member(r.Kind, r.ID), buf[start:len(buf):len(buf)])
		size += n
	}
	return calls, namespaces
}

// checkPuts returns the errors of calls, after running again those that
// found the server without the script (after a restart or SCRIPT FLUSH),
// which wrote nothing.
func (d *driver) checkPuts(ctx context.Context, calls []*putCall) error {
	var again []*putCall
	var errs []error
	for _, c := range calls {
		switch err := c.cmd.Err(); {
		case isNoScript(err):
			again = append(again, c)
		case err != nil:
			errs = append(errs, fmt.Errorf("namespace %q: %w", c.namespace, err))
		}
	}
	if len(again) > 0 {
		if err := putScript.Load(ctx, d.client).Err(); err != nil {
			return fmt.Errorf("load put script: %w", err)
		}
		pipe := d.client.Pipeline()
		for _, c := range again {
			c.cmd = putScript.EvalSha(ctx, pipe, c.keys, c.args...)
		}
		_, _ = pipe.Exec(ctx)
		for _, c := range again {
			if err := c.cmd.Err(); err != nil {
				errs = append(errs, fmt.Errorf("namespace %q: %w", c.namespace, err))
			}
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	// Calls fail alike when the server is down or ctx has ended: the
	// first cause says enough.
	return fmt.Errorf("%w (and %d more calls failed)", errs[0], len(errs)-1)
}
