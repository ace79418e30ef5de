package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2"
)

// The seal lets Open notice that pebble recovered less than a Close left.
//
// Pebble reads a damaged or cut manifest up to its first bad record and
// opens the older state it describes, and it opens a directory whose
// newest write-ahead log is gone as if that log had held nothing; either
// way it returns no error and the data is silently older. So Close, after
// the last write, bumps a counter key in the database (sealKey), flushes
// everything to tables, and only then writes the counter's value to a
// small checksummed file beside pebble's (sealFile). Open compares the
// two: a counter in the database below the file's means that pebble lost
// what was flushed before that Close, and Open refuses the directory with
// ErrNotStore. What a process saved after its last Close is only in the
// write-ahead log until the next Close; see the package doc for what
// damage to that log can lose.
var sealKey = []byte("\x01seal")

// sealFile is the name of the seal in the store's directory; sealTemp is
// the name it is written under before it is renamed into place.
const (
	sealFile = "UNIONSTORE-SEAL"
	sealTemp = "UNIONSTORE-SEAL.tmp"
)

// sealMagic starts the seal file, which then holds the counter, big-endian,
// and the CRC-32C of the magic and counter.
var sealMagic = []byte("unionstore pebble seal 1\n")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// readSealKey returns the counter stored in db, or 0 if there is none.
func readSealKey(db *pebble.DB) (uint64, error) {
	v, closer, err := db.Get(sealKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the seal: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: the seal in the database is %d bytes, want 8", ErrNotStore, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// readSealFile returns the counter of the seal file in dir, and false if
// there is no seal file. A seal file that is damaged gives ErrNotStore.
func readSealFile(dir string) (uint64, bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, sealFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", sealFile, err)
	}
	n := len(sealMagic)
	if len(data) != n+12 || string(data[:n]) != string(sealMagic) ||
		crc32.Checksum(data[:n+8], castagnoli) != binary.BigEndian.Uint32(data[n+8:]) {
		return 0, false, fmt.Errorf("%w: %w: %s is damaged", ErrNotStore, ErrCorrupt, sealFile)
	}
	return binary.BigEndian.Uint64(data[n:]), true, nil
}

// checkSeal compares the counter that pebble recovered with the seal file.
func checkSeal(dir string, db *pebble.DB) (uint64, error) {
	stored, err := readSealKey(db)
	if err != nil {
		return 0, err
	}
	sealed, ok, err := readSealFile(dir)
	if err != nil || !ok {
		return stored, err
	}
	if stored < sealed {
		return 0, fmt.Errorf("%w: %w: the store was closed for the %d. time, but pebble recovered the state of the %d. close: "+
			"a damaged manifest or a lost table or log has lost data saved before the last close; %s",
			ErrNotStore, ErrCorrupt, sealed, stored, repairAdvice)
	}
	return stored, nil
}

// seal bumps the counter in the database, flushes every write to tables,
// and writes the counter to the seal file. It runs in Close, after the last
// write.
func (s *Store[E]) seal() error {
	n := s.sealed + 1
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], n)
	if err := s.db.Set(sealKey, v[:], pebble.Sync); err != nil {
		return fmt.Errorf("write the seal: %w", err)
	}
	if err := s.db.Flush(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if err := writeSealFile(s.dir, n); err != nil {
		return fmt.Errorf("write %s: %w", sealFile, err)
	}
	s.sealed = n
	return nil
}

// writeSealFile replaces the seal file of dir, durably: a crash leaves the
// old seal or the new one.
func writeSealFile(dir string, n uint64) error {
	data := make([]byte, 0, len(sealMagic)+12)
	data = append(data, sealMagic...)
	data = binary.BigEndian.AppendUint64(data, n)
	data = binary.BigEndian.AppendUint32(data, crc32.Checksum(data, castagnoli))
	tmp := filepath.Join(dir, sealTemp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, sealFile))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
