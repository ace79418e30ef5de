package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/redisstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestOpenURLRefuses checks the URLs and options OpenURL refuses before
// connecting, and that no error shows the password.
func TestOpenURLRefuses(t *testing.T) {
	cases := []struct {
		name, url string
		opts      []redisstore.Option
		want      string
	}{
		{"unknown parameter", "redis://u:secret@127.0.0.1:1/0?prefix=p&colour=red", nil, "unexpected option: colour"},
		{"other scheme", "http://u:secret@127.0.0.1:1/0", nil, "invalid URL scheme"},
		{"malformed", "redis://u:secret@127.0.0.1:1/0%zz", nil, "malformed URL"},
		{"bad database", "redis://u:secret@127.0.0.1:1/x", nil, "invalid database"},
		{"empty prefix", "redis://u:secret@127.0.0.1:1/0?prefix=", nil, "prefix: empty"},
		{"prefix with a brace", "redis://u:secret@127.0.0.1:1/0?prefix=%7Bp", nil, "holds '{' or '}'"},
		{"page size", "redis://u:secret@127.0.0.1:1/0", []redisstore.Option{redisstore.WithPageSize(0)}, "page size 0"},
		{"history", "redis://u:secret@127.0.0.1:1/0", []redisstore.Option{redisstore.WithHistory(0)}, "history 0"},
		{"nil codec", "redis://u:secret@127.0.0.1:1/0", []redisstore.Option{redisstore.WithCodec[storetest.Item](nil)}, "nil codec"},
		{"codec of another entity type", "redis://u:secret@127.0.0.1:1/0", []redisstore.Option{redisstore.WithCodec(unionstore.JSONCodec[*storetest.Item]())}, "cannot encode entities of type storetest.Item"},
		{"no server", "redis://u:secret@127.0.0.1:1/0?dial_timeout=1s", nil, "open redis 127.0.0.1:1/0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := redisstore.OpenURL[storetest.Item](context.Background(), c.url, c.opts...)
			storetest.WantRefused(t, fmt.Sprintf("OpenURL(%q)", c.url), s, err, storetest.Refusal{Prefix: "redisstore: ", Want: c.want, Secret: "secret"})
		})
	}
}

// TestOpenURLPrefix checks that the URL's prefix, or the default, names
// the keys, and that an option given as an argument wins over the URL.
func TestOpenURLPrefix(t *testing.T) {
	adminClient(t)
	ctx := context.Background()
	prefix, other := newPrefix(t), newPrefix(t)
	for _, c := range []struct {
		name string
		url  string
		opts []redisstore.Option
		want string
	}{
		{"from the URL", server.URLWith(t, "prefix", prefix), nil, prefix},
		{"the option wins", server.URLWith(t, "prefix", prefix), []redisstore.Option{redisstore.WithPrefix(other)}, other},
		{"the default", serverURL(), nil, redisstore.DefaultPrefix},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := redisstore.OpenURL[storetest.Item](ctx, c.url, c.opts...)
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			defer s.Close()
			if s.Prefix() != c.want {
				t.Errorf("Prefix() = %q, want %q", s.Prefix(), c.want)
			}
			if got := s.Driver().String(); !strings.HasPrefix(got, `prefix "`+c.want+`" of redis `) {
				t.Errorf("String() = %q, want it to name prefix %q", got, c.want)
			}
		})
	}
	// A save through the URL's prefix lands in that prefix's keys.
	s, err := redisstore.OpenURL[storetest.Item](ctx, server.URLWith(t, "prefix", prefix))
	if err != nil {
		t.Fatalf("OpenURL: %v", err)
	}
	defer s.Close()
	storetest.Save(t, s, set("ns", "k", "1", "v", at(1)))
	records, ids, counts := redisstore.NamespaceKeys(prefix, "ns")
	log, feed := redisstore.FeedKeys(prefix, "ns")
	want := []string{records, ids, counts, log, feed, redisstore.IndexKey(prefix)}
	got := prefixKeys(t, prefix)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("keys of prefix %s = %q, want %q", prefix, got, want)
	}
}

// TestCloseLeavesTheCallersClient checks that Close of a store made by New
// leaves the client open, and Close of one made by OpenURL closes its own.
func TestCloseLeavesTheCallersClient(t *testing.T) {
	ctx := context.Background()
	client := newClient(t)
	s := newStoreOn(t, client, newPrefix(t))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		t.Errorf("Ping of the caller's client after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := redisstore.New[storetest.Item](ctx, nil); err == nil || !strings.Contains(err.Error(), "nil client") {
		t.Errorf("New(nil) error = %v, want nil client", err)
	}
	var typedNil *redis.Client
	if _, err := redisstore.New[storetest.Item](ctx, typedNil); err == nil || !strings.Contains(err.Error(), "nil client") {
		t.Errorf("New((*redis.Client)(nil)) error = %v, want nil client", err)
	}
}
