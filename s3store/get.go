package s3store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Get lists namespace (one LIST per 1,000 segments), then looks in every
// segment at once, at most [WithConcurrency] at a time. In a segment whose
// index it keeps (see indexCache) it reads the one block of about 64 KiB
// that can hold the identity, with a ranged GET, or nothing when the
// index's filter rules the segment out; the first Get of a segment reads
// its end first, where the index is, and the whole segment when that is no
// more than 64 KiB. A segment without an index (version 1) is read from
// its start up to the identity. Of the records found, the newest wins, as
// in a merge.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	target := record{kind: []byte(kind), id: []byte(id)}
	h := keyHash(target.kind, target.id)
	var found []*segmentReader
	defer func() { closeAll(found) }()
	err := d.listed(ctx, namespace, func(segs []segmentObject) error {
		closeAll(found)
		found = make([]*segmentReader, len(segs))
		errs := make([]error, len(segs))
		d.forEach(len(segs), func(i int) {
			if ctx.Err() != nil || d.life.Closed() {
				errs[i] = d.life.Check(ctx)
				return
			}
			found[i], errs[i] = d.find(ctx, namespace, segs[i], &target, h)
		})
		return segmentErrors(errs)
	})
	if err != nil {
		return backend.Record{}, false, err
	}
	var best *segmentReader
	for _, r := range found {
		if r != nil && (best == nil || r.rec.newer(&best.rec)) {
			best = r
		}
	}
	if best == nil {
		return backend.Record{}, false, nil
	}
	return best.record(namespace, ""), true, nil
}

// seek moves to the first record whose key is not before target's and
// reports whether it is target's.
func (sr *segmentReader) seek(target *record) (bool, error) {
	for {
		ok, err := sr.next()
		if err != nil || !ok {
			return false, err
		}
		switch c := compareRecordKeys(&sr.rec, target); {
		case c == 0:
			return true, nil
		case c > 0:
			return false, nil
		}
	}
}

// Namespaces lists the prefix, then reads every segment of every
// namespace as Scan does: its cost grows with the store's size.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	var names []string
	p := s3.NewListObjectsV2Paginator(d.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(d.bucket),
		Prefix:    aws.String(d.prefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", d.prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			esc := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), d.prefix), "/")
			// A folder this store cannot have written is not its own.
			if ns, err := unescapeNamespace(esc); err == nil {
				names = append(names, ns)
			}
		}
	}
	slices.Sort(names)
	out := []unionstore.NamespaceStat{}
	for _, ns := range names {
		if err := d.life.Check(ctx); err != nil {
			return nil, err
		}
		st := unionstore.NamespaceStat{Namespace: ns}
		m, err := d.openMerge(ctx, ns)
		if err != nil {
			return nil, err
		}
		for {
			ok, err := m.next(func(w *segmentReader) error {
				if w.rec.changeType == changeUnset {
					st.Tombstones++
				} else {
					st.Entities++
				}
				return nil
			})
			if err != nil {
				m.close()
				return nil, err
			}
			if !ok {
				break
			}
		}
		m.close()
		if st.Entities+st.Tombstones > 0 {
			out = append(out, st)
		}
	}
	return out, nil
}
