package fakeodoo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/odoo-mcp/odoo-mcp/internal/pyrepr"
)

// obj is a JSON object that keeps its keys in insertion order, as Python
// dicts do: records list "id" first, error data lists its keys in the order
// each Odoo version uses.
type obj []kv

type kv struct {
	k string
	v any
}

// MarshalJSON encodes the object with its keys in order.
func (o obj) MarshalJSON() ([]byte, error) { return appendJSON(nil, o) }

// pyFloat is a float that encodes like Python's json module: 0.0, not 0.
type pyFloat float64

// MarshalJSON encodes f with a decimal point when it is integral.
func (f pyFloat) MarshalJSON() ([]byte, error) {
	return []byte(pyFloatRepr(float64(f))), nil
}

func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// marshal encodes v as JSON without HTML escaping (Python does not escape
// <, > and &).
func marshal(v any) ([]byte, error) { return appendJSON(nil, v) }

// appendJSON encodes the values the fake produces; other types go through
// encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendJSONString(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case pyFloat:
		return append(b, pyFloatRepr(float64(x))...), nil
	case float64:
		return append(b, pyFloatRepr(x)...), nil
	case json.Number:
		return append(b, x...), nil
	case obj:
		b = append(b, '{')
		for i, p := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p.k)
			b = append(b, ':')
			if b, err = appendJSON(b, p.v); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		return appendArray(b, x)
	case []obj:
		return appendArray(b, x)
	case []int64:
		return appendArray(b, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := make(obj, len(keys))
		for i, k := range keys {
			o[i] = kv{k, x[k]}
		}
		return appendJSON(b, o)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// appendArray encodes a list of values appendJSON knows.
func appendArray[T any](b []byte, xs []T) ([]byte, error) {
	b = append(b, '[')
	for i, e := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, e); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendJSONString quotes s as JSON (without escaping <, > and &).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeJSON parses a request body, keeping numbers as json.Number so that
// integers and floats stay distinct, as they are in Python.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	off := int(dec.InputOffset())
	for off < len(data) && isJSONSpace(data[off]) {
		off++
	}
	if off < len(data) {
		return nil, extraDataError{pos: off}
	}
	return v, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// extraDataError reports data after a complete JSON document.
type extraDataError struct{ pos int }

func (e extraDataError) Error() string { return "extra data" }

// pyJSONError renders a Go JSON decoding error as Python's json module words
// it, e.g. "Expecting value: line 1 column 1 (char 0)".
func pyJSONError(data []byte, err error) string {
	msg := "Expecting value"
	var pos int // every case below sets it
	var se *json.SyntaxError
	var xe extraDataError
	switch {
	case errors.As(err, &xe):
		msg, pos = "Extra data", xe.pos
	case errors.As(err, &se):
		pos = int(se.Offset) - 1
		m := se.Error()
		switch {
		case strings.Contains(m, "looking for beginning of object key string"):
			msg = "Expecting property name enclosed in double quotes"
		case strings.Contains(m, "after object key:value pair"), strings.Contains(m, "after array element"):
			msg = "Expecting ',' delimiter"
		case strings.Contains(m, "after object key"):
			msg = "Expecting ':' delimiter"
		case strings.Contains(m, "in string literal"):
			msg = "Invalid control character at"
		case strings.Contains(m, "in literal"):
			// a broken true/false/null: Python points at its first letter
			for pos > 0 && pos <= len(data) && isLetter(data[pos-1]) {
				pos--
			}
		}
	default:
		// truncated input: Python points at the end of the data
		t := bytes.TrimRight(data, " \t\r\n")
		pos = len(t)
		if len(t) > 0 {
			switch t[len(t)-1] {
			case '{':
				msg = "Expecting property name enclosed in double quotes"
			case ',', '[', ':':
				msg = "Expecting value"
			default:
				msg = "Expecting ',' delimiter"
			}
		}
	}
	pos = max(0, min(pos, len(data)))
	prefix := data[:pos]
	line := bytes.Count(prefix, []byte("\n")) + 1
	col := utf8.RuneCount(prefix[bytes.LastIndexByte(prefix, '\n')+1:]) + 1
	return fmt.Sprintf("%s: line %d column %d (char %d)", msg, line, col, utf8.RuneCount(prefix))
}

// pyTruthy is Python's bool() of a decoded JSON value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case float64:
		return x != 0
	case int64:
		return x != 0
	case int:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case []int64:
		return len(x) > 0
	}
	return true
}

// asInt converts a decoded JSON value to an integer the way Python code
// expecting an int would accept it (ints, integral floats, bools).
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) {
			return int64(f), true
		}
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// isPyInt reports whether v is a JSON integer (not a float, not a bool).
func isPyInt(v any) bool {
	switch x := v.(type) {
	case json.Number:
		_, err := x.Int64()
		return err == nil
	case int64, int:
		return true
	}
	return false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// pyRepr renders a decoded JSON value as Python's repr() would.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return x.String()
		}
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return pyFloatRepr(f)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloatRepr(x)
	case string:
		return pyrepr.Str(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []int64:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = strconv.FormatInt(e, 10)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyrepr.Str(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case pyTuple:
		return x.String()
	}
	return fmt.Sprint(v)
}

// pyTuple is a Python tuple, for messages such as "Invalid leaf ('a', '=', 1)".
type pyTuple []any

func (t pyTuple) String() string {
	parts := make([]string, len(t))
	for i, e := range t {
		parts[i] = pyRepr(e)
	}
	if len(t) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// pyTypeName is Python's type(v).__name__ of a decoded JSON value.
func pyTypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "int"
		}
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "object"
}
