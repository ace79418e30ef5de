package main

import (
	"context"
	"fmt"

	"github.com/unionstore/unionstore"
)

// writeKinds counts the changes a dry run would write to one store by
// kind: sets (live records) and tombstones, and among the tombstones those
// that would delete a record the store holds live.
type writeKinds struct {
	Live        int `json:"live"`
	Tombstones  int `json:"tombstones"`
	DeletesLive int `json:"deletes_live"`
}

// words says what k counts: "2 live records and 1 tombstone, which
// deletes 1 record held live there".
func (k writeKinds) words() string {
	s := fmt.Sprintf("%s and %s", plural(k.Live, "live record"), plural(k.Tombstones, "tombstone"))
	switch k.DeletesLive {
	case 0:
	case 1:
		s += ", which deletes 1 record held live there"
	default:
		s += fmt.Sprintf(", which delete %d records held live there", k.DeletesLive)
	}
	return s
}

// dryRepair counts, as Repair would, what each store lacks or holds older,
// and of what kinds, writing nothing.
func dryRepair(ctx context.Context, u *unionstore.Union[Record], ns string, addrs []string) (unionstore.RepairReport, []writeKinds, error) {
	r := unionstore.RepairReport{Namespace: ns, Stores: make([]unionstore.StoreRepair, len(addrs))}
	kinds := make([]writeKinds, len(addrs))
	for i := range r.Stores {
		r.Stores[i].Index, r.Stores[i].Name = i, addrs[i]
	}
	for d, err := range u.Diff(ctx, ns) {
		if err != nil {
			return r, kinds, err
		}
		r.Entities++
		tombstone := d.Latest.ChangeType == unionstore.ChangeTypeUnset
		for i, v := range d.Versions {
			if !d.Stale(i) {
				continue
			}
			if v.Present {
				r.Stores[i].Outdated++
			} else {
				r.Stores[i].Missing++
			}
			switch {
			case !tombstone:
				kinds[i].Live++
			case v.Present && v.ChangeType == unionstore.ChangeTypeSet:
				kinds[i].Tombstones++
				kinds[i].DeletesLive++
			default:
				kinds[i].Tombstones++
			}
		}
	}
	return r, kinds, nil
}
