package main

import (
	"fmt"
	"strings"
)

// openError names the store at addr in err, without the backend's own
// prefix (such as "natsstore: "), keeping err for errors.Is and hints.
func openError(addr, prefix string, err error) error {
	msg := fmt.Sprintf("store %q: %s", redactAddr(addr), strings.TrimPrefix(err.Error(), prefix))
	return &relabeled{msg, err}
}
