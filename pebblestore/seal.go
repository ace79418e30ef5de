package pebblestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// The seal lets Open notice two losses that pebble itself opens without an
// error.
//
// Pebble reads a damaged or cut manifest up to its first bad record and
// opens the older state that the good part describes. So Close, after the
// last write, bumps a counter key in the database (sealKey), flushes
// everything to tables, and only then writes the counter's value to a small
// checksummed file beside pebble's (sealFile). Open compares the two: a
// counter in the database below the file's means that pebble lost what was
// flushed before that Close.
//
// Pebble also opens a directory whose newest write-ahead log is gone as if
// that log had held nothing. So while a store is open for writing, the
// seal file names the newest log that pebble created for it (see
// session.logCreated), and Close clears it. A seal file that still names
// a log at the next Open tells that the session ended without Close, and
// that its last saves are in that log; if no log of that number or above
// is left, Open refuses the directory. A log that is there but damaged
// falls under pebble's own rule for the newest log (see the package doc).
var sealKey = []byte("\x01seal")

// sealFile is the name of the seal in the store's directory; sealTemp is
// the name it is written under before it is renamed into place.
const (
	sealFile = "UNIONSTORE-SEAL"
	sealTemp = "UNIONSTORE-SEAL.tmp"
)

// sealMagic starts the seal file, which then holds the seal, as two
// big-endian uint64s, and the CRC-32C of the bytes before it.
var sealMagic = []byte("unionstore pebble seal 1\n")

const sealSize = 25 + 8 + 8 + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal is the content of the seal file.
type seal struct {
	// counter is the value of sealKey that the last sealing Close wrote.
	counter uint64
	// openLog is the number of the write-ahead log that pebble created
	// when the store was last opened for writing, until Close clears it;
	// zero after a Close.
	openLog uint64
}

// readSeal returns the seal file of dir, and false if there is none. A seal
// file that is damaged gives ErrNotStore and ErrCorrupt.
func readSeal(dir string) (seal, bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, sealFile))
	if errors.Is(err, os.ErrNotExist) {
		return seal{}, false, nil
	}
	if err != nil {
		return seal{}, false, fmt.Errorf("read %s: %w", sealFile, err)
	}
	n := len(sealMagic)
	if len(data) != sealSize || string(data[:n]) != string(sealMagic) ||
		crc32.Checksum(data[:sealSize-4], castagnoli) != binary.BigEndian.Uint32(data[sealSize-4:]) {
		return seal{}, false, fmt.Errorf("%w: %w: %s is damaged; %s", ErrNotStore, ErrCorrupt, sealFile, repairAdvice)
	}
	return seal{counter: binary.BigEndian.Uint64(data[n:]), openLog: binary.BigEndian.Uint64(data[n+8:])}, true, nil
}

// checkSessionLog refuses a directory whose last writing session ended
// without Close, and in which no write-ahead log of that session is left.
// It runs before pebble opens the directory.
func checkSessionLog(dir string, sl seal) error {
	if sl.openLog == 0 {
		return nil
	}
	newest, err := newestLog(dir)
	if err != nil {
		return err
	}
	if newest < sl.openLog {
		return fmt.Errorf("%w: %w: the last session ended without Close, and its write-ahead log %06d.log is gone, with what it saved; %s",
			ErrNotStore, ErrCorrupt, sl.openLog, repairAdvice)
	}
	return nil
}

// newestLog returns the highest number of a write-ahead log in dir, or 0.
func newestLog(dir string) (uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var newest uint64
	for _, e := range entries {
		num, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(num, 10, 64); err == nil {
			newest = max(newest, n)
		}
	}
	return newest, nil
}

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

// checkSeal compares the counter that pebble recovered with the seal
// file's, and returns the recovered one.
func checkSeal(db *pebble.DB, sl seal) (uint64, error) {
	stored, err := readSealKey(db)
	if err != nil {
		return 0, err
	}
	if stored < sl.counter {
		return 0, fmt.Errorf("%w: %w: the store was sealed by its %d. Close, but pebble recovered the state of the %d.: "+
			"a damaged manifest or a lost table has lost data saved before the last Close; %s",
			ErrNotStore, ErrCorrupt, sl.counter, stored, repairAdvice)
	}
	return stored, nil
}

// session keeps the seal file of a store open for writing naming the
// newest write-ahead log of the session.
type session struct {
	dir string

	mu      sync.Mutex
	counter uint64 // the seal counter to keep in the file
	ended   bool   // Close has cleared the log from the file
}

// logCreated is pebble's WALCreated event. Pebble calls it from the
// creation of a log, before any batch is written to it and before the
// memory table of the previous log is flushed, which is what lets pebble
// delete the previous log: so the seal file names the new log before a
// save can depend on it, and a log of the session at least that new is
// on disk for as long as the session runs.
func (ss *session) logCreated(info pebble.WALCreateInfo) {
	if info.Err != nil {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.ended {
		return
	}
	// On failure the file keeps naming an older log, which only weakens
	// the check: a newer log on disk satisfies it.
	if err := writeSeal(ss.dir, seal{counter: ss.counter, openLog: uint64(info.FileNum)}); err != nil {
		pebble.DefaultLogger.Errorf("pebblestore: %q: record the write-ahead log %s in %s: %v", ss.dir, info.FileNum, sealFile, err)
	}
}

// setCounter sets the counter that the seal file keeps while the session
// runs.
func (ss *session) setCounter(n uint64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.counter = n
}

// end writes the seal file of a closed session: the counter, no log.
func (ss *session) end(n uint64) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.ended, ss.counter = true, n
	return writeSeal(ss.dir, seal{counter: n})
}

// closeSession runs in Close, after the last write. On a store that was
// written to, it bumps the counter in the database and flushes every write
// to tables; then it writes the counter to the seal file, with no log.
func (d *driver) closeSession() error {
	n := d.sealed
	if d.wrote.Load() {
		n++
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], n)
		if err := d.db.Set(sealKey, v[:], pebble.Sync); err != nil {
			return fmt.Errorf("write the seal: %w", err)
		}
		if err := d.db.Flush(); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
	}
	if err := d.session.end(n); err != nil {
		return fmt.Errorf("write %s: %w", sealFile, err)
	}
	d.sealed = n
	return nil
}

// writeSeal replaces the seal file of dir, durably: a crash leaves the old
// seal or the new one.
func writeSeal(dir string, sl seal) error {
	data := make([]byte, 0, sealSize)
	data = append(data, sealMagic...)
	data = binary.BigEndian.AppendUint64(data, sl.counter)
	data = binary.BigEndian.AppendUint64(data, sl.openLog)
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
	return syncDir(dir)
}
