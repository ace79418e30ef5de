package kafkastore_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/unionstore/unionstore/storetest"
)

// clusterEnv, set, makes the test binary serve an in-process cluster to
// another test process instead of running its tests (see TestMain).
const clusterEnv = "KAFKASTORE_TEST_SERVE_CLUSTER"

// serveCluster is the work of a test binary started with clusterEnv: it
// starts an in-process cluster, prints its brokers on a line of their
// own, and serves until its standard input closes. It returns the
// process's exit code.
func serveCluster() int {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		fmt.Fprintf(os.Stderr, "start the cluster: %v\n", err)
		return 1
	}
	defer c.Close()
	fmt.Printf("brokers %s\n", strings.Join(c.ListenAddrs(), ","))
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// separateURL returns the URL of a new topic on brokers that do not
// share the test's heap, so that a measure of the heap counts the
// store's client alone: the brokers of UNIONSTORE_KAFKA_BROKERS, or an
// in-process cluster in a child process, the test binary itself, stopped
// when the test ends.
func separateURL(tb testing.TB) string {
	tb.Helper()
	if server.URL() != inProcess {
		return topicURL(tb, newTopic(tb))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), clusterEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start the cluster's process: %v", err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("the cluster's process: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			tb.Errorf("the cluster's process did not end within 10s of its input closing")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	brokers, ok := strings.CutPrefix(strings.TrimSpace(line), "brokers ")
	if err != nil || !ok {
		tb.Fatalf("the cluster's process printed %q, %v; want its brokers", line, err)
	}
	return "kafka://" + brokers + "/" + storetest.UniqueName("unionstore-test-")
}
