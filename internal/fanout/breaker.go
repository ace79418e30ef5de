package fanout

import (
	"sync"
	"time"
)

// Breaker is one member's circuit breaker: after Threshold consecutive
// failures it refuses calls for CoolDown, then lets one call probe the
// member; a success closes it, a failure opens it for another CoolDown.
// A threshold below 1 turns it off. The zero value is closed. It is safe
// for concurrent use.
type Breaker struct {
	mu        sync.Mutex
	failures  int       // consecutive failures
	openUntil time.Time // while failures >= the threshold
	// probing is set while a probe is under way, since probeStart. A
	// probe whose outcome never came (its caller gave up) stops counting
	// after a cool-down, so that another call may probe.
	probing    bool
	probeStart time.Time
}

// Allow reports whether the member may be called at now, and whether the
// call is the probe of an open breaker.
func (b *Breaker) Allow(threshold int, coolDown time.Duration, now time.Time) (ok, probe bool) {
	if threshold < 1 {
		return true, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.failures < threshold:
		return true, false
	case now.Before(b.openUntil) || b.probing && now.Before(b.probeStart.Add(coolDown)):
		return false, false
	}
	b.probing, b.probeStart = true, now
	return true, true
}

// Record counts the outcome of a call made at now, and reports whether it
// closed an open breaker.
func (b *Breaker) Record(threshold int, coolDown time.Duration, failed bool, now time.Time) (closed bool) {
	if threshold < 1 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	wasOpen := b.failures >= threshold
	b.probing = false
	if !failed {
		b.failures = 0
		return wasOpen
	}
	b.failures++
	if b.failures >= threshold {
		b.openUntil = now.Add(coolDown)
	}
	return false
}

// Release ends a probe whose outcome does not count.
func (b *Breaker) Release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// Failures returns the number of consecutive failures counted.
func (b *Breaker) Failures() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures
}
