package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The flag values here know whether they were given, and refuse what
// could be misread, so that no value given to a command that removes or
// overwrites records is taken for "not given": an age of 0, an empty
// time, a blank address or --dry-run=0.

// ageUnits says what an age or a wait is written as.
const ageUnits = "a number and a unit, s, m, h or d, as in 30d, 720h or 1d12h"

// ageFlag is a duration flag, such as --tombstones-older-than: given, it
// is greater than 0.
type ageFlag struct {
	d   time.Duration
	set bool
}

func (a *ageFlag) String() string {
	if a == nil || !a.set {
		return ""
	}
	return formatAge(a.d)
}

func (a *ageFlag) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	a.d, a.set = d, true
	return nil
}

// maxAge is the longest age parseAge takes.
const maxAge = 100 * 365 * 24 * time.Hour

// parseAge parses a duration greater than 0: a number and a unit (s, m, h
// or d for 24 hours, or the smaller units that Go's durations take),
// repeated, as in 1d12h. Spaces around it are ignored. Its errors follow
// the flag and its value in a message.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty; want " + ageUnits)
	}
	body, negative := strings.CutPrefix(s, "-")
	if !negative {
		body = strings.TrimPrefix(body, "+")
	}
	tooLong := fmt.Errorf("too long; want at most %s", formatAge(maxAge))
	var d time.Duration
	if days, rest, ok := strings.Cut(body, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 64)
		if err != nil {
			return 0, errors.New("want " + ageUnits + ", with a whole number of days")
		}
		if n > uint64(maxAge/(24*time.Hour)) {
			return 0, tooLong
		}
		d = time.Duration(n) * 24 * time.Hour
		body = rest
	}
	if body != "" {
		r, err := time.ParseDuration(body)
		if err != nil || strings.HasPrefix(body, "-") || strings.HasPrefix(body, "+") {
			return 0, errors.New("want " + ageUnits)
		}
		if r > maxAge-d {
			return 0, tooLong
		}
		d += r
	}
	switch {
	case d == 0:
		return 0, errors.New("is 0; want " + ageUnits)
	case negative:
		return 0, errors.New("is negative; want " + ageUnits)
	}
	return d, nil
}

// formatAge writes d in days and the rest, as parseAge reads it.
func formatAge(d time.Duration) string {
	const day = 24 * time.Hour
	if d < day {
		return d.String()
	}
	days, rest := d/day, d%day
	if rest == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%s", days, rest)
}

// timeFlag is an RFC 3339 time flag, such as --tombstones-before or --at:
// given, it is a time in the range a change may carry, and not after the
// moment it was parsed when past is true.
type timeFlag struct {
	t    time.Time
	set  bool
	past bool
}

func (f *timeFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return f.t.Format(time.RFC3339Nano)
}

func (f *timeFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("empty; want an RFC 3339 time such as 2026-01-02T15:04:05Z")
	}
	t, err := parseTime(s)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "timestamp "+quote(s)+": "))
	}
	if now := time.Now(); f.past && t.After(now) {
		return fmt.Errorf("in the future; want a time before now, such as %s", now.Add(-30*24*time.Hour).UTC().Format(time.RFC3339))
	}
	f.t, f.set = t, true
	return nil
}

// switchFlag is a boolean flag, such as --yes or --dry-run, that takes no
// value or exactly true or false: --dry-run=0 or --yes= is refused rather
// than read as false, which for --dry-run would write.
type switchFlag struct{ on bool }

func (b *switchFlag) IsBoolFlag() bool { return true }

func (b *switchFlag) String() string {
	if b == nil {
		return "false"
	}
	return strconv.FormatBool(b.on)
}

func (b *switchFlag) Set(s string) error {
	switch s {
	case "true":
		b.on = true
	case "false":
		b.on = false
	default:
		return errors.New("want the flag alone, or =true or =false")
	}
	return nil
}

// checkAddr refuses a store address that is empty, blank, or begins or
// ends with a space: opened for writing, " " would be a new bolt file
// named by a space.
func checkAddr(addr string) error {
	switch trimmed := strings.TrimSpace(addr); {
	case addr == "":
		return errors.New("empty store address")
	case trimmed == "":
		return fmt.Errorf("store address %q is blank", addr)
	case trimmed != addr:
		return fmt.Errorf("store address %q begins or ends with a space; remove it", addr)
	}
	return nil
}

// addrFlag is one store address, such as --from or --to, checked by
// checkAddr.
type addrFlag struct{ addr string }

func (a *addrFlag) String() string {
	if a == nil {
		return ""
	}
	return a.addr
}

func (a *addrFlag) Set(s string) error {
	if err := checkAddr(s); err != nil {
		return err
	}
	a.addr = s
	return nil
}
