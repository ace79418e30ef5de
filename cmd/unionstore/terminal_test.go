package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Fatalf("naming the pseudo-terminal: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatalf("opening the pseudo-terminal: %v", err)
	}
	return master, slave
}

// runOnTerminal runs the command in dir with the streams named in onTTY
// ("stdin", "stdout", "stderr") on a pseudo-terminal, the others piped,
// and returns what the terminal showed and what the pipes carried.
func runOnTerminal(t *testing.T, dir string, onTTY []string, args ...string) (tty, stdout string, status int) {
	t.Helper()
	master, slave := openPTY(t)
	defer master.Close()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), &out, io.Discard
	for _, s := range onTTY {
		switch s {
		case "stdin":
			cmd.Stdin = slave
		case "stdout":
			cmd.Stdout = slave
		case "stderr":
			cmd.Stderr = slave
		}
	}
	var shown bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&shown, master) // ends with EIO once the child is gone
		close(copied)
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	if slices := onTTY; len(slices) > 0 && slices[0] == "stdin" {
		time.Sleep(200 * time.Millisecond) // let the prompt be written
		master.Write([]byte{4})            // Ctrl-D: end of input
	}
	err := cmd.Wait()
	<-copied
	if ee, ok := err.(*exec.ExitError); ok {
		status = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return shown.String(), out.String(), status
}

func TestProgressBarOnATerminal(t *testing.T) {
	dir := t.TempDir()
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, `{"kind":"k","id":"r%05d","body":%d}`+"\n", i, i)
	}
	must(t, dir, exitOK, in.String(), "put", "--quiet", "--store", "a.db", "shop")
	tty, stdout, status := runOnTerminal(t, dir, []string{"stderr"}, "sync", "a.db", "b.db")
	if status != exitOK {
		t.Fatalf("sync on a terminal: status %d:\n%s", status, tty)
	}
	bar := regexp.MustCompile(`\rsync shop \[=+\] 100% 3000/3000 [0-9.]+[kM]?/s, 0:00 left`)
	if !bar.MatchString(tty) {
		t.Errorf("stderr on a terminal shows no bar with rate and time left: %q", tty)
	}
	if !strings.HasSuffix(tty, "\r\033[K") {
		t.Errorf("the bar is not cleared at the end: %q", tty)
	}
	contains(t, "stdout", stdout, "shop: copied 3000 changes to b.db")

	// --quiet: no bar.
	tty, _, _ = runOnTerminal(t, dir, []string{"stderr"}, "repair", "--quiet", "--store", "a.db", "--store", "c.db")
	if tty != "" {
		t.Errorf("repair --quiet on a terminal showed %q", tty)
	}
}

func TestTerminalOutputIsEscaped(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, `{"kind":"k","id":"\u001b]0;pwned\u0007","body":"\u009b31m\u202e"}`+"\n", "put", "--store", "s.db", "shop")
	for _, args := range [][]string{
		{"load", "--store", "s.db", "shop"},
		{"load", "--store", "s.db", "--json", "shop"},
		{"get", "--store", "s.db", "--json", "shop", "k", "\x1b]0;pwned\x07"},
		{"check", "--store", "s.db", "--store", "t.db", "--json", "shop"},
	} {
		if args[0] == "check" {
			must(t, dir, exitOK, "", "put", "--store", "t.db", "other", "k", "x", "1")
		}
		tty, _, _ := runOnTerminal(t, dir, []string{"stdout"}, args...)
		if strings.ContainsAny(tty, "\x1b\x07\u009b\u202e") {
			t.Errorf("unionstore %q wrote raw control characters to the terminal: %q", args, tty)
		}
		if !strings.Contains(tty, `pwned`) {
			t.Errorf("unionstore %q on a terminal = %q, want the escaped record", args, tty)
		}
	}
}

func TestPutSaysItWaitsForATerminal(t *testing.T) {
	dir := t.TempDir()
	tty, stdout, status := runOnTerminal(t, dir, []string{"stdin", "stderr"}, "put", "--store", "s.db", "shop")
	if status != exitOK {
		t.Fatalf("put from a terminal: status %d: %q", status, tty)
	}
	contains(t, "put from a terminal", tty, "reading JSON lines from the terminal; end with Ctrl-D")
	contains(t, "stdout of put from a terminal", stdout, "wrote 0 changes to s.db")
}

func TestInterruptLeavesTheStoreConsistent(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "put", "--store", "s.db", "--batch", "500", "shop")
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range 1700 {
		fmt.Fprintf(in, `{"kind":"k","id":"r%05d","body":%d}`+"\n", i, i)
	}
	// The command now waits for more input, with whole batches written.
	// Wait for the file, then for the writes to settle.
	for range 100 {
		if _, err := os.Stat(filepath.Join(dir, "s.db")); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	in.Close()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("interrupted put: %v, want exit status 130\nstderr:\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`interrupted; wrote lines 1 to \d+ \((\d+) changes\) before it`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("interrupted put says %q, want what it wrote", stderr.String())
	}
	r := must(t, dir, exitOK, "", "namespaces", "--store", "s.db")
	if want := fmt.Sprintf("s.db   shop       %s ", m[1]); !strings.Contains(r.stdout, want) {
		t.Errorf("after the interrupt the store holds\n%s\nwant the %s changes put said it wrote", r.stdout, m[1])
	}
}
