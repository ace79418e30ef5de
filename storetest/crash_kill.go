//go:build !plan9

package storetest

import (
	"os"
	"syscall"
)

// killed reports whether the process of ps ended by SIGKILL.
func killed(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
