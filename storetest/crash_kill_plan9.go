package storetest

import "os"

// killed reports whether the process of ps ended without exiting, as a
// killed one does.
func killed(ps *os.ProcessState) bool { return !ps.Exited() }
