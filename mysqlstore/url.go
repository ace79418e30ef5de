package mysqlstore

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/unionstore/unionstore/backend"
)

// parseURL returns the connection's configuration and the options that the
// URL's parameters set.
func parseURL(rawURL string) (*mysql.Config, []Option, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included.
		return nil, nil, errors.New("malformed URL")
	}
	if u.Scheme != "mysql" {
		return nil, nil, fmt.Errorf("scheme %q: want mysql", u.Scheme)
	}
	if u.Host == "" {
		return nil, nil, errors.New("URL names no host")
	}
	database := strings.TrimPrefix(u.Path, "/")
	if database == "" || strings.Contains(database, "/") {
		return nil, nil, fmt.Errorf("path %q: want /DATABASE", u.Path)
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = database
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	// Arguments are escaped into the statement by the client, which saves
	// the round trips of preparing and closing a statement; the client
	// falls back to a prepared statement for a statement over the
	// server's max_allowed_packet, which it reads at connect (0).
	cfg.InterpolateParams = true
	cfg.MaxAllowedPacket = 0

	var opts []Option
	q := u.Query()
	for _, key := range slices.Sorted(maps.Keys(q)) {
		v := q.Get(key)
		switch key {
		case "table":
			opts = append(opts, WithTable(v))
		case "create":
			create, err := backend.ParseURLBool(key, v)
			if err != nil {
				return nil, nil, err
			}
			if !create {
				opts = append(opts, WithoutCreate())
			}
		default:
			return nil, nil, backend.UnknownURLParam(key, "table", "create")
		}
	}
	return cfg, opts, nil
}
