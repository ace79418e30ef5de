package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/unionstore/unionstore"
)

// watchOptions are the parsed arguments of watch.
type watchOptions struct {
	storeFlags
	from      string
	namespace string
}

func parseWatch(e *env, args []string) (*watchOptions, error) {
	fs := newFlags(e, "watch", "--store ADDR [--store ADDR...] [--from CURSOR] [--json] NAMESPACE", `
Watch prints each change committed to NAMESPACE in any of the stores, as it
commits, until interrupted; it then prints, on standard error, the cursor
to resume from with --from. Without --from it starts with the changes
committed from now on. A change written to several stores is printed once
for each: the latest of each record is what counts.

Each line is the change's time, namespace, kind, id, change ("set" or
"unset") and body, escaped as load escapes them; --json prints the JSON
lines of load and put. A cursor the stores no longer hold history back to
is an error: load the namespace again, and watch from now.`, `  unionstore watch --store shop.db shop
  unionstore watch --store postgres://db/app --store shop.db --json shop
  unionstore watch --store shop.db --from u1.WyIuLi4iXQ shop`)
	o := &watchOptions{}
	o.register(fs, "print JSON lines instead of text", "store `address` to watch (repeatable)")
	fs.StringVar(&o.from, "from", "", "resume after `CURSOR`, printed by an earlier watch")
	pos, err := o.parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, usageErrorf("want one NAMESPACE, got %d arguments", len(pos))
	}
	o.namespace = pos[0]
	return o, nil
}

func runWatch(ctx context.Context, e *env, args []string) error {
	o, err := parseWatch(e, args)
	if err != nil {
		return err
	}
	e = o.apply(e)
	opened, err := e.openAll(ctx, o.addrs, o.open(readOnly))
	if err != nil {
		return err
	}
	defer opened.close()
	out := bufio.NewWriter(e.stdout)
	cursor := unionstore.Cursor(o.from)
	for ev, err := range opened.union().Watch(ctx, o.namespace, cursor) {
		if err != nil {
			out.Flush()
			if ctx.Err() != nil {
				// Interrupted: the normal end of a watch.
				fmt.Fprintf(e.stderr, "resume with: --from %s\n", cursor)
				return nil
			}
			if errors.Is(err, unionstore.ErrCursorExpired) {
				return fmt.Errorf("namespace %s: %w; load it again and watch from now", quote(o.namespace), err)
			}
			return at(fmt.Sprintf("namespace %s", quote(o.namespace)), err)
		}
		if err := writeWatched(e, out, ev.Change, o.asJSON); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		cursor = ev.Cursor
	}
	return nil
}

// writeWatched prints one change as a line of text or of JSON.
func writeWatched(e *env, w *bufio.Writer, c unionstore.Change[Record], asJSON bool) error {
	if !asJSON {
		fields := []string{formatTime(c.Timestamp), escape(c.Namespace), escape(c.Entity.Kind), escape(c.Entity.ID), string(c.ChangeType), escapeBody(clip(string(c.Entity.Body), 60))}
		_, err := fmt.Fprintln(w, strings.Join(fields, "  "))
		return err
	}
	line, err := json.Marshal(toJSON(c))
	if err != nil {
		return fmt.Errorf("record %s %s: %w", escape(c.Namespace), keyWords(c.Entity.Kind, c.Entity.ID), err)
	}
	if e.stdoutTerminal {
		line = terminalSafeJSON(line)
	}
	w.Write(line)
	return w.WriteByte('\n')
}
