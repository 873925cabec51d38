package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
)

// ArgumentError is a tool argument the caller got wrong. Its text names the
// argument and what was expected, so an agent can correct its call.
type ArgumentError struct{ Msg string }

func (e *ArgumentError) Error() string { return e.Msg }

func argErrorf(format string, a ...any) error { return &ArgumentError{Msg: fmt.Sprintf(format, a...)} }

// decodeArgs decodes tool arguments into T, refusing unknown names (a
// misspelt "limits" must not be silently ignored) and wrong types.
func decodeArgs[T any](raw json.RawMessage) (T, error) {
	var v T
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	if raw[0] != '{' {
		return v, argErrorf("arguments must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, explainDecodeError(err, reflect.TypeOf(v))
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, argErrorf("arguments must be a single JSON object")
	}
	return v, nil
}

// explainDecodeError turns encoding/json's messages into ones that name the
// argument as the tool's schema does.
func explainDecodeError(err error, t reflect.Type) error {
	var ae *ArgumentError
	if errors.As(err, &ae) {
		return ae
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		name := typeErr.Field
		if name == "" {
			return argErrorf("arguments must be a JSON object")
		}
		return argErrorf("argument %q must be %s, got %s", name, describeKind(typeErr.Type), typeErr.Value)
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return argErrorf("unknown argument %s; valid arguments: %s", rest, strings.Join(argNames(t), ", "))
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return argErrorf("arguments are not valid JSON: %v", err)
	}
	// Errors from our own UnmarshalJSON methods come wrapped with the field path.
	return argErrorf("%s", strings.TrimPrefix(msg, "json: "))
}

func describeKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

func argNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// FieldValue is one field of a record to write.
type FieldValue struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// FieldValues is the values of one record: a list of {field, value} pairs,
// or, for prompts written for odoo-llm, a plain {"field": value} object.
type FieldValues []FieldValue

func (fv *FieldValues) UnmarshalJSON(data []byte) error {
	pairs, err := decodePairs(data, "field", "values")
	if err != nil {
		return err
	}
	out := make(FieldValues, len(pairs))
	for i, p := range pairs {
		out[i] = FieldValue{Field: p.key, Value: p.value}
	}
	*fv = out
	return nil
}

type pair struct {
	key   string
	value any
}

// decodePairs reads a list of {keyName: ..., "value": ...} pairs, or a plain
// {"key": value} object as odoo-llm took, into pairs sorted as given (the
// object form is sorted by key so requests stay deterministic).
func decodePairs(data []byte, keyName, what string) ([]pair, error) {
	data = bytes.TrimSpace(data)
	shape := fmt.Sprintf("%s must be a list of {%q: ..., \"value\": ...} pairs", what, keyName)
	switch {
	case bytes.Equal(data, []byte("null")):
		return nil, nil
	case len(data) > 0 && data[0] == '{':
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, argErrorf("%s", shape)
		}
		out := make([]pair, 0, len(m))
		for k, v := range m {
			out = append(out, pair{k, v})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
		return out, nil
	case len(data) > 0 && data[0] == '[':
		var raws []map[string]json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, argErrorf("%s", shape)
		}
		out := make([]pair, 0, len(raws))
		for i, r := range raws {
			var p pair
			for k := range r {
				if k != keyName && k != "value" {
					return nil, argErrorf("%s pair %d has an unknown key %q; each pair is {%q: ..., \"value\": ...}", what, i+1, k, keyName)
				}
			}
			if err := json.Unmarshal(r[keyName], &p.key); err != nil || strings.TrimSpace(p.key) == "" {
				return nil, argErrorf("%s pair %d needs a %q", what, i+1, keyName)
			}
			rawValue, ok := r["value"]
			if !ok {
				return nil, argErrorf("%s pair %d (%s) needs a \"value\"; use null for none", what, i+1, p.key)
			}
			d := json.NewDecoder(bytes.NewReader(rawValue))
			d.UseNumber()
			if err := d.Decode(&p.value); err != nil {
				return nil, argErrorf("%s pair %d (%s): %v", what, i+1, p.key, err)
			}
			// The schema gives lists as JSON text (see schema.go).
			p.value = decodeJSONString(p.value)
			out = append(out, p)
		}
		return out, nil
	}
	return nil, argErrorf("%s", shape)
}

// Map returns the values as Odoo's vals dictionary, refusing a field given twice.
func (fv FieldValues) Map() (map[string]any, error) {
	m := make(map[string]any, len(fv))
	for _, p := range fv {
		if _, dup := m[p.Field]; dup {
			return nil, argErrorf("field %q is given twice", p.Field)
		}
		m[p.Field] = p.Value
	}
	return m, nil
}

// IDs is a list of record ids; every id must be a positive integer.
type IDs []int64

func (ids *IDs) UnmarshalJSON(data []byte) error {
	var raw []json.Number
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*ids = nil
		return nil
	}
	if err := dec.Decode(&raw); err != nil {
		return argErrorf("record_ids must be a list of integer ids such as [7, 42]")
	}
	out := make(IDs, 0, len(raw))
	for _, n := range raw {
		id, err := n.Int64()
		if err != nil || id <= 0 {
			return argErrorf("record id %s is not a positive integer", n)
		}
		out = append(out, id)
	}
	*ids = out
	return nil
}
