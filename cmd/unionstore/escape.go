package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/unionstore/unionstore/backend"
)

// escape returns s safe to print in a table cell or on a terminal: a
// backslash, a tab, a line break, any other control character (terminal
// escape sequences included), any rune that is not printable (such as a
// bidirectional override) and any byte that is not UTF-8 are written as Go
// escapes, so that every cell stays on its line and in its column and
// nothing in a record can drive the terminal. The empty string is "".
func escape(s string) string {
	if s == "" {
		return `""`
	}
	if !needsEscape(s) {
		return s
	}
	return escapeAll(s, true)
}

// escapeBody is escape for a JSON body, which holds no control characters
// but may hold its own backslash escapes: those are shown as they are.
func escapeBody(s string) string {
	if !needsEscape(s) {
		return s
	}
	return escapeAll(s, false)
}

func escapeAll(s string, backslash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\' && backslash:
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			goto slow
		}
	}
	return false
slow:
	for i, r := range s {
		if r == '\\' || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// keyWords names a record in a message: its kind and id, escaped, each
// cut after 80 characters.
func keyWords(kind, id string) string { return escape(clip(kind, 80)) + " " + escape(clip(id, 80)) }

// clip shortens s to at most n runes for a table cell.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// terminalSafeJSON returns the JSON text line with every rune that is not
// printable, which encoding/json leaves as it is (C1 controls, bidirectional
// overrides), written as a \u escape: in valid JSON such runes can only be
// inside strings, where the escape means the same. It is used when
// standard output is a terminal.
func terminalSafeJSON(line []byte) []byte {
	safe := true
	for _, c := range line {
		if c >= 0x80 || c == 0x7f {
			safe = false
			break
		}
	}
	if safe {
		return line
	}
	out := make([]byte, 0, len(line)+16)
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, line[i])
		case r > 0xffff && !unicode.IsPrint(r):
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		case r == 0x7f || (r >= 0x80 && !unicode.IsPrint(r)):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, line[i:i+size]...)
		}
		i += size
	}
	return out
}

// plural returns "1 change" or "n changes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// quote returns s quoted for a message as the backends quote identities in
// their errors: cut after 64 bytes, with every character that is not
// printable escaped.
func quote(s string) string { return backend.Quote(s) }
