package pebblestore

import (
	"bytes"
	"testing"
)

// TestArenaCopies copies values of many sizes, the chunks filling and
// growing: every copy must keep its bytes, and end where its value ends,
// so that appending to it cannot overwrite the next.
func TestArenaCopies(t *testing.T) {
	for _, sizes := range [][]int{{0, 1, 2}, {arenaFirst, 1, arenaFirst - 1}, {100, arenaMax + 1, 100}, {7, 700, 7000, 70000, 700000}} {
		var a arena
		var vals, copies [][]byte
		for i, n := range sizes {
			v := bytes.Repeat([]byte{byte('a' + i)}, n)
			vals, copies = append(vals, v), append(copies, a.copy(v))
		}
		for i := range vals {
			if !bytes.Equal(copies[i], vals[i]) {
				t.Errorf("sizes %v: copy %d holds %.10q..., want %.10q...", sizes, i, copies[i], vals[i])
			}
			if cap(copies[i]) != len(copies[i]) {
				t.Errorf("sizes %v: copy %d has capacity %d beyond its %d bytes", sizes, i, cap(copies[i]), len(copies[i]))
			}
		}
	}
}
