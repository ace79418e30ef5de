package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where the benchmarks ran.
type Machine struct {
	CPU       string
	Cores     int
	MemoryGiB float64
	Go        string
	OS        string
}

// DescribeMachine reads the processor's model and the memory from /proc
// where it exists, and asks the go command on PATH for its version: the
// version that builds the benchmarks, not necessarily the one that built
// this tool.
func DescribeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version(), CPU: "unknown"}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	if v, ok := procField("/proc/cpuinfo", "model name"); ok {
		m.CPU = v
	}
	if v, ok := procField("/proc/meminfo", "MemTotal"); ok {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.MemoryGiB = kb / (1 << 20)
		}
	}
	return m
}

func (m Machine) String() string {
	mem := "unknown memory"
	if m.MemoryGiB > 0 {
		mem = fmt.Sprintf("%.1f GiB memory", m.MemoryGiB)
	}
	return fmt.Sprintf("%d cores (%s), %s, %s, %s", m.Cores, m.CPU, mem, m.OS, m.Go)
}

// procField returns the value of the first line of a /proc file that
// starts with key, after its colon.
func procField(path, key string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
