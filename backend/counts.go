package backend

import (
	"encoding/binary"
	"math"

	"github.com/unionstore/unionstore"
)

// Counts is the number of sets and unsets of a namespace that an embedded
// engine (bolt, pebble) keeps beside its records, so that listing the
// namespaces reads no record. Its stored form, part of those engines'
// layouts, is 16 bytes: the sets, then the unsets, big-endian.
type Counts struct{ Sets, Unsets uint64 }

// countsSize is the length of the stored form of [Counts].
const countsSize = 16

// DecodeCounts reads the stored form of a [Counts]; a missing or damaged
// value (not 16 bytes) reads as zero, for the driver to rewrite.
func DecodeCounts(v []byte) Counts {
	if len(v) != countsSize {
		return Counts{}
	}
	return Counts{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])}
}

// Encode returns the stored form of c.
func (c Counts) Encode() []byte {
	v := make([]byte, countsSize)
	binary.BigEndian.PutUint64(v, c.Sets)
	binary.BigEndian.PutUint64(v[8:], c.Unsets)
	return v
}

// Add adds n to the count of t: the sets for a set, the unsets
// otherwise. A count never goes below zero nor wraps, even when a damaged
// store held a wrong one.
func (c *Counts) Add(t unionstore.ChangeType, n int64) {
	p := &c.Unsets
	if t == unionstore.ChangeTypeSet {
		p = &c.Sets
	}
	switch {
	case n < 0 && *p < uint64(-n):
		*p = 0
	case n < 0:
		*p -= uint64(-n)
	case *p > math.MaxUint64-uint64(n):
		*p = math.MaxUint64
	default:
		*p += uint64(n)
	}
}
