package backend

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"slices"
)

// recordOverhead is what a held record costs in memory beside its kind,
// id and payload, for the threshold's reckoning.
const recordOverhead = 128

// Sorter is the sort behind the Scan of an engine that keeps a
// namespace's records in the order they were written (a log, a stream)
// rather than by key: the driver reads the namespace once, adding each
// record in the order the engine holds them, and then walks [Sorter.All],
// which yields the latest record of each identity, sorted by kind then id,
// as Scan must.
//
// Its memory is bounded by a threshold rather than by the namespace:
// whenever the records added since the last run exceed it, they are
// sorted, reduced to the latest of each identity and written as a run to
// a temporary file ([Runs]); All then merges the runs, reading each once
// in order through a 32 KiB buffer. Memory is thus about the threshold
// plus 32 KiB per run, and disk at most what was added. A namespace within
// the threshold never touches the disk. [Sorter.Close] removes the file.
//
// Which record of an identity is the latest is decided by replaces: given
// a record r added after held, it reports whether r is the newer. nil
// means that the record added last always is, as in a stream that keeps
// one message per subject; a log that keeps every version passes a rule
// such as [Record.Newer]. A [Damaged] record takes part like any other:
// when it is the latest, All yields it, with an error that carries its
// error's text (but no longer wraps what that error wrapped, once
// spilled).
//
// A Sorter is for one walk, by one goroutine.
type Sorter struct {
	threshold int
	replaces  func(r, held Record) bool

	recs []Record // added since the last run, in the order added
	idx  []int    // the positions of recs, sorted
	held int      // the memory recs holds, by recordOverhead's reckoning

	runs *Runs
}

// NewSorter returns an empty sorter that writes its runs to a temporary
// file in dir (the system's temporary directory when dir is "") once the
// records it holds exceed threshold bytes. replaces may be nil: see
// [Sorter].
func NewSorter(dir string, threshold int, replaces func(r, held Record) bool) *Sorter {
	return &Sorter{threshold: threshold, replaces: orLater(replaces), runs: NewRuns(dir)}
}

// Add takes r, read after every record added before it. The sorter keeps
// r's strings and payload, which the caller must not change afterwards.
// An error means a run could not be written; the sorter is then of no
// further use.
func (s *Sorter) Add(r Record) error {
	s.recs = append(s.recs, r)
	s.held += recordOverhead + len(r.Kind) + len(r.ID) + len(r.Payload)
	if s.held > s.threshold {
		return s.flush()
	}
	return nil
}

// Spilled reports whether the sorter has written a run.
func (s *Sorter) Spilled() bool { return s.runs.Len() > 0 }

// All yields the latest record of each identity added, sorted by kind then
// id; an error reading the runs back is its last pair. It is called once,
// after the last Add.
func (s *Sorter) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if !s.Spilled() {
			for r := range s.latest {
				if !yield(*r, nil) {
					return
				}
			}
			return
		}
		if len(s.recs) > 0 {
			if err := s.flush(); err != nil {
				yield(Record{}, err)
				return
			}
		}
		s.runs.Merge(s.replaces)(yield)
	}
}

// Close removes the temporary file, if one was written.
func (s *Sorter) Close() error { return s.runs.Close() }

func compareKeys(a, b *Record) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
}

// latest yields the latest of the records held of each identity, sorted
// by kind then id: an iter.Seq[*Record].
func (s *Sorter) latest(yield func(*Record) bool) {
	idx := s.idx[:0]
	for i := range s.recs {
		idx = append(idx, i)
	}
	s.idx = idx
	// Records are large: sort their positions, which also keep the
	// records of an identity in the order they were added.
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(compareKeys(&s.recs[a], &s.recs[b]), cmp.Compare(a, b))
	})
	for k := 0; k < len(idx); {
		best := &s.recs[idx[k]]
		for k++; k < len(idx) && compareKeys(&s.recs[idx[k]], best) == 0; k++ {
			if s.replaces(s.recs[idx[k]], *best) {
				best = &s.recs[idx[k]]
			}
		}
		if !yield(best) {
			return
		}
	}
}

// flush writes the latest of the records held as a run.
func (s *Sorter) flush() error {
	if err := s.runs.Write(s.latest); err != nil {
		return err
	}
	clear(s.recs)
	s.recs, s.held = s.recs[:0], 0
	return nil
}

// DefaultSpillThreshold is the threshold of a driver's [Sorter] unless
// the store is configured with another: 16 MiB.
const DefaultSpillThreshold = 16 << 20

// SetSpillThreshold is the body of the option that sets a [Sorter]'s
// threshold: it sets *field to n, or refuses n below 1 KiB with the error
// "spill threshold n: must be at least 1024 bytes".
func SetSpillThreshold(field *int, n int) error {
	if n < 1<<10 {
		return fmt.Errorf("spill threshold %d: must be at least 1024 bytes", n)
	}
	*field = n
	return nil
}

// SetTempDir is the body of the option that names the directory of a
// [Sorter]'s temporary files: it sets *field to dir, or refuses an empty
// dir with the error "empty temporary directory". The directory is not
// checked until a file is made there.
func SetTempDir(field *string, dir string) error {
	if dir == "" {
		return errors.New("empty temporary directory")
	}
	*field = dir
	return nil
}
