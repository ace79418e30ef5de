package s3store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
)

// Check reports whether [Store.Save] would accept changes, a batch that
// has passed [unionstore.Changes.Validate], without writing anything. It
// returns nil or an error wrapping [unionstore.ErrInvalidChange] that names
// the first change the store cannot hold and why: a namespace whose
// escaped form makes segment keys longer than [MaxKeyBytes] with the
// store's prefix, a kind, id and encoded entity longer than
// [MaxRecordBytes] together, or an entity the codec cannot encode.
//
// Check encodes every entity, so it costs what the encoding part of a Save
// costs. It is safe for concurrent use and does not modify changes.
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	if _, err := s.encodeAll(changes); err != nil {
		return fmt.Errorf("s3store: check: %w", err)
	}
	return nil
}

// encodeAll checks every change against the store's limits and returns the
// encoded entities, in the batch's order.
func (s *Store[E]) encodeAll(changes unionstore.Changes[E]) ([][]byte, error) {
	payloads := make([][]byte, len(changes))
	keyLen := map[string]int{}
	for i := range changes {
		c := &changes[i]
		n, ok := keyLen[c.Namespace]
		if !ok {
			n = len(s.namespacePrefix(c.Namespace)) + segmentNameLen
			keyLen[c.Namespace] = n
		}
		if n > MaxKeyBytes {
			return nil, fmt.Errorf("%w: change %d: namespace %s makes segment keys of %d bytes with the prefix, over S3's %d",
				unionstore.ErrInvalidChange, i, quoteShort(c.Namespace), n, MaxKeyBytes)
		}
		kind, id := c.Entity.CompactionKey()
		p, err := s.codec.Encode(c.Entity)
		if err != nil {
			return nil, fmt.Errorf("%w: change %d (kind %s id %s): encode: %w", unionstore.ErrInvalidChange, i, quoteShort(kind), quoteShort(id), err)
		}
		if size := len(kind) + len(id) + len(p); size > MaxRecordBytes {
			return nil, fmt.Errorf("%w: change %d (kind %s id %s): kind, id and encoded entity take %d bytes, over the record limit of %d",
				unionstore.ErrInvalidChange, i, quoteShort(kind), quoteShort(id), size, MaxRecordBytes)
		}
		payloads[i] = p
	}
	return payloads, nil
}

// Save writes the batch: for each namespace it holds, one new segment
// object with the latest change of each identity of the batch, written
// with one PUT (If-None-Match: *, so that nothing is ever overwritten).
// The PUTs of several namespaces run concurrently; Save tries them all and
// joins their errors. A segment is written whole or not at all, so a Save
// that fails may have written some namespaces and not others; saving the
// batch again is harmless.
//
// A batch that fails [unionstore.Changes.Validate] or [Store.Check] is
// rejected whole, before anything is written, with an error wrapping
// [unionstore.ErrInvalidChange]. Zero timestamps are stamped with
// [unionstore.Now]. On equal timestamps the change of the Save that began
// later wins, by the writer's clock; within a batch, the later change.
//
// After writing, Save compacts each namespace whose count of segments
// exceeds the limit of [WithMaxSegments], before it returns; see
// [WithCompactErrors] for the errors of that compaction.
//
// Save holds the encoded batch in memory. It returns
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() if
// ctx is done. It does not modify or keep changes.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("s3store: save: %w", err)
	}
	if len(changes) == 0 {
		return nil
	}
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("s3store: save: %w", err)
	}
	payloads, err := s.encodeAll(changes)
	if err != nil {
		return fmt.Errorf("s3store: save: %w", err)
	}
	segs := buildSegments(changes.Stamped(), payloads, newOrigin())
	errs := make([]error, len(segs))
	s.forEach(len(segs), func(i int) {
		key := s.namespacePrefix(segs[i].namespace) + segs[i].origin.name()
		if err := s.put(ctx, key, segs[i].data); err != nil {
			errs[i] = fmt.Errorf("namespace %s: %w", quoteShort(segs[i].namespace), err)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("s3store: save: %w", s.life.Wrap(ctx, err))
	}
	for _, sg := range segs {
		if n := s.noteSegments(sg.namespace, 1, false); s.maxSegments > 0 && n > s.maxSegments {
			if err := s.Compact(ctx, sg.namespace); err != nil && s.onCompactError != nil {
				s.onCompactError(sg.namespace, err)
			}
		}
	}
	return nil
}

// put writes data at key, refusing to replace an object.
func (s *Store[E]) put(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String("application/octet-stream"),
		IfNoneMatch:   aws.String("*"),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// pendingSegment is the encoded segment of one namespace of a batch.
type pendingSegment struct {
	namespace string
	origin    origin
	data      []byte
}

// buildSegments compacts the batch (the latest timestamp wins, the later
// change on a tie) and encodes one segment per namespace, in namespace
// order.
func buildSegments[E unionstore.Entity](changes unionstore.Changes[E], payloads [][]byte, o origin) []pendingSegment {
	type entry struct {
		namespace, kind, id string
		index               int
	}
	entries := make([]entry, len(changes))
	for i := range changes {
		kind, id := changes[i].Entity.CompactionKey()
		entries[i] = entry{changes[i].Namespace, kind, id, i}
	}
	type key struct{ namespace, kind, id string }
	entries = unionstore.CompactFunc(entries,
		func(e entry) key { return key{e.namespace, e.kind, e.id} },
		func(e entry) time.Time { return changes[e.index].Timestamp })
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.namespace, b.namespace), strings.Compare(a.kind, b.kind), strings.Compare(a.id, b.id))
	})
	var (
		out []pendingSegment
		w   *segmentWriter
	)
	for i, e := range entries {
		if i == 0 || e.namespace != entries[i-1].namespace {
			if w != nil {
				out[len(out)-1].data = w.finish()
			}
			w = newSegmentWriter(e.namespace)
			out = append(out, pendingSegment{namespace: e.namespace, origin: o})
		}
		c := &changes[e.index]
		r := record{kind: []byte(e.kind), id: []byte(e.id), changeType: changeSet, ts: c.Timestamp.UnixNano(), origin: o, payload: payloads[e.index]}
		if c.ChangeType == unionstore.ChangeTypeUnset {
			r.changeType = changeUnset
		}
		w.add(&r)
	}
	if w != nil {
		out[len(out)-1].data = w.finish()
	}
	return out
}

// forEach calls fn(0) to fn(n-1), at most s.concurrency at a time, and
// waits for them all.
func (s *Store[E]) forEach(n int, fn func(i int)) {
	if n == 1 {
		fn(0)
		return
	}
	sem := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// quoteShort quotes s for an error message, cut after 64 bytes.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:limit], len(s))
}
