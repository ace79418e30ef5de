package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/unionstore/unionstore"
)

const putExamples = `  unionstore put --store shop.db shop customer c1 '{"id":"c1","name":"Ada"}'
  unionstore put --store shop.db shop customer c1 @c1.json
  unionstore load --store old.db --json shop | unionstore put --store new.db
  echo '{"kind":"customer","id":"c2","body":{"id":"c2"}}' | unionstore put --store shop.db shop`

func runPut(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "put", "--store ADDR [--at TIME] NAMESPACE KIND ID BODY\n       unionstore put --store ADDR [NAMESPACE] < records.jsonl", `
Put writes one record, or many read as JSON lines from standard input, to
every store given (through a union). BODY must be a JSON value other than
null, or @FILE to read it from a file. A JSON line is {"namespace", "kind",
"id", "change", "timestamp", "body"}, the format that load --json prints;
namespace defaults to the NAMESPACE argument, change to "set", timestamp
(RFC 3339) to now. "kind" must be given ("" for records without one); an
unknown field is refused rather than ignored. A line with change "unset" is
written as unset writes it.

Standard input is read and written in batches (--batch lines at a time), in
bounded memory. Each batch is checked whole before it is written, and is
written whole or not at all: on a bad line, put names it, says which lines
were written before it, and writes nothing from its batch on. Stopped by a
failing store or Ctrl-C, put says which lines every store holds, and for
the batch it was writing, which stores took it, or that it may or may not
have been written when a store could not tell.

A store keeps the latest change of each record. Put says how many changes
it wrote to each store, and which ones a store kept a newer change for
(they are not written there). Like rclone's --update, that is not an
error with --ignore-older; without it put reports them and exits with
status 1, having written everything else. Piping load --json into put is
therefore an idempotent copy: a second run writes the same changes again.`, putExamples)
	return write(ctx, e, fs, args, unionstore.ChangeTypeSet)
}

const unsetExamples = `  unionstore unset --store shop.db shop customer c1
  unionstore unset --store new.db shop customer c9 '{"id":"c9","name":"Ida"}'
  echo '{"kind":"customer","id":"c1"}' | unionstore unset --store shop.db shop`

func runUnset(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "unset", "--store ADDR [--at TIME] NAMESPACE KIND ID [BODY]\n       unionstore unset --store ADDR [NAMESPACE] < keys.jsonl", `
Unset writes a tombstone that deletes a record, in every store given, or one
per JSON line {"namespace", "kind", "id", "timestamp", "body"} from standard
input, in batches as put reads them.

A tombstone keeps the record's last body, so that applications can still
decode it: unset takes it from the stores given. For a record that none of
them holds, give the body, as BODY (or @FILE) or as "body" in its line;
without one, unset refuses the record (add the --store that holds it, or
give its body), and writes nothing of its batch.

When a store holds a change of the record newer than the tombstone (one
written with a later --at, say), the record stays live there: unset says
so and exits with status 1 unless --ignore-older is given.`, unsetExamples)
	return write(ctx, e, fs, args, unionstore.ChangeTypeUnset)
}

// maxReported is how many bad lines, or changes kept out by newer ones, a
// message lists.
const maxReported = 10

// defaultBatch is how many lines of standard input put writes at once.
const defaultBatch = 1000

// maxBatchBytes bounds the input bytes of one batch, whatever --batch says.
const maxBatchBytes = 32 << 20

// writeFlags are the flags of put and unset.
type writeFlags struct {
	storeFlags
	at          timeFlag
	ignoreOlder bool
	batch       int
}

// write writes the changes of type ct that args or standard input give.
func write(ctx context.Context, e *env, fs *flag.FlagSet, args []string, ct unionstore.ChangeType) error {
	var f writeFlags
	f.register(fs, "print the summary as one JSON object", "store `address` to write to (repeatable)")
	fs.Var(&f.at, "at", "timestamp `TIME` of the change, RFC 3339 (default now)")
	fs.BoolVar(&f.ignoreOlder, "ignore-older", false, "exit 0 when a store keeps a newer change than one given (it is still reported)")
	fs.IntVar(&f.batch, "batch", defaultBatch, "write standard input `N` lines at a time")
	pos, err := f.parse(fs, args)
	if err != nil {
		return err
	}
	e = f.apply(e)
	if f.batch < 1 {
		return usageErrorf("--batch %d: want 1 or more", f.batch)
	}
	ts := f.at.t // zero, for now, unless given
	w := &writer{e: e, flags: &f, ct: ct}
	switch {
	case len(pos) == 4 || (len(pos) == 3 && ct == unionstore.ChangeTypeUnset):
		c := unionstore.Change[Record]{Namespace: pos[0], ChangeType: ct, Entity: Record{Kind: pos[1], ID: pos[2]}, Timestamp: ts}
		if len(pos) == 4 {
			if c.Entity.Body, err = bodyArg(pos[3]); err != nil {
				return err
			}
		}
		if err := (unionstore.Changes[Record]{c}).Validate(); err != nil {
			return usageErrorf("%s; nothing written", strings.TrimPrefix(err.Error(), unionstore.ErrInvalidChange.Error()+": change 0: "))
		}
		return w.run(ctx, &sliceSource{changes: unionstore.Changes[Record]{c}})
	case len(pos) <= 1:
		src := &stdinSource{lr: newLineReader(e.stdin), ct: ct, ts: ts, batch: f.batch}
		if len(pos) == 1 {
			src.defaultNS = pos[0]
		}
		if e.stdinTerminal && !e.quiet {
			fmt.Fprintf(e.stderr, "unionstore %s: reading JSON lines from the terminal; end with Ctrl-D (see --help for the arguments form)\n", commandOf(ct))
		}
		return w.run(ctx, src)
	case ct == unionstore.ChangeTypeUnset:
		return usageErrorf("want NAMESPACE KIND ID [BODY], or at most a NAMESPACE with keys on standard input; got %d arguments", len(pos))
	default:
		return usageErrorf("want NAMESPACE KIND ID BODY, or at most a NAMESPACE with records on standard input; got %d arguments", len(pos))
	}
}

// bodyArg returns the BODY argument: a JSON value, or @FILE. A file that
// cannot be read is an error of its own, not of usage.
func bodyArg(arg string) (json.RawMessage, error) {
	what := "BODY"
	body := []byte(arg)
	if path, ok := strings.CutPrefix(arg, "@"); ok {
		what = "body file " + quote(path)
		var err error
		if body, err = readBodyFile(path); err != nil {
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
				return nil, &relabeled{fmt.Sprintf("%s: %v", what, pe.Err), err}
			}
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	if !json.Valid(body) {
		return nil, usageErrorf("%s %s %s", what, quote(clip(string(body), 40)), jsonProblem(body))
	}
	if isNull(body) {
		return nil, usageErrorf("%s is null; give the record's JSON as the application writes it", what)
	}
	return json.RawMessage(body), nil
}

// jsonProblem says what is wrong with body, which is not valid JSON, in the
// terms that standard input's errors use; a bare word gets the hint to
// quote it.
func jsonProblem(body []byte) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed != "" && !strings.ContainsAny(trimmed[:1], `{["-0123456789`) && trimmed != "true" && trimmed != "false" {
		return `is not a JSON value; quote strings as '"text"'`
	}
	var v any
	err := json.Unmarshal(body, &v)
	var syntaxErr *json.SyntaxError
	switch {
	case trimmed == "":
		return "is empty; give a JSON value"
	case errors.As(err, &syntaxErr) && strings.Contains(err.Error(), "unexpected end"):
		return "is not valid JSON: it ends early"
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("is not valid JSON at byte %d: %s", syntaxErr.Offset, strings.TrimPrefix(syntaxErr.Error(), "invalid character "))
	}
	return "is not valid JSON"
}

func readBodyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxLine+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxLine {
		return nil, fmt.Errorf("longer than %d MiB", maxLine>>20)
	}
	return body, nil
}

// commandOf returns the command that writes changes of type ct.
func commandOf(ct unionstore.ChangeType) string {
	if ct == unionstore.ChangeTypeUnset {
		return "unset"
	}
	return "put"
}
