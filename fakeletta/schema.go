package fakeletta

import (
	"fmt"
	"sort"
)

// Health is the verdict of Letta's strict-mode schema classifier
// (letta/functions/schema_validator.py, SchemaHealth).
type Health string

// The three verdicts, from best to worst.
const (
	StrictCompliant Health = "STRICT_COMPLIANT" // passes OpenAI strict mode
	NonStrictOnly   Health = "NON_STRICT_ONLY"  // valid JSON Schema, too loose for strict mode
	Invalid         Health = "INVALID"          // broken for both
)

// ClassifySchema is a faithful port of Letta's validate_complete_json_schema
// (identical at 0.11.7 and 0.16.8). It rates an MCP tool's inputSchema and
// returns the worst verdict found together with every reason, in the order
// Letta produces them (object properties are visited in sorted key order,
// since Go maps do not keep the JSON order).
//
// A nil map stands for a schema that is not a JSON object.
func ClassifySchema(schema map[string]any) (Health, []string) {
	if schema == nil {
		return Invalid, []string{"Top-level schema must be a dict"}
	}
	c := &classifier{status: StrictCompliant, reasons: []string{}}
	if t, ok := schema["type"].(string); !ok || t != "object" {
		c.invalid("Top-level schema 'type' must be 'object' for OpenAI tools")
	}
	c.recurse(schema, "root")
	return c.status, c.reasons
}

type classifier struct {
	status  Health
	reasons []string
}

func (c *classifier) nonStrict(reason string) {
	if c.status == StrictCompliant {
		c.status = NonStrictOnly
	}
	c.reasons = append(c.reasons, reason)
}

func (c *classifier) invalid(reason string) {
	c.status = Invalid
	c.reasons = append(c.reasons, reason)
}

var strictTypeNames = map[string]bool{
	"string": true, "number": true, "integer": true, "boolean": true,
	"null": true, "array": true, "object": true,
}

func (c *classifier) recurse(node map[string]any, path string) {
	nodeType := node["type"]
	if pyFalsy(nodeType) {
		switch {
		case hasKey(node, "properties") || hasKey(node, "additionalProperties"):
			nodeType = "object"
		case hasKey(node, "items"):
			nodeType = "array"
		case hasKey(node, "anyOf") || hasKey(node, "oneOf") || hasKey(node, "allOf"):
			// union types do not need an explicit type
		default:
			c.invalid(path + ": Missing 'type'")
			return
		}
	}

	switch t := nodeType.(type) {
	case string:
		switch t {
		case "object":
			if !c.object(node, path) {
				return
			}
		case "array":
			items, present := node["items"]
			switch sub := items.(type) {
			case map[string]any:
				c.recurse(sub, path+".items")
			default:
				if !present || items == nil {
					c.invalid(path + ": 'items' must be defined for arrays in strict mode")
				} else {
					c.invalid(path + ": 'items' must be a schema dict for arrays")
				}
			}
		}
	case []any:
		// Type arrays are allowed; their members are checked but the node is
		// not descended into (Letta never looks at its properties or items).
		for _, member := range t {
			if s, ok := member.(string); !ok || !strictTypeNames[s] {
				c.invalid(fmt.Sprintf("%s: Invalid type '%s' in type array", path, pyStr(member)))
			}
		}
	}

	for _, kw := range []string{"anyOf", "oneOf", "allOf"} {
		v, present := node[kw]
		if !present {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			c.invalid(fmt.Sprintf("%s: '%s' must be a list", path, kw))
			continue
		}
		for i, sub := range list {
			if m, ok := sub.(map[string]any); ok {
				c.recurse(m, fmt.Sprintf("%s.%s[%d]", path, kw, i))
			} else {
				c.invalid(fmt.Sprintf("%s.%s[%d]: Not a valid schema dict", path, kw, i))
			}
		}
	}
}

// object checks an object node; it returns false when Letta stops looking
// at the node (malformed "properties").
func (c *classifier) object(node map[string]any, path string) bool {
	var props map[string]any
	if raw := node["properties"]; raw != nil {
		m, ok := raw.(map[string]any)
		if !ok {
			c.invalid(path + ": 'properties' must be a dict for objects")
			return false
		}
		props = m
	}

	if ap, present := node["additionalProperties"]; !present {
		c.nonStrict(path + ": 'additionalProperties' not explicitly set")
	} else if b, ok := ap.(bool); !ok || b {
		c.nonStrict(path + ": 'additionalProperties' is not false (free-form object)")
	}

	var required []any
	if raw := node["required"]; raw != nil {
		list, ok := raw.([]any)
		if !ok {
			c.invalid(path + ": 'required' must be a list if present")
		} else {
			required = list
		}
	}

	for _, key := range required {
		if len(props) == 0 {
			break // Letta only checks required names when properties is non-empty
		}
		name, isString := key.(string)
		sub, found := props[name]
		if !isString || !found {
			c.invalid(fmt.Sprintf("%s: required contains '%s' not found in properties", path, pyStr(key)))
			continue
		}
		if m, ok := sub.(map[string]any); ok {
			if allowsEmptyObject(m) {
				c.invalid(fmt.Sprintf("%s: required property '%s' allows empty object (OpenAI will reject)", path, name))
			}
			if allowsEmptyArray(m) {
				c.invalid(fmt.Sprintf("%s: required property '%s' allows empty array (OpenAI will reject)", path, name))
			}
		}
	}

	for _, name := range sortedKeys(props) {
		if m, ok := props[name].(map[string]any); ok {
			c.recurse(m, path+".properties."+name)
		} else {
			c.invalid(path + ".properties." + name + ": Not a valid schema dict")
		}
	}
	return true
}

// allowsEmptyObject: type "object", no (or empty) required list and
// additionalProperties exactly false.
func allowsEmptyObject(s map[string]any) bool {
	if t, ok := s["type"].(string); !ok || t != "object" {
		return false
	}
	required, present := s["required"]
	if !present {
		required = []any{}
	}
	additional, present := s["additionalProperties"]
	if !present {
		additional = true
	}
	b, isBool := additional.(bool)
	return pyFalsy(required) && isBool && !b
}

// allowsEmptyArray: type "array" without minItems > 0 and without items.
func allowsEmptyArray(s map[string]any) bool {
	if t, ok := s["type"].(string); !ok || t != "array" {
		return false
	}
	if n, ok := pyNumber(s["minItems"]); ok && n > 0 {
		return false
	}
	return s["items"] == nil
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pyFalsy reports whether a decoded JSON value is falsy in Python.
func pyFalsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case float64:
		return x == 0
	case int:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// pyNumber converts a decoded JSON number (or bool, as Python compares
// True == 1) to float64.
func pyNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
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
