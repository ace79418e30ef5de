package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
)

// batch is changes that put or unset checks, then writes, as one.
type batch struct {
	changes unionstore.Changes[Record]
	// lines holds the line of standard input of each change, or 0 for a
	// change given as arguments.
	lines []int
	// first and last are the lines the batch covers, blank ones included.
	first, last int
}

// source gives put and unset their changes, batch by batch.
type source interface {
	// next returns the next batch, or an empty one at the end. A batch
	// with a bad line gives a usage error naming every bad line of it.
	next() (batch, error)
	// stdin reports whether the changes come from standard input.
	stdin() bool
}

// sliceSource is changes given as arguments: one batch.
type sliceSource struct {
	changes unionstore.Changes[Record]
	done    bool
}

func (s *sliceSource) stdin() bool { return false }

func (s *sliceSource) next() (batch, error) {
	if s.done {
		return batch{}, nil
	}
	s.done = true
	return batch{changes: s.changes, lines: make([]int, len(s.changes))}, nil
}

// stdinSource reads JSON lines, batch lines at a time.
type stdinSource struct {
	lr        *lineReader
	defaultNS string
	ct        unionstore.ChangeType
	ts        time.Time
	batch     int
	eof       bool
}

func (s *stdinSource) stdin() bool { return true }

func (s *stdinSource) next() (batch, error) {
	var b batch
	if s.eof {
		return b, nil
	}
	b.first = s.lr.line + 1
	var bad []string
	badLines, size := 0, 0
	for len(b.changes) < s.batch && size < maxBatchBytes {
		line, err := s.lr.next()
		if errors.Is(err, io.EOF) {
			s.eof = true
			break
		}
		if err != nil {
			return b, err
		}
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		size += len(line)
		c, err := parseLine(line, s.defaultNS, s.ct, s.ts)
		if err == nil {
			err = validate(c)
		}
		if err != nil {
			if badLines++; len(bad) < maxReported {
				bad = append(bad, fmt.Sprintf("line %d: %v", s.lr.line, err))
			}
			continue
		}
		b.changes = append(b.changes, c)
		b.lines = append(b.lines, s.lr.line)
	}
	b.last = s.lr.line
	if s.eof {
		b.last-- // the line number after the last line
	}
	switch {
	case badLines == 1:
		return b, usageErrorf("standard input %s", bad[0])
	case badLines > 1:
		return b, usageErrorf("standard input has %d bad lines from line %d to %d:%s", badLines, b.first, b.last, indented(bad, badLines))
	}
	return b, nil
}

// validate checks c as a store would, in the terms of the line format.
func validate(c unionstore.Change[Record]) error {
	err := unionstore.Changes[Record]{c}.Validate()
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), unionstore.ErrInvalidChange.Error()+": change 0: "))
}

// indented returns the first problems of n, one per line, indented.
func indented(first []string, n int) string {
	var b strings.Builder
	for _, p := range first {
		b.WriteString("\n  " + p)
	}
	if n > len(first) {
		fmt.Fprintf(&b, "\n  … and %d more", n-len(first))
	}
	return b.String()
}
