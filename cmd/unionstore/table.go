package main

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// table writes aligned columns in bounded memory: it holds the first rows
// to size the columns, then writes every row as it comes, a wider cell
// pushing the rest of its row right rather than the table being held
// whole. Cells must be escaped by the caller (see [escape]). Output is
// buffered; call flush at the end.
type table struct {
	w      *bufio.Writer
	widths []int
	held   [][]string
	sized  bool
}

// tableSample is how many rows a table holds to size its columns.
const tableSample = 500

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: bufio.NewWriterSize(w, 64<<10)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

// row adds a row.
func (t *table) row(cells ...string) error {
	if t.sized {
		return t.write(cells)
	}
	t.held = append(t.held, cells)
	if len(t.held) >= tableSample {
		return t.release()
	}
	return nil
}

func (t *table) release() error {
	t.sized = true
	for _, r := range t.held {
		for i, c := range r {
			if i >= len(t.widths) {
				t.widths = append(t.widths, 0)
			}
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.held {
		if err := t.write(r); err != nil {
			return err
		}
	}
	t.held = nil
	return nil
}

func (t *table) write(cells []string) error {
	for len(cells) > 1 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1] // no padding after the last word
	}
	for i, c := range cells {
		t.w.WriteString(c)
		if i == len(cells)-1 {
			break
		}
		pad := 2
		if i < len(t.widths) {
			pad += t.widths[i] - utf8.RuneCountInString(c)
		}
		t.w.WriteString(strings.Repeat(" ", max(pad, 1)))
	}
	return t.w.WriteByte('\n')
}

// flush writes the rows held and what is buffered.
func (t *table) flush() error {
	if !t.sized {
		if err := t.release(); err != nil {
			return err
		}
	}
	return t.w.Flush()
}
