package main

import (
	"fmt"

	"github.com/unionstore/unionstore"
)

// copyReport is what sync and repair did, as --json prints it.
type copyReport struct {
	Command    string            `json:"command"`
	DryRun     bool              `json:"dry_run"`
	From       string            `json:"from,omitempty"`
	To         string            `json:"to,omitempty"`
	Namespaces []namespaceReport `json:"namespaces"`
	// Written, Skipped count over every namespace and store.
	Written int `json:"written"`
	Skipped int `json:"skipped"`
}

type namespaceReport struct {
	Namespace string        `json:"namespace"`
	Stores    []storeReport `json:"stores"`
}

type storeReport struct {
	Store    string          `json:"store"`
	ReadOnly bool            `json:"read_only,omitempty"`
	Missing  int             `json:"missing"`
	Older    int             `json:"older"`
	Written  int             `json:"written"`
	Skipped  []skippedRecord `json:"skipped"`
	// WouldWrite says, on a dry run, of what kinds the changes to write
	// are.
	WouldWrite *writeKinds `json:"would_write,omitempty"`
}

type skippedRecord struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	Reason    string `json:"reason"`
}

// add records the report of one namespace, with, on a dry run, the kinds
// of the changes each store would be written; only, when not -1, is the
// one store to report on (sync's destination).
func (c *copyReport) add(r unionstore.RepairReport, kinds []writeKinds, only int) {
	nr := namespaceReport{Namespace: r.Namespace}
	for i, st := range r.Stores {
		if only >= 0 && i != only {
			continue
		}
		sr := storeReport{Store: st.Name, ReadOnly: st.ReadOnly, Missing: st.Missing, Older: st.Outdated, Written: st.Written, Skipped: []skippedRecord{}}
		if kinds != nil {
			sr.WouldWrite = &kinds[i]
		}
		for _, s := range st.Skipped {
			sr.Skipped = append(sr.Skipped, skippedRecord{r.Namespace, s.Kind, s.ID, validateWords(s.Err)})
		}
		c.Written += st.Written
		c.Skipped += len(st.Skipped)
		nr.Stores = append(nr.Stores, sr)
	}
	c.Namespaces = append(c.Namespaces, nr)
}

// stopped returns err with what was copied before it.
func (c *copyReport) stopped(err error) error {
	if c.DryRun {
		return err
	}
	return &progressError{done: fmt.Sprintf("%d changes were copied before it; running %s again copies the rest", c.Written, c.Command), err: err}
}

// finish prints the JSON summary, if asked, and returns an error if any
// record could not be copied.
func (c *copyReport) finish(e *env, asJSON bool) error {
	if c.Namespaces == nil {
		c.Namespaces = []namespaceReport{}
	}
	if asJSON {
		if err := e.printJSON(c); err != nil {
			return err
		}
	}
	if c.Skipped > 0 {
		return fmt.Errorf("%s could not be copied (listed above, with why); everything else was copied, and running %s again copies only what is missing", plural(c.Skipped, "record"), c.Command)
	}
	return nil
}
