package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Put writes one new segment object per namespace of records, with one
// PUT each (If-None-Match: *, so that nothing is ever overwritten); the
// PUTs of several namespaces run concurrently, and Put tries them all and
// joins their errors. A segment is written whole or not at all, so a Put
// that fails may have written some namespaces and not others; writing the
// records again is harmless. On equal timestamps the record of the Put
// that began later wins, by the writer's clock.
//
// Afterwards it compacts each namespace whose count of segments exceeds
// the limit of [WithMaxSegments], before it returns; see
// [WithCompactErrors] for the errors of that compaction.
func (d *driver) Put(ctx context.Context, records []backend.Record) error {
	segs := buildSegments(records, newOrigin(), d.segmentVersion)
	errs := make([]error, len(segs))
	d.forEach(len(segs), func(i int) {
		key := d.namespacePrefix(segs[i].namespace) + segs[i].origin.name()
		if err := d.put(ctx, key, segs[i].data); err != nil {
			errs[i] = fmt.Errorf("namespace %s: %w", quoteShort(segs[i].namespace), err)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, sg := range segs {
		if n := d.noteSegments(sg.namespace, 1, false); d.maxSegments > 0 && n > d.maxSegments {
			if err := d.compact(ctx, sg.namespace); err != nil && d.onCompactError != nil {
				d.onCompactError(sg.namespace, fmt.Errorf("s3store: compact %q of %s: %w", sg.namespace, d, d.life.Wrap(ctx, err)))
			}
		}
	}
	return nil
}

// put writes data at key, refusing to replace an object.
func (d *driver) put(ctx context.Context, key string, data []byte) error {
	_, err := d.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(d.bucket),
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

// buildSegments encodes one segment per namespace of records, which are
// sorted by namespace, kind and id, each identity once, all of origin o,
// in format version.
func buildSegments(records []backend.Record, o origin, version byte) []pendingSegment {
	var (
		out []pendingSegment
		w   *segmentWriter
	)
	for i := range records {
		r := &records[i]
		if i == 0 || r.Namespace != records[i-1].Namespace {
			if w != nil {
				out[len(out)-1].data = w.finish()
			}
			w = newSegmentWriter(r.Namespace, version)
			out = append(out, pendingSegment{namespace: r.Namespace, origin: o})
		}
		rec := record{kind: []byte(r.Kind), id: []byte(r.ID), changeType: changeSet, ts: r.Timestamp, origin: o, payload: r.Payload}
		if r.Type == unionstore.ChangeTypeUnset {
			rec.changeType = changeUnset
		}
		w.add(&rec)
	}
	if w != nil {
		out[len(out)-1].data = w.finish()
	}
	return out
}
