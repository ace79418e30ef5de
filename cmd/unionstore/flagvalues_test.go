package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string // in the error, when one is wanted
	}{
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "720h", want: 720 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: " 2h ", want: 2 * time.Hour},
		{in: "+1s", want: time.Second},
		{in: "0d1h", want: time.Hour},
		{in: "36500d", want: 36500 * 24 * time.Hour},
		{in: "0", err: "is 0"},
		{in: "0s", err: "is 0"},
		{in: "-0", err: "is 0"},
		{in: "0d", err: "is 0"},
		{in: "-1h", err: "is negative"},
		{in: "-30d", err: "is negative"},
		{in: "", err: "empty"},
		{in: " \t", err: "empty"},
		{in: "30", err: "want a number and a unit"},
		{in: "30 d", err: "want a number and a unit"},
		{in: "1.5d", err: "whole number of days"},
		{in: "d", err: "whole number of days"},
		{in: "1d-2h", err: "want a number and a unit"},
		{in: "2w", err: "want a number and a unit"},
		{in: "36501d", err: "too long"},
		{in: "36500d1h", err: "too long"},
	}
	for _, tt := range tests {
		got, err := parseAge(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("parseAge(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseAge(%q) = %v, %v; want an error saying %q", tt.in, got, err, tt.err)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"store", "from", "to", "dry-run", "tombstones-before", "tombstones-older-than", "quiet", "q"}
	tests := []struct{ word, want string }{
		{"stor", "store"},
		{"stores", "store"},
		{"dryrun", "dry-run"},
		{"tombstones-older", "tombstones-older-than"},
		{"x", ""},
		{"frobnicate", ""},
	}
	for _, tt := range tests {
		if got := nearest(tt.word, names); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
