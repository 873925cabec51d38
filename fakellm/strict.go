package fakellm

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// strictAllowed are the keywords OpenAI's strict mode (structured outputs)
// accepts in a schema node; any other is refused ("'default' is not
// permitted").
var strictAllowed = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true,
	"items": true, "enum": true, "const": true, "anyOf": true, "$ref": true, "$defs": true,
	"definitions": true, "description": true, "title": true,
	"pattern": true, "format": true, "minimum": true, "maximum": true, "exclusiveMinimum": true,
	"exclusiveMaximum": true, "multipleOf": true, "minItems": true, "maxItems": true,
}

// StrictProblem returns why OpenAI's strict mode would refuse a tool's
// parameters schema, in OpenAI's wording, or "" when it would accept it.
func StrictProblem(raw json.RawMessage) string {
	var root any
	if len(raw) == 0 || json.Unmarshal(raw, &root) != nil {
		return "In context=(), schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'."
	}
	m, ok := root.(map[string]any)
	if !ok || m["type"] != "object" {
		t := "None"
		if ok && m["type"] != nil {
			t = fmt.Sprint(m["type"])
		}
		return fmt.Sprintf("In context=(), schema must be a JSON Schema of 'type: \"object\"', got 'type: \"%s\"'.", t)
	}
	return checkStrict(m, nil)
}

func pyContext(path []string) string {
	if len(path) == 0 {
		return "()"
	}
	q := make([]string, len(path))
	for i, p := range path {
		q[i] = "'" + p + "'"
	}
	if len(q) == 1 {
		return "(" + q[0] + ",)"
	}
	return "(" + strings.Join(q, ", ") + ")"
}

func checkStrict(node map[string]any, path []string) string {
	ctx := pyContext(path)
	keys := make([]string, 0, len(node))
	for k := range node {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strictAllowed[k] {
			return fmt.Sprintf("In context=%s, '%s' is not permitted.", ctx, k)
		}
	}
	isObject := hasType(node, "object") || node["properties"] != nil
	if isObject {
		if ap, ok := node["additionalProperties"]; !ok || ap != false {
			return fmt.Sprintf("In context=%s, 'additionalProperties' is required to be supplied and to be false.", ctx)
		}
		props, _ := node["properties"].(map[string]any)
		req := map[string]bool{}
		if list, ok := node["required"].([]any); ok {
			for _, r := range list {
				if s, ok := r.(string); ok {
					req[s] = true
				}
			}
		}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if !req[name] {
				return fmt.Sprintf("In context=%s, 'required' is required to be supplied and to be an array including every key in properties. Missing '%s'.", ctx, name)
			}
		}
		for _, name := range names {
			sub, ok := props[name].(map[string]any)
			if !ok {
				return fmt.Sprintf("In context=%s, schema must be an object.", pyContext(append(path, "properties", name)))
			}
			if msg := checkStrict(sub, append(append([]string(nil), path...), "properties", name)); msg != "" {
				return msg
			}
		}
	}
	if hasType(node, "array") {
		items, ok := node["items"].(map[string]any)
		if !ok {
			return fmt.Sprintf("In context=%s, array schema missing items.", ctx)
		}
		if msg := checkStrict(items, append(append([]string(nil), path...), "items")); msg != "" {
			return msg
		}
	}
	if _, hasAny := node["anyOf"]; !hasAny && node["type"] == nil && node["$ref"] == nil && node["enum"] == nil && node["const"] == nil {
		return fmt.Sprintf("In context=%s, schema must have a 'type' key.", ctx)
	}
	if list, ok := node["anyOf"].([]any); ok {
		for i, b := range list {
			bm, ok := b.(map[string]any)
			if !ok {
				return fmt.Sprintf("In context=%s, schema must be an object.", pyContext(append(path, "anyOf", fmt.Sprint(i))))
			}
			if msg := checkStrict(bm, append(append([]string(nil), path...), "anyOf", fmt.Sprint(i))); msg != "" {
				return msg
			}
		}
	}
	for _, defs := range []string{"$defs", "definitions"} {
		if d, ok := node[defs].(map[string]any); ok {
			for name, sub := range d {
				if sm, ok := sub.(map[string]any); ok {
					if msg := checkStrict(sm, append(append([]string(nil), path...), defs, name)); msg != "" {
						return msg
					}
				}
			}
		}
	}
	return ""
}

// hasType says whether node's type is t or a type array containing t.
func hasType(node map[string]any, t string) bool {
	switch v := node["type"].(type) {
	case string:
		return v == t
	case []any:
		for _, x := range v {
			if x == t {
				return true
			}
		}
	}
	return false
}
