package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Exit statuses, as diff(1) and shells have them.
const (
	exitOK          = 0   // done; for check, the stores are equal
	exitDiffer      = 1   // check found differences; get found nothing; put kept newer changes
	exitFailure     = 2   // bad usage, bad address, unreadable store, failed command
	exitInterrupted = 130 // stopped by Ctrl-C (128 + SIGINT), as shells report it
)

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// progress is true when stderr is a terminal that can show a progress
	// bar.
	progress bool
	// stdinTerminal and stdoutTerminal say whether standard input and
	// output are terminals: put then says it waits for input, and output
	// is escaped as on the table.
	stdinTerminal, stdoutTerminal bool
	// quiet silences the summaries and the progress bar; errors are still
	// reported.
	quiet bool
	// dir is the directory that relative bolt paths are resolved against;
	// empty means the working directory.
	dir string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands []command

// options are the parsed flags and arguments of a command that run acts on.
type options[O any] interface {
	*O
	apply(e *env) *env
	run(ctx context.Context, e *env) error
}

// parsed returns the run function of a command whose arguments parse turns
// into options: it runs them in the environment their flags make.
func parsed[O any, P options[O]](parse func(*env, []string) (O, error)) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		o, err := parse(e, args)
		if err != nil {
			return err
		}
		p := P(&o)
		return p.run(ctx, p.apply(e))
	}
}

func init() {
	commands = []command{
		{"put", "write records, one from the arguments or many as JSON lines", runPut},
		{"unset", "write tombstones that delete records", runUnset},
		{"get", "show the latest change of one record across stores", runGet},
		{"load", "show the merged state of namespaces across stores", runLoad},
		{"namespaces", "list the namespaces of each store, with counts", runNamespaces},
		{"check", "compare stores and list what is missing or older in each", parsed(parseCheck)},
		{"sync", "copy what the destination lacks or holds older, from a source", parsed(parseSync)},
		{"repair", "bring every given store to the merged state", parsed(parseRepair)},
		{"shards", "show which shard owns each namespace, and where it lives", parsed(parseShards)},
		{"rebalance", "move namespaces from an old list of shards to a new one", runRebalance},
		{"purge", "remove namespaces, or their old tombstones, from stores", parsed(parsePurge)},
		{"watch", "print each change committed to a namespace, as it commits", runWatch},
		{"demo", "run a small migration from an old store to a new one", runDemo},
		{"version", "print the version of the command", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills the command at once.
		<-ctx.Done()
		stop()
	}()
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		progress:       term.IsTerminal(int(os.Stderr.Fd())),
		stdinTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTerminal: term.IsTerminal(int(os.Stdout.Fd())),
	}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run runs the command line args and returns the exit status. Every store
// a command opened is closed before run returns, whatever the outcome.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitFailure
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return exitOK
	case "--version", "-version":
		args = []string{"version"}
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.Is(err, errDiffer):
			return exitDiffer
		case ctx.Err() != nil && errors.Is(err, context.Canceled):
			fmt.Fprintf(e.stderr, "unionstore %s: interrupted%s\n", c.name, interruptedDetail(err))
			return exitInterrupted
		}
		fmt.Fprintf(e.stderr, "unionstore %s: %s\n", c.name, reword(describe(err)))
		for _, hint := range hints {
			if h := hint(err); h != "" {
				fmt.Fprintf(e.stderr, "unionstore %s: hint: %s\n", c.name, h)
			}
		}
		if ue := (*usageError)(nil); errors.As(err, &ue) {
			fmt.Fprintf(e.stderr, "Run 'unionstore %s --help' for its usage.\n", c.name)
		}
		return exitFailure
	}
	fmt.Fprintln(e.stderr, unknownCommand(args[0]))
	return exitFailure
}

func usage(w io.Writer) {
	fmt.Fprint(w, `unionstore looks inside stores, compares them and copies between them.

Usage:
  unionstore <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
A store address is a bolt file path (or bolt://PATH), pebble://DIR, or a
URL: postgres://user@host:5432/db?table=NAME (table defaults to
unionstore_changes), nats://host:4222?stream=NAME (stream defaults to
UNIONSTORE), kafka://host:9092[,host:9092]/TOPIC, or
s3://BUCKET/PREFIX?endpoint=URL&region=R. Entities are JSON records: a
kind, an id and a JSON body.

Every command says what it did on standard output (load and get, whose
output is records, say it on standard error); --quiet silences that and
the progress bar, --json gives it as one JSON object. Errors always go to
standard error.

Commands that remove or overwrite records refuse any flag value that
could be misread (an age of 0, an empty time or address, --dry-run=0)
with status 2. Ages take s, m, h and d, as in 30d.

Exit status: 0 done (for check: the stores are equal), 1 check found
differences, get found nothing, or put or unset kept a newer change a
store held, 2 error, 130 interrupted (each store wrote each batch whole or
not at all, and the message says which lines were written).

Run 'unionstore <command> --help' for a command's flags and examples.
`)
}

// errDiffer is returned by check when the stores differ, and by put and
// unset when a store kept a newer change, after the command said so.
var errDiffer = errors.New("stores differ")

// rewordings rewrite an error's message for the command line: a plural
// said of one, a package named twice, a line said twice, and what a
// backend says in terms meant for Go programs (a backend adds its own from
// its file, as it registers its opener).
var rewordings = []func(msg string) string{
	strings.NewReplacer(
		"1 records could not be decoded and were left out", "1 record could not be decoded and was left out",
		// A backend's error wrapped in its own: the package is named once.
		": boltstore: ", ": ",
		": pebblestore: ", ": ",
	).Replace,
	uniqueLines,
}

// reword returns msg rewritten by every rewording.
func reword(msg string) string {
	for _, r := range rewordings {
		msg = r(msg)
	}
	return msg
}

// uniqueLines returns msg without the lines that repeat an earlier one, as
// a driver that tried one address twice reports the same failure twice.
func uniqueLines(msg string) string {
	lines := strings.Split(msg, "\n")
	seen := make(map[string]bool, len(lines))
	out := lines[:0]
	for _, line := range lines {
		if seen[line] {
			continue
		}
		seen[line] = true
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// hints explain errors that backends report in their own terms: each
// returns advice for err, or "" when it has none. A backend adds its own
// from its file, as it registers its opener.
var hints []func(err error) string

// usageError is an error in how the command was called: a bad flag, a
// wrong number of arguments, a malformed address or bad input. run follows
// its message with a pointer to the command's --help.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// newFlags returns a flag set whose --help, printed on e's standard
// output, shows synopsis, description and examples.
func newFlags(e *env, name, synopsis, description, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stdout)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: unionstore %s %s\n\n%s\n", name, synopsis, strings.TrimSpace(description))
		var flags strings.Builder
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(w)
		if flags.Len() > 0 {
			fmt.Fprintf(w, "\nFlags:\n%s", longFlags(flags.String()))
		}
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
	}
	return fs
}

// longFlags returns the flag package's list of flags with each name of
// more than one letter written with two dashes, as users type them: --quiet
// but -q.
func longFlags(list string) string {
	lines := strings.SplitAfter(list, "\n")
	for i, line := range lines {
		rest, ok := strings.CutPrefix(line, "  -")
		if !ok {
			continue
		}
		if end := strings.IndexAny(rest, " \t\n"); end != 1 && rest != "" {
			lines[i] = "  --" + rest
		}
	}
	return strings.Join(lines, "")
}

// parse parses flags placed anywhere among the arguments and returns the
// positional arguments. Everything after "--" is positional. On --help it
// prints the usage and returns flag.ErrHelp; a bad flag gives a usage
// error, printed once by run rather than also by the flag package.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() {
		fs.Usage = usage
		fs.SetOutput(out)
	}()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				return nil, flagError(fs, err)
			}
			fs.SetOutput(out)
			if usage != nil {
				usage()
			} else {
				fs.PrintDefaults()
			}
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// addrList is a repeatable --store flag; each address is checked by
// checkAddr.
type addrList []string

func (a *addrList) String() string { return strings.Join(*a, ",") }

func (a *addrList) Set(s string) error {
	if err := checkAddr(s); err != nil {
		return err
	}
	*a = append(*a, s)
	return nil
}

// stringList is a repeatable flag of any text, such as --pin.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
