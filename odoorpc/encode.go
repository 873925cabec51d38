package odoorpc

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"

	"github.com/odoo-mcp/odoo-mcp/internal/jsonscan"
)

// appendJSON appends v to dst exactly as encoding/json encodes it (HTML
// characters escaped, map keys sorted), without reflection for the values
// Odoo calls are made of: strings, numbers, booleans, null, json.Number,
// lists and string-keyed maps of those, named or not. Anything else
// (structs, json.Marshaler, float64, ...) goes through encoding/json. A
// request is encoded on every Odoo call; reflection over map[string]any
// and []any was a tenth of a warm tool call.
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return jsonscan.AppendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case json.Number:
		s := string(x)
		if s == "" {
			s = "0"
		}
		if !isValidNumber(s) {
			return marshalAppend(dst, v)
		}
		return append(dst, s...), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendList(dst, len(x), func(dst []byte, i int) ([]byte, error) { return appendJSON(dst, x[i]) })
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendList(dst, len(x), func(dst []byte, i int) ([]byte, error) { return jsonscan.AppendString(dst, x[i]), nil })
	case []int64:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendList(dst, len(x), func(dst []byte, i int) ([]byte, error) { return strconv.AppendInt(dst, x[i], 10), nil })
	case []int:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendList(dst, len(x), func(dst []byte, i int) ([]byte, error) { return strconv.AppendInt(dst, int64(x[i]), 10), nil })
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendObject(dst, x, "", nil)
	case json.Marshaler:
		return marshalAppend(dst, v)
	}
	// Named lists and maps of any (a validated domain, say) are walked
	// without encoding/json when they have no MarshalJSON of their own.
	rv := reflect.ValueOf(v)
	switch t := rv.Type(); {
	case t.Kind() == reflect.Slice && t.Elem() == anyType:
		return appendJSON(dst, rv.Convert(anySliceType).Interface())
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Key() == stringType && t.Elem() == anyType:
		return appendJSON(dst, rv.Convert(anyMapType).Interface())
	}
	return marshalAppend(dst, v)
}

var (
	anyType      = reflect.TypeFor[any]()
	stringType   = reflect.TypeFor[string]()
	anySliceType = reflect.TypeFor[[]any]()
	anyMapType   = reflect.TypeFor[map[string]any]()
)

func marshalAppend(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

func appendList(dst []byte, n int, elem func([]byte, int) ([]byte, error)) ([]byte, error) {
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = elem(dst, i); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendObject writes m with its keys sorted; extraKey, when not empty,
// is written with extraVal in its sorted place (replacing m's own).
func appendObject(dst []byte, m map[string]any, extraKey string, extraVal any) ([]byte, error) {
	var stack [16]string
	keys := stack[:0]
	for k := range m {
		if extraKey == "" || k != extraKey {
			keys = append(keys, k)
		}
	}
	if extraKey != "" {
		keys = append(keys, extraKey)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonscan.AppendString(dst, k)
		dst = append(dst, ':')
		v := m[k]
		if extraKey != "" && k == extraKey {
			v = extraVal
		}
		var err error
		if dst, err = appendJSON(dst, v); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// isValidNumber is encoding/json's check of a json.Number.
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	default:
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}
