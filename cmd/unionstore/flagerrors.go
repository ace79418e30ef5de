package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// flagError returns an error of the flag package in the command's terms:
// flags named with two dashes, as --help lists them, a value quoted after
// its flag, and an unknown flag followed by the nearest known one.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near := nearest(name, names); near != "" {
			return usageErrorf("unknown flag --%s; did you mean --%s?", name, near)
		}
		return usageErrorf("unknown flag --%s", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usageErrorf("--%s needs a value", name)
	}
	for _, form := range []struct{ prefix, middle, sep string }{
		{"invalid value ", " for flag -", " "},
		{"invalid boolean value ", " for -", "="},
	} {
		rest, ok := strings.CutPrefix(msg, form.prefix)
		if !ok {
			continue
		}
		quoted, err := strconv.QuotedPrefix(rest)
		if err != nil {
			break
		}
		rest, ok = strings.CutPrefix(rest[len(quoted):], form.middle)
		name, why, found := strings.Cut(rest, ": ")
		if !ok || !found {
			break
		}
		if why == "parse error" {
			why = "want a whole number"
		}
		return usageErrorf("--%s%s%s: %s", name, form.sep, quoted, why)
	}
	return &usageError{err}
}

// nearest returns the one of names closest to word, when it is a likely
// misspelling of it (at most two edits, or a prefix of it), or "".
func nearest(word string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		d := editDistance(word, n)
		if len(word) > 1 && strings.HasPrefix(n, word) {
			d = min(d, 1)
		}
		if d < bestDist || (d == bestDist && best != "" && len(n) < len(best)) {
			best, bestDist = n, d
		}
	}
	if bestDist > 2 || bestDist >= len(word) {
		return ""
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b, counted
// in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownCommand returns the message for a command name that is not one,
// with the nearest command when it is a likely misspelling.
func unknownCommand(name string) string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	if near := nearest(name, names); near != "" {
		return fmt.Sprintf("unionstore: unknown command %q; did you mean %q? Run 'unionstore help' for the list.", name, near)
	}
	return fmt.Sprintf("unionstore: unknown command %q; run 'unionstore help' for the list", name)
}
