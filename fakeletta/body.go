package fakeletta

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// fields reads a decoded JSON object the way a pydantic model would, collecting
// validation issues (pydantic v2 types and messages) instead of failing.
type fields struct {
	m      map[string]any
	loc    []any
	issues []ValidationIssue
}

// decodeBody parses the request body as a JSON object. On malformed JSON or a
// non-object it answers 422 like FastAPI and returns nil.
func (c *reqCtx) decodeBody() *fields {
	var v any
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if len(bytes.TrimSpace(c.body)) == 0 {
		c.s.validationFailed(c.w, []ValidationIssue{{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil}})
		return nil
	}
	if err := dec.Decode(&v); err != nil {
		c.s.validationFailed(c.w, []ValidationIssue{{
			Type: "json_invalid", Loc: []any{"body", 0}, Msg: "JSON decode error", Input: map[string]any{},
			Ctx: map[string]any{"error": err.Error()},
		}})
		return nil
	}
	v = normalizeNumbers(v)
	m, ok := v.(map[string]any)
	if !ok {
		c.s.validationFailed(c.w, []ValidationIssue{{Type: "model_attributes_type", Loc: []any{"body"}, Msg: "Input should be a valid dictionary or object to extract fields from", Input: v}})
		return nil
	}
	return &fields{m: m, loc: []any{"body"}}
}

// normalizeNumbers turns json.Number into float64 (ints stay exact as long as
// they fit, which is all Letta's bodies need).
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

func (f *fields) at(key string) []any {
	loc := append([]any{}, f.loc...)
	return append(loc, key)
}

func (f *fields) add(typ string, loc []any, msg string, input any) {
	f.issues = append(f.issues, ValidationIssue{Type: typ, Loc: loc, Msg: msg, Input: input})
}

func (f *fields) has(key string) bool {
	_, ok := f.m[key]
	return ok
}

// isNull reports whether key is present with a JSON null.
func (f *fields) isNull(key string) bool {
	v, ok := f.m[key]
	return ok && v == nil
}

// str reads an optional string; nil when absent or null.
func (f *fields) str(key string) *string {
	v, ok := f.m[key]
	if !ok || v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		f.add("string_type", f.at(key), "Input should be a valid string", v)
		return nil
	}
	return &s
}

// requiredStr reads a required, non-null string.
func (f *fields) requiredStr(key string) string {
	v, ok := f.m[key]
	if !ok {
		f.add("missing", f.at(key), "Field required", f.m)
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.add("string_type", f.at(key), "Input should be a valid string", v)
	}
	return s
}

// strMap reads an optional {string: string} object.
func (f *fields) strMap(key string) (map[string]string, bool) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return nil, ok
	}
	m, ok := v.(map[string]any)
	if !ok {
		f.add("dict_type", f.at(key), "Input should be a valid dictionary", v)
		return nil, true
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, ok := e.(string)
		if !ok {
			f.add("string_type", append(f.at(key), k), "Input should be a valid string", e)
			continue
		}
		out[k] = s
	}
	return out, true
}

// strList reads an optional list of strings.
func (f *fields) strList(key string) ([]string, bool) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return nil, ok
	}
	list, ok := v.([]any)
	if !ok {
		f.add("list_type", f.at(key), "Input should be a valid list", v)
		return nil, true
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			f.add("string_type", append(f.at(key), i), "Input should be a valid string", e)
			continue
		}
		out = append(out, s)
	}
	return out, true
}

// object reads an optional JSON object.
func (f *fields) object(key string) (map[string]any, bool) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return nil, ok
	}
	m, ok := v.(map[string]any)
	if !ok {
		f.add("dict_type", f.at(key), "Input should be a valid dictionary", v)
		return nil, true
	}
	return m, true
}

// boolean reads an optional bool with a default.
func (f *fields) boolean(key string, def bool) bool {
	v, ok := f.m[key]
	if !ok {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		f.add("bool_type", f.at(key), "Input should be a valid boolean", v)
		return def
	}
	return b
}

// forbidExtra reports unknown keys as pydantic's extra="forbid" does.
func (f *fields) forbidExtra(allowed ...string) {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, k := range sortedKeys(f.m) {
		if !ok[k] {
			f.add("extra_forbidden", f.at(k), "Extra inputs are not permitted", f.m[k])
		}
	}
}

// failed answers 422 when issues were collected.
func (c *reqCtx) failed(f *fields) bool {
	if len(f.issues) == 0 {
		return false
	}
	c.s.validationFailed(c.w, f.issues)
	return true
}

// valueError is a pydantic "value_error" issue raised by a validator.
func valueError(loc []any, msg string, input any) ValidationIssue {
	return ValidationIssue{Type: "value_error", Loc: loc, Msg: "Value error, " + msg, Input: input, Ctx: map[string]any{"error": pyValueError(msg)}}
}

// pyValueError is the exception pydantic keeps in a value_error's ctx: NEW
// renders the issue list with repr() (ValueError('…'), as real 0.16.8 does),
// OLD's FastAPI encodes it as JSON, where an exception becomes {}.
type pyValueError string

func (pyValueError) MarshalJSON() ([]byte, error) { return []byte("{}"), nil }

// queryInt reads an optional integer query parameter ("" = absent).
func (c *reqCtx) queryInt(name string, def int) (int, bool) {
	raw := c.r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	var n int
	if _, err := fmt.Sscanf(raw, "%d", &n); err != nil || fmt.Sprint(n) != raw {
		c.s.validationFailed(c.w, []ValidationIssue{{
			Type: "int_parsing", Loc: []any{"query", name},
			Msg: "Input should be a valid integer, unable to parse string as an integer", Input: raw,
		}})
		return 0, false
	}
	return n, true
}

// queryBool reads an optional boolean query parameter as FastAPI does.
func (c *reqCtx) queryBool(name string, def bool) (bool, bool) {
	raw := c.r.URL.Query().Get(name)
	switch raw {
	case "":
		return def, true
	case "true", "True", "TRUE", "1", "yes", "on", "t", "y":
		return true, true
	case "false", "False", "FALSE", "0", "no", "off", "f", "n":
		return false, true
	}
	c.s.validationFailed(c.w, []ValidationIssue{{
		Type: "bool_parsing", Loc: []any{"query", name},
		Msg: "Input should be a valid boolean, unable to interpret input", Input: raw,
	}})
	return false, false
}
