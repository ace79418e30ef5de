package boltstore

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// The parts of bbolt's file format that checkFile reads (bbolt's
// internal/common: page.go and meta.go). A page starts with a 16-byte
// header: id uint64, flags uint16, count uint16, overflow uint32, in the
// machine's byte order. Pages 0 and 1 hold a meta after their header:
// magic, version, page size, flags (uint32 each), the root bucket (root
// page uint64, sequence uint64), the freelist page, the high-water page
// id, the transaction id and an FNV-64a checksum of the fields before it
// (uint64 each).
const (
	boltPageHeader   = 16
	boltMetaSize     = 64
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltBranchPage   = 0x01
	boltLeafPage     = 0x02
	boltFreelistPage = 0x10
	boltNoFreelist   = ^uint64(0)
)

type boltMeta struct {
	pageSize                   uint64
	root, freelist, pgid, txid uint64
}

// checkFile compares the file at path with its bbolt metadata before bbolt
// maps it: a file cut shorter than the pages its metadata counts would make
// bbolt fault past the end of the map, and a root or freelist page that is
// not one would make it panic while opening, with the file still open and
// locked. Either gives an error wrapping [ErrCorrupt]. A missing or empty
// file, or one whose metadata does not validate, is left to bbolt, which
// creates the one and refuses the other.
func checkFile(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	m0, ok0 := readMeta(f, 0)
	var m1 boltMeta
	ok1 := false
	if ok0 {
		m1, ok1 = readMeta(f, m0.pageSize)
	} else {
		// The second meta sits one page in; without the first, its page
		// size is found where a meta of that size validates.
		for size := uint64(512); size <= 1<<16 && !ok1; size *= 2 {
			m1, ok1 = readMeta(f, size)
			ok1 = ok1 && m1.pageSize == size
		}
	}
	var m boltMeta
	switch {
	case ok0 && ok1:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case ok0:
		m = m0
	case ok1:
		m = m1
	default:
		return nil // not a bolt file, or both metas damaged: bbolt says which
	}
	if need := m.pgid * m.pageSize; uint64(fi.Size()) < need {
		return fmt.Errorf("%w: the file has %d bytes but its metadata counts %d pages of %d bytes (%d bytes): it was cut short; %s",
			ErrCorrupt, fi.Size(), m.pgid, m.pageSize, need, repairAdvice)
	}
	pages := []struct {
		name  string
		id    uint64
		flags []uint16
	}{{"root", m.root, []uint16{boltBranchPage, boltLeafPage}}}
	if m.freelist != boltNoFreelist {
		pages = append(pages, struct {
			name  string
			id    uint64
			flags []uint16
		}{"freelist", m.freelist, []uint16{boltFreelistPage}})
	}
	for _, p := range pages {
		var h [boltPageHeader]byte
		if p.id < 2 || p.id >= m.pgid {
			return fmt.Errorf("%w: the %s page %d is outside the file's %d pages; %s", ErrCorrupt, p.name, p.id, m.pgid, repairAdvice)
		}
		if _, err := f.ReadAt(h[:], int64(p.id*m.pageSize)); err != nil {
			return fmt.Errorf("%w: reading the %s page: %w", ErrCorrupt, p.name, err)
		}
		id, flags := binary.NativeEndian.Uint64(h[:]), binary.NativeEndian.Uint16(h[8:])
		overflow := uint64(binary.NativeEndian.Uint32(h[12:]))
		if id != p.id || !contains(p.flags, flags) || p.id+overflow >= m.pgid {
			return fmt.Errorf("%w: page %d, the %s page, is damaged (it reads as page %d with flags %#x); %s", ErrCorrupt, p.id, p.name, id, flags, repairAdvice)
		}
	}
	return nil
}

func contains(set []uint16, v uint16) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// readMeta reads the meta of the page at offset, and reports whether it is
// a valid bbolt meta.
func readMeta(r io.ReaderAt, offset uint64) (boltMeta, bool) {
	var b [boltPageHeader + boltMetaSize]byte
	if _, err := r.ReadAt(b[:], int64(offset)); err != nil {
		return boltMeta{}, false
	}
	m := b[boltPageHeader:]
	e := binary.NativeEndian
	h := fnv.New64a()
	h.Write(m[:56])
	if e.Uint32(m[0:]) != boltMagic || e.Uint32(m[4:]) != boltVersion || h.Sum64() != e.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	meta := boltMeta{
		pageSize: uint64(e.Uint32(m[8:])),
		root:     e.Uint64(m[16:]),
		freelist: e.Uint64(m[32:]),
		pgid:     e.Uint64(m[40:]),
		txid:     e.Uint64(m[48:]),
	}
	if meta.pageSize < 512 || meta.pageSize > 1<<20 {
		return boltMeta{}, false
	}
	return meta, true
}
