package backend

import "sync/atomic"

// MaxFastPathBackoff is the most writes a [FastPath] sends the slow way
// after its fast path failed in a row.
const MaxFastPathBackoff = 64

// FastPath decides whether a driver's next write first tries a cheaper
// way that fails, at some cost, when its guess about the store is wrong:
// an insert that fails on the first identity the table holds, or
// publishes that expect subjects to be empty. Each failure costs the
// attempt, so after a failure the driver writes the next writes the slow
// way directly, 1, then 2, 4 up to [MaxFastPathBackoff] of them after
// failures in a row, and tries again after that; a success resets the
// backoff. A store whose guess is always wrong thus tries, and fails, at
// most once in 65 writes, and one whose guess is right takes the fast
// path every time.
//
// It is a heuristic: concurrent writes may read and update it in any
// order, which changes only how often the fast path is tried, never what
// is written. It is safe for concurrent use; its zero value tries the
// fast path first.
type FastPath struct {
	skip    atomic.Int32 // writes left to send the slow way
	backoff atomic.Int32 // length of the last skip
}

// Try reports whether the next write should try the fast path, and counts
// a skipped one down.
func (f *FastPath) Try() bool {
	for {
		n := f.skip.Load()
		if n <= 0 {
			return true
		}
		if f.skip.CompareAndSwap(n, n-1) {
			return false
		}
	}
}

// Failed records a write whose fast path failed.
func (f *FastPath) Failed() {
	b := min(max(2*f.backoff.Load(), 1), MaxFastPathBackoff)
	f.backoff.Store(b)
	f.skip.Store(b)
}

// Succeeded records a write whose fast path succeeded.
func (f *FastPath) Succeeded() {
	if f.backoff.Load() != 0 {
		f.backoff.Store(0)
	}
}
