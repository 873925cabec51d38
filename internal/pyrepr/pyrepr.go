// Package pyrepr writes values the way Python's repr() does, for the fakes
// of Odoo and Letta, whose error texts embed Python reprs.
package pyrepr

import (
	"fmt"
	"strings"
)

// Str is Python's repr() of a str: single quotes unless the text holds a
// single quote and no double one, backslash escapes for the quote, the
// backslash, \n, \r, \t, and \xNN for other control characters.
func Str(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
