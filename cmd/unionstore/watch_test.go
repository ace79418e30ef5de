package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// lockedBuffer is a buffer that a running command writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// memoryStores registers the scheme mem://N for the test, each a Memory.
func memoryStores(t *testing.T, n int) []*unionstore.Memory[Record] {
	t.Helper()
	stores := make([]*unionstore.Memory[Record], n)
	for i := range stores {
		stores[i] = unionstore.NewMemory[Record]()
	}
	openers["mem"] = func(_ context.Context, addr string, _ openOptions) (store, error) {
		var i int
		if _, err := fmt.Sscanf(addr, "mem://%d", &i); err != nil || i >= n {
			return nil, fmt.Errorf("no test store %q", addr)
		}
		return keepOpen{stores[i]}, nil
	}
	t.Cleanup(func() { delete(openers, "mem") })
	return stores
}

// keepOpen is a Memory that the command's Close leaves open, so that the
// test can run the command again on the same data.
type keepOpen struct{ *unionstore.Memory[Record] }

func (keepOpen) Close() error { return nil }

// watching runs watch with args until stop is called, which interrupts it
// and returns its status, standard output and standard error.
func watching(t *testing.T, args ...string) (stdout *lockedBuffer, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &lockedBuffer{}
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, &env{stdout: stdout, stderr: &stderr}, append([]string{"watch"}, args...)) }()
	return stdout, func() (int, string) {
		cancel()
		return <-done, stderr.String()
	}
}

func record(id, body string, ts int) unionstore.Change[Record] {
	return unionstore.Change[Record]{Namespace: "shop", ChangeType: unionstore.ChangeTypeSet,
		Entity: Record{Kind: "customer", ID: id, Body: []byte(body)}, Timestamp: time.Unix(int64(ts), 0)}
}

// waitFor waits until out holds want.
func waitFor(t *testing.T, out *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q never held %q", out.String(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatchPrintsChangesAndResumes(t *testing.T) {
	stores := memoryStores(t, 2)
	ctx := context.Background()
	out, stop := watching(t, "--store", "mem://0", "--store", "mem://1", "--json", "shop")
	time.Sleep(50 * time.Millisecond) // the watch starts from now
	if err := stores[0].Save(ctx, unionstore.Changes[Record]{record("c1", `"Ada"`, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := stores[1].Save(ctx, unionstore.Changes[Record]{record("c2", `"Grace"`, 2)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, out, `"Grace"`)
	status, stderr := stop()
	if status != exitOK || !strings.Contains(out.String(), `"Ada"`) {
		t.Fatalf("watch = %d, stdout %q, stderr %q", status, out.String(), stderr)
	}
	_, cursor, ok := strings.Cut(strings.TrimSpace(stderr), "resume with: --from ")
	if !ok || cursor == "" {
		t.Fatalf("stderr %q names no cursor", stderr)
	}

	// Changes made while nobody watched come first when resuming.
	if err := stores[1].Save(ctx, unionstore.Changes[Record]{record("c3", `"Edsger"`, 3)}); err != nil {
		t.Fatal(err)
	}
	out, stop = watching(t, "--store", "mem://0", "--store", "mem://1", "--from", cursor, "shop")
	waitFor(t, out, "Edsger")
	status, stderr = stop()
	if status != exitOK || strings.Contains(out.String(), "Ada") || strings.Contains(out.String(), "Grace") {
		t.Fatalf("resumed watch = %d, stdout %q, stderr %q; want only c3", status, out.String(), stderr)
	}
}

func TestWatchRefusals(t *testing.T) {
	memoryStores(t, 1)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"shop"}, "no --store given"},
		{[]string{"--store", "mem://0"}, "want one NAMESPACE"},
		{[]string{"--store", "mem://0", "--from", "bogus", "shop"}, "load it again and watch from now"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		status := run(context.Background(), &env{stdout: &stdout, stderr: &stderr}, append([]string{"watch"}, tc.args...))
		if status != exitFailure || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("watch %q = %d, stderr %q; want failure saying %q", tc.args, status, stderr.String(), tc.want)
		}
	}
}
