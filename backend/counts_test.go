package backend_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

func TestCountsAdd(t *testing.T) {
	set, unset := unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset
	for _, tc := range []struct {
		from backend.Counts
		t    unionstore.ChangeType
		n    int64
		want backend.Counts
	}{
		{backend.Counts{}, set, 1, backend.Counts{Sets: 1}},
		{backend.Counts{}, unset, 1, backend.Counts{Unsets: 1}},
		{backend.Counts{Sets: 3, Unsets: 5}, unset, -2, backend.Counts{Sets: 3, Unsets: 3}},
		{backend.Counts{Sets: 3, Unsets: 5}, set, -3, backend.Counts{Unsets: 5}},
		{backend.Counts{Sets: 1}, set, -4, backend.Counts{}},                                 // a wrong count stops at zero
		{backend.Counts{}, unset, -1, backend.Counts{}},                                      // and does not wrap
		{backend.Counts{Sets: math.MaxUint64}, set, 1, backend.Counts{Sets: math.MaxUint64}}, // nor wrap up
	} {
		got := tc.from
		got.Add(tc.t, tc.n)
		if got != tc.want {
			t.Errorf("%+v.Add(%s, %d) = %+v, want %+v", tc.from, tc.t, tc.n, got, tc.want)
		}
	}
}

func TestCountsEncoding(t *testing.T) {
	c := backend.Counts{Sets: 0x0102, Unsets: 0x0304}
	v := c.Encode()
	if want := "0000000000000102" + "0000000000000304"; fmt.Sprintf("%x", v) != want {
		t.Errorf("%+v.Encode() = %x, want %s", c, v, want)
	}
	for _, tc := range []struct {
		v    []byte
		want backend.Counts
	}{
		{v, c},
		{nil, backend.Counts{}},
		{v[:15], backend.Counts{}},
		{append(v, 0), backend.Counts{}},
	} {
		if got := backend.DecodeCounts(tc.v); got != tc.want {
			t.Errorf("DecodeCounts(%x) = %+v, want %+v", tc.v, got, tc.want)
		}
	}
}
