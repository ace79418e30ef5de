package main

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/unionstore/unionstore"
)

// common holds the flags that every command opening stores shares.
type common struct {
	quiet       bool
	asJSON      bool
	lockTimeout ageFlag
	logLevel    logLevel
}

// register adds --quiet, --lock-timeout, --log-level and, when jsonUsage
// is not empty, --json to fs.
func (c *common) register(fs *flag.FlagSet, jsonUsage string) {
	c.logLevel = defaultLogLevel
	fs.Var(&c.logLevel, "log-level", "log calls on stores to standard error from `LEVEL` up: debug (every call), info (calls slower than 1s), warn (failures), error or off")
	fs.BoolVar(&c.quiet, "quiet", false, "print nothing but errors: no summary, no progress bar")
	fs.BoolVar(&c.quiet, "q", false, "short for --quiet")
	fs.Var(&c.lockTimeout, "lock-timeout", "wait up to `WAIT`, such as 10s, for a bolt file that another program holds (default 1s)")
	if jsonUsage != "" {
		fs.BoolVar(&c.asJSON, "json", false, jsonUsage)
	}
}

// storeFlags are the common flags and the repeatable --store of a command
// that needs at least one store.
type storeFlags struct {
	common
	addrs addrList
}

// register adds the common flags (see [common.register]) and --store, with
// storeUsage, to fs.
func (s *storeFlags) register(fs *flag.FlagSet, jsonUsage, storeUsage string) {
	s.common.register(fs, jsonUsage)
	fs.Var(&s.addrs, "store", storeUsage)
}

// parse parses args with fs, as [parse] does, and returns the positional
// arguments. That no --store is given is a usage error.
func (s *storeFlags) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(s.addrs) == 0 {
		return nil, usageErrorf("no --store given")
	}
	return pos, nil
}

// apply returns e as the flags change it: no progress bar when quiet.
// --quiet does not silence the logs: --log-level says what they show.
func (c *common) apply(e *env) *env {
	out := *e
	if c.quiet {
		out.quiet, out.progress = true, false
	}
	return &out
}

// unionOptions returns the options of the unions a command makes: their
// calls on stores logged as --log-level says, on e's standard error.
func (c *common) unionOptions(e *env) []unionstore.Option {
	return c.logLevel.unionOptions(e)
}

// open returns the options to open stores with access a.
func (c *common) open(a access) openOptions {
	return openOptions{access: a, lockTimeout: c.lockTimeout.d, logLevel: c.logLevel}
}

// say prints a line of a command's summary on standard output, unless
// quiet or the summary is printed as JSON.
func (e *env) say(asJSON bool, format string, args ...any) {
	if e.quiet || asJSON {
		return
	}
	fmt.Fprintf(e.stdout, format+"\n", args...)
}

// note prints a line of a command's summary on standard error, for
// commands whose standard output is data, unless quiet.
func (e *env) note(format string, args ...any) {
	if e.quiet {
		return
	}
	fmt.Fprintf(e.stderr, format+"\n", args...)
}

// printJSON prints v as the one JSON object that --json gives in place of
// the summary, unless quiet.
func (e *env) printJSON(v any) error {
	if e.quiet {
		return nil
	}
	enc := json.NewEncoder(e.stdout)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing the JSON summary: %w", err)
	}
	return nil
}
