package tools

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// The retriever's result is written by hand: decoding Odoo's records into
// []json.RawMessage and marshalling them back scanned every record three
// times. The bytes are exactly encoding/json's (tested).

// jsonAppender is a result that writes its own JSON, as json.Marshal would.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
}

// splitArray returns the elements of the JSON array raw, as sub-slices.
// raw must be valid JSON, as odoorpc returns every answer (it checks);
// null is no elements, a value that is not an array is an error.
func splitArray(raw []byte) ([]json.RawMessage, error) {
	i := skipSpace(raw, 0)
	if i < len(raw) && raw[i] == 'n' && string(raw[i:skipValue(raw, i)]) == "null" {
		return nil, nil // as json.Unmarshal: no records
	}
	if i >= len(raw) || raw[i] != '[' {
		return nil, fmt.Errorf("%w: expected a list of records", odoorpc.ErrProtocol)
	}
	out := make([]json.RawMessage, 0, 8)
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return out, nil
	}
	for i < len(raw) {
		end := skipValue(raw, i)
		if end < 0 {
			return nil, fmt.Errorf("%w: truncated list of records", odoorpc.ErrProtocol)
		}
		out = append(out, raw[i:end:end])
		i = skipSpace(raw, end)
		if i >= len(raw) {
			break
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case ']':
			return out, nil
		default:
			return nil, fmt.Errorf("%w: malformed list of records", odoorpc.ErrProtocol)
		}
	}
	return nil, fmt.Errorf("%w: truncated list of records", odoorpc.ErrProtocol)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value at b[i], -1 if cut.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

const hexDigits = "0123456789abcdef"

// appendCompact is encoding/json's compaction of a RawMessage when it
// marshals one: whitespace outside strings dropped, <, >, &, U+2028 and
// U+2029 escaped. src must be valid JSON.
func appendCompact(dst, src []byte) []byte {
	start := 0
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
			i += 2
			start = i + 1
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

// appendString is encoding/json's string encoding (HTML escaped).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendStrings(dst []byte, list []string) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendJSON writes r as json.Marshal does, field by field.
func (r retrieverResult) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"model":`...)
	dst = appendString(dst, r.Model)
	dst = append(dst, `,"records":`...)
	if r.Records == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, rec := range r.Records {
			if i > 0 {
				dst = append(dst, ',')
			}
			if rec == nil {
				dst = append(dst, "null"...)
			} else {
				dst = appendCompact(dst, rec)
			}
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"count":`...)
	dst = strconv.AppendInt(dst, int64(r.Count), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, int64(r.Offset), 10)
	dst = append(dst, `,"limit":`...)
	dst = strconv.AppendInt(dst, int64(r.Limit), 10)
	dst = append(dst, `,"has_more":`...)
	dst = strconv.AppendBool(dst, r.HasMore)
	if r.NextOffset != nil {
		dst = append(dst, `,"next_offset":`...)
		dst = strconv.AppendInt(dst, int64(*r.NextOffset), 10)
	}
	dst = append(dst, `,"fields":`...)
	dst = appendStrings(dst, r.Fields)
	if r.Note != "" {
		dst = append(dst, `,"note":`...)
		dst = appendString(dst, r.Note)
	}
	return append(dst, '}')
}
