package backend

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseURLBool returns the value of the query parameter name=v of an
// OpenURL address, read as [strconv.ParseBool] reads it, or an error that
// names the parameter and says what it takes.
func ParseURLBool(name, v string) (bool, error) {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("URL parameter %s=%q: want true or false", name, v)
	}
	return on, nil
}

// UnknownURLParam returns the error of an OpenURL address for the query
// parameter name, which the backend does not take: it names the parameter
// and lists known, those it takes, in the order given.
func UnknownURLParam(name string, known ...string) error {
	var want string
	switch n := len(known); n {
	case 0:
		want = "no parameters"
	case 1:
		want = known[0]
	default:
		want = strings.Join(known[:n-1], ", ") + " or " + known[n-1]
	}
	return fmt.Errorf("unknown URL parameter %q: want %s", name, want)
}
