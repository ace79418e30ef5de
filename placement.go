package unionstore

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Placement decides which shard owns each namespace: by rendezvous
// (highest random weight) hashing of the namespace over the shard names,
// unless the namespace is pinned to a shard.
//
// Every shard scores each namespace with a hash of the pair, scaled by the
// shard's weight, and the highest score owns it. Placement therefore
// depends only on the names, weights and pins, never on the order of the
// shards or on anything else in the process: every process given the same
// list places every namespace on the same shard. Adding a shard moves to
// it only the namespaces it now wins, about weight/total of them, and
// moves nothing between the other shards; removing one moves only its
// own namespaces. The hash is FNV-1a, mixed, and fixed by this package's
// on-store compatibility: it will not change.
//
// A Placement is immutable and safe for concurrent use. Its zero value has
// no shards and owns nothing.
type Placement struct {
	shards  []string // sorted
	weights []float64
	pins    map[string]string
}

// PlacementOption adjusts a [Placement] made by [NewPlacement].
type PlacementOption func(*Placement) error

// Weight gives shard a weight other than 1: it then owns about
// weight/total of the namespaces. The weight must be a finite number
// greater than 0.
func Weight(shard string, weight float64) PlacementOption {
	return func(p *Placement) error {
		i, ok := slices.BinarySearch(p.shards, shard)
		if !ok {
			return fmt.Errorf("weight of unknown shard %q", shard)
		}
		if !(weight > 0) || math.IsInf(weight, 0) {
			return fmt.Errorf("weight of shard %q is %v: want a finite number greater than 0", shard, weight)
		}
		p.weights[i] = weight
		return nil
	}
}

// Pin places namespace on shard, whatever the hash says. A pinned
// namespace moves only when its pin changes.
func Pin(namespace, shard string) PlacementOption {
	return func(p *Placement) error {
		if _, ok := slices.BinarySearch(p.shards, shard); !ok {
			return fmt.Errorf("namespace %q pinned to unknown shard %q", namespace, shard)
		}
		if p.pins == nil {
			p.pins = map[string]string{}
		}
		p.pins[namespace] = shard
		return nil
	}
}

// NewPlacement returns the placement of namespaces over the named shards,
// each of weight 1 unless [Weight] says otherwise. It returns an error
// when there are no shards, when a name is empty, repeated or not valid
// UTF-8, or when an option names a shard that is not in the list.
func NewPlacement(shards []string, opts ...PlacementOption) (Placement, error) {
	if len(shards) == 0 {
		return Placement{}, errors.New("unionstore: placement: no shards")
	}
	p := Placement{shards: slices.Sorted(slices.Values(shards)), weights: make([]float64, len(shards))}
	for i, name := range p.shards {
		if err := checkPortable(name); name == "" || err != nil {
			return Placement{}, fmt.Errorf("unionstore: placement: shard name %s is empty or not portable", quoteShort(name))
		}
		if i > 0 && p.shards[i-1] == name {
			return Placement{}, fmt.Errorf("unionstore: placement: shard %q named twice", name)
		}
		p.weights[i] = 1
	}
	for _, o := range opts {
		if err := o(&p); err != nil {
			return Placement{}, fmt.Errorf("unionstore: placement: %w", err)
		}
	}
	return p, nil
}

// Shards returns the names of the shards, sorted.
func (p Placement) Shards() []string { return slices.Clone(p.shards) }

// Owner returns the name of the shard that owns namespace, or "" for a
// placement without shards. It takes O(number of shards) time and does not
// allocate.
func (p Placement) Owner(namespace string) string {
	if shard, ok := p.pins[namespace]; ok {
		return shard
	}
	best, bestScore := "", math.Inf(-1)
	for i, shard := range p.shards {
		s := score(shard, namespace, p.weights[i])
		// Ties, vanishingly rare, go to the name sorted first.
		if s > bestScore {
			best, bestScore = shard, s
		}
	}
	return best
}

// Has reports whether the placement has a shard of that name.
func (p Placement) Has(shard string) bool {
	_, ok := slices.BinarySearch(p.shards, shard)
	return ok
}

// String lists the shards with their weights and the number of pins, for
// logs.
func (p Placement) String() string {
	var b strings.Builder
	for i, s := range p.shards {
		if i > 0 {
			b.WriteString(" ")
		}
		if p.weights[i] == 1 {
			fmt.Fprintf(&b, "%q", s)
		} else {
			fmt.Fprintf(&b, "%q×%g", s, p.weights[i])
		}
	}
	if len(p.pins) > 0 {
		fmt.Fprintf(&b, " (%d pinned)", len(p.pins))
	}
	return b.String()
}

// score is the weighted rendezvous score of shard for namespace: with h
// uniform in (0, 1), -weight/ln(h) gives each shard a chance to win
// proportional to its weight (the logarithmic method of weighted
// rendezvous hashing).
func score(shard, namespace string, weight float64) float64 {
	h := hashPair(shard, namespace)
	u := (float64(h>>11) + 0.5) / (1 << 53) // in (0, 1), never 0 or 1
	return -weight / math.Log(u)
}

// hashPair hashes the shard name and the namespace, separated by the byte
// 0xff, which valid UTF-8 never holds, so that no two pairs hash the same
// bytes.
func hashPair(shard, namespace string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(shard); i++ {
		h = (h ^ uint64(shard[i])) * prime
	}
	h = (h ^ 0xff) * prime
	for i := 0; i < len(namespace); i++ {
		h = (h ^ uint64(namespace[i])) * prime
	}
	// FNV's low bits mix poorly: finish as splitmix64 does.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
