package pebblestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// openPebble opens the database under a lock already held, and turns its
// errors, and any panic on a damaged directory, into errors that say what
// is wrong. The store's logger and event listener record damage that
// pebble meets, now or later, in f, and the logs that pebble creates in
// the seal file of ss (nil for a read-only store).
func openPebble(dir string, lock *dirLock, c config, f *fault, ss *session) (db *pebble.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: %w: pebble failed reading it: %v", ErrNotStore, ErrCorrupt, r)
		}
	}()
	events := eventListener(f)
	if ss != nil {
		events.WALCreated = ss.logCreated
	}
	opts := &pebble.Options{
		Lock:     lock.pebble,
		ReadOnly: c.readOnly,
		// A read-only open must find a database; checkDir made sure.
		ErrorIfNotExists: c.readOnly,
		Logger:           logger{f},
		Merger:           latestMerger,
		EventListener:    events,
		// The plain file system: pebble's default wraps it in a disk
		// health checker, whose goroutine a failed Open leaks and whose
		// reports would go to the informational log dropped here.
		FS: vfs.Default,
	}
	// Bloom filters (10 bits a key, about 1% false positives) in every
	// table spare a Get the levels that do not hold its key. A merge
	// operand, unlike a set, does not end a Get's descent: pebble looks
	// for older operands in every level below, which without filters
	// reads an index and a data block in each. Set on level 0, the policy
	// holds for every level: pebble gives a level without one its parent's.
	opts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	if c.largeTables {
		tuneWrites(opts)
	}
	db, err = pebble.Open(dir, opts)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, pebble.ErrDBDoesNotExist):
		return nil, fmt.Errorf("no store there: %w", os.ErrNotExist)
	case pebble.IsCorruptionError(err):
		return nil, fmt.Errorf("%w: %w: a damaged pebble database: %w; %s", ErrNotStore, ErrCorrupt, err, repairAdvice)
	}
	return nil, fmt.Errorf("%w: pebble cannot open it: %w", ErrNotStore, err)
}

// Engine settings for saves of large batches (see tuneWrites).
const (
	memTableSize          = 32 << 20
	l0CompactionThreshold = 8
	l0StopWritesThreshold = 24
)

// tuneWrites sets pebble's memory tables and level 0 for a store written
// in batches of thousands of changes, under [WithLargeMemTables].
//
// Pebble writes a batch of half a memory table or more (2 MiB under its
// default of 4 MiB, about 7,000 changes of 270 bytes) as a table of its
// own, flushed at once with whatever the memory table held: each such
// Save then adds small tables to level 0, which compactions rewrite into
// the level below, again and again as the store grows. Memory tables of
// 32 MiB take batches of up to 16 MiB and flush about ten of them at once.
// Level 0 is compacted once it is 8 sublevels deep (layers of tables
// whose keys overlap) instead of 4, and writes stall at 24 instead of 12,
// so that each compaction into the level below, whose cost is in the
// tables of that level it rewrites, moves twice as many changes. With
// both, filling 1M entities in batches of 10,000 costs about a third less
// CPU time and takes less than half as long.
//
// The cost is memory: pebble starts with a memory table of 256 KiB and
// doubles it at each flush up to memTableSize, so a store written little
// stays small, but a store under heavy writes holds up to three tables
// of 32 MiB (the one written, one being flushed, one kept for reuse),
// where pebble's default holds 12 MiB. It is also disk: pebble
// preallocates each write-ahead log to 110% of the memory table size and
// keeps logs for reuse, so that after filling and updating 100k entities
// of 270 bytes the directory takes 167 MiB on disk against 23 to 28 MiB
// with the defaults, which is why this is an option. A Get may also look
// in up to 24 sublevels of level 0 instead of 12, most of them skipped by
// their bloom filters.
func tuneWrites(opts *pebble.Options) {
	opts.MemTableSize = memTableSize
	opts.L0CompactionThreshold = l0CompactionThreshold
	opts.L0StopWritesThreshold = l0StopWritesThreshold
}

// writeFormatFile writes formatFile into dir, synced, unless it is there.
func writeFormatFile(dir string) error {
	path := filepath.Join(dir, formatFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "unionstore pebble layout %d\n", formatVersion)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", formatFile, err)
	}
	return nil
}

// isStoreFile reports whether name is a file that pebble, or the store,
// writes in its directory.
func isStoreFile(name string) bool {
	if name == "LOCK" || name == "CURRENT" || name == sealFile || name == sealTemp || name == formatFile {
		return true
	}
	for _, p := range []string{"MANIFEST-", "OPTIONS-", "marker.", "temporary.", "CURRENT."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, s := range []string{".sst", ".log", ".blob", ".dbtmp"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// holdsData reports whether name is a file that only a database writes:
// without a manifest marker beside it, the database has lost its state.
func holdsData(name string) bool {
	if name == sealFile || strings.HasPrefix(name, "MANIFEST-") {
		return true
	}
	for _, s := range []string{".sst", ".log", ".blob"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// isManifest reports whether name shows that a database exists.
func isManifest(name string) bool {
	return name == "CURRENT" || strings.HasPrefix(name, "marker.manifest.")
}

// dirLock is a directory held by a Store: pebble's file lock, which keeps
// other processes out, and an entry in openDirs, which keeps out other
// Stores of this process (the file lock does not: POSIX record locks
// belong to the process, and pebble's own guard compares path strings).
type dirLock struct {
	pebble *pebble.Lock
	key    string
}

var openDirs = struct {
	sync.Mutex
	held map[string]bool
}{held: make(map[string]bool)}

// lockPoll is how often lockDir retries a held directory.
const lockPoll = 20 * time.Millisecond

// lockDir creates dir if needed and locks it, retrying until timeout while
// another holder has it.
func lockDir(dir string, timeout time.Duration) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	key, err := canonical(dir)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		l, err := tryLock(dir, key)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(lockPoll)
	}
}

func tryLock(dir, key string) (*dirLock, error) {
	openDirs.Lock()
	defer openDirs.Unlock()
	if openDirs.held[key] {
		return nil, fmt.Errorf("%w: this process has it open", ErrLocked)
	}
	pl, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		// A failure to create the lock file is a path error; a lock that
		// another process holds is a bare errno from fcntl.
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrLocked, err)
	}
	openDirs.held[key] = true
	return &dirLock{pebble: pl, key: key}, nil
}

// Close releases the directory. The database using it must be closed.
func (l *dirLock) Close() error {
	openDirs.Lock()
	defer openDirs.Unlock()
	delete(openDirs.held, l.key)
	return l.pebble.Close()
}

// canonical returns one name for a directory however its path is spelt.
func canonical(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// syncDir syncs the directory dir, so that a file created in it stays.
func syncDir(dir string) error {
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

// checkDir refuses what Open must not hand to pebble: a file, a directory
// of other files (pebble would write its own among them), and for a
// read-only open, a place without a store.
func checkDir(dir string, readOnly bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist) && readOnly:
		return fmt.Errorf("no store there: %w", err)
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%w: it is a file, not a directory", ErrNotStore)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	exists, data := false, ""
	for _, e := range entries {
		if !isStoreFile(e.Name()) {
			return fmt.Errorf("%w: the directory holds %q, which pebble did not write", ErrNotStore, e.Name())
		}
		if isManifest(e.Name()) {
			exists = true
		}
		if holdsData(e.Name()) {
			data = e.Name()
		}
	}
	if !exists && data != "" {
		// Pebble would take the directory for a new database, and drop
		// the files of the old one as obsolete.
		return fmt.Errorf("%w: %w: the directory holds %q but no manifest marker; %s", ErrNotStore, ErrCorrupt, data, repairAdvice)
	}
	if readOnly && !exists {
		return fmt.Errorf("no store there: %w", os.ErrNotExist)
	}
	return nil
}
