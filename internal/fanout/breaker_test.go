package fanout

import (
	"testing"
	"time"
)

// step is one call on a breaker: at is the time after the start, failed
// the call's outcome; wantOK and wantProbe are what Allow must say, and
// wantClosed what Record must say when the call was allowed.
type step struct {
	at                time.Duration
	failed            bool
	wantOK, wantProbe bool
	wantClosed        bool
	abandon           bool // the call's outcome never comes
	release           bool // the call's outcome does not count
}

func TestBreaker(t *testing.T) {
	const coolDown = time.Minute
	tests := []struct {
		name      string
		threshold int
		steps     []step
	}{
		{"off below a threshold of 1", 0, []step{
			{at: 0, failed: true, wantOK: true},
			{at: 1, failed: true, wantOK: true},
			{at: 2, failed: true, wantOK: true},
		}},
		{"opens after threshold consecutive failures", 2, []step{
			{at: 0, failed: true, wantOK: true},
			{at: 1, failed: true, wantOK: true},
			{at: 2, wantOK: false},
			{at: coolDown, wantOK: false},
		}},
		{"a success resets the count", 2, []step{
			{at: 0, failed: true, wantOK: true},
			{at: 1, wantOK: true},
			{at: 2, failed: true, wantOK: true},
			{at: 3, wantOK: true},
		}},
		{"a probe after the cool-down closes it on success", 1, []step{
			{at: 0, failed: true, wantOK: true},
			{at: coolDown + 1, wantOK: true, wantProbe: true, wantClosed: true},
			{at: coolDown + 2, wantOK: true},
		}},
		{"a failed probe opens it for another cool-down", 1, []step{
			{at: 0, failed: true, wantOK: true},
			{at: coolDown + 1, failed: true, wantOK: true, wantProbe: true},
			{at: coolDown + 2, wantOK: false},
			{at: 2*coolDown + 2, wantOK: true, wantProbe: true, wantClosed: true},
		}},
		{"one probe at a time, until an abandoned probe's cool-down", 1, []step{
			{at: 0, failed: true, wantOK: true},
			{at: coolDown + 1, wantOK: true, wantProbe: true, abandon: true},
			{at: coolDown + 2, wantOK: false},
			{at: 2*coolDown + 1, wantOK: true, wantProbe: true, wantClosed: true},
		}},
		{"a released probe lets the next call probe", 1, []step{
			{at: 0, failed: true, wantOK: true},
			{at: coolDown + 1, wantOK: true, wantProbe: true, release: true},
			{at: coolDown + 2, wantOK: true, wantProbe: true, wantClosed: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Breaker
			start := time.Unix(0, 0)
			for j, s := range tt.steps {
				now := start.Add(s.at)
				ok, probe := b.Allow(tt.threshold, coolDown, now)
				if ok != s.wantOK || probe != s.wantProbe {
					t.Fatalf("step %d: Allow = %v, %v, want %v, %v", j, ok, probe, s.wantOK, s.wantProbe)
				}
				switch {
				case !ok || s.abandon:
				case s.release:
					b.Release()
				default:
					if closed := b.Record(tt.threshold, coolDown, s.failed, now); closed != s.wantClosed {
						t.Fatalf("step %d: Record(failed %v) = %v, want %v", j, s.failed, closed, s.wantClosed)
					}
				}
			}
		})
	}
}

func TestBreakerFailures(t *testing.T) {
	var b Breaker
	now := time.Unix(0, 0)
	for want := 1; want <= 3; want++ {
		b.Record(5, time.Minute, true, now)
		if got := b.Failures(); got != want {
			t.Fatalf("Failures() = %d after %d failures, want %d", got, want, want)
		}
	}
	b.Record(5, time.Minute, false, now)
	if got := b.Failures(); got != 0 {
		t.Fatalf("Failures() = %d after a success, want 0", got)
	}
}
