package fakeletta

import (
	"encoding/json"
	"strings"
)

// Schema handling that decides which MCP tools Letta lists, syncs and stores.
// NEW (0.16.8) normalises every listed inputSchema before rating it
// (normalize_mcp_schema in letta/functions/schema_generator.py) and re-rates
// the schema it stores after inlining $refs; OLD rates the raw schema.

const (
	heartbeatParam       = "request_heartbeat"
	heartbeatDescription = "Request an immediate heartbeat after function execution. Set to `True` if you want to send a follow-up message or run a follow-up function."
	schemaStatusKey      = "mcp:SCHEMA_STATUS"
	schemaWarningsKey    = "mcp:SCHEMA_WARNINGS"
)

// deepCopyJSON copies a decoded JSON value.
func deepCopyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopyJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopyJSON(e)
		}
		return s
	}
	return v
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopyJSON(m).(map[string]any)
}

// NormalizeMCPSchema ports NEW's normalize_mcp_schema: it returns a copy in
// which object nodes lacking additionalProperties get "additionalProperties":
// false (an explicit true or schema is kept), and properties, array items and
// anyOf options that are only a $ref get a "type" (from $defs, else "object").
// $ref properties are not descended into. The input is not modified.
func NormalizeMCPSchema(schema map[string]any) map[string]any {
	out := deepCopyMap(schema)
	if out == nil {
		return nil
	}
	defs, _ := out["$defs"].(map[string]any)
	for _, name := range sortedKeys(defs) {
		if d, ok := defs[name].(map[string]any); ok {
			normalizeObject(d, defs)
		}
	}
	normalizeObject(out, defs)
	return out
}

func normalizeObject(obj map[string]any, defs map[string]any) {
	if t, _ := obj["type"].(string); t == "object" {
		if _, ok := obj["additionalProperties"]; !ok {
			obj["additionalProperties"] = false
		}
	}
	if props, ok := obj["properties"].(map[string]any); ok {
		for _, name := range sortedKeys(props) {
			prop, ok := props[name].(map[string]any)
			if !ok {
				continue
			}
			if _, isRef := prop["$ref"]; isRef {
				typeFromRef(prop, defs)
				continue
			}
			switch t, _ := prop["type"].(string); t {
			case "object":
				normalizeObject(prop, defs)
			case "array":
				if items, ok := prop["items"].(map[string]any); ok {
					if _, isRef := items["$ref"]; isRef {
						typeFromRef(items, defs)
					}
					if it, _ := items["type"].(string); it == "object" {
						normalizeObject(items, defs)
					}
				}
			}
			if options, ok := prop["anyOf"].([]any); ok {
				for _, o := range options {
					option, ok := o.(map[string]any)
					if !ok {
						continue
					}
					if _, isRef := option["$ref"]; isRef {
						typeFromRef(option, defs)
					}
					if ot, _ := option["type"].(string); ot == "object" {
						normalizeObject(option, defs)
					}
				}
			}
		}
	}
	if items, ok := obj["items"].(map[string]any); ok {
		if it, _ := items["type"].(string); it == "object" {
			normalizeObject(items, defs)
		}
	}
}

// typeFromRef gives a $ref node the type of its $defs target, else "object".
func typeFromRef(node map[string]any, defs map[string]any) {
	if _, ok := node["type"]; ok {
		return
	}
	if ref, _ := node["$ref"].(string); len(defs) > 0 && strings.HasPrefix(ref, "#/$defs/") {
		name := ref[strings.LastIndex(ref, "/")+1:]
		if target, ok := defs[name].(map[string]any); ok {
			if t, ok := target["type"]; ok {
				node["type"] = t
			}
		}
	}
	if _, ok := node["type"]; !ok {
		node["type"] = "object"
	}
}

// inlineRefs ports the inline_ref helper of NEW's generate_tool_schema_for_mcp.
func inlineRefs(node any, defs map[string]any, depth int) any {
	if depth > 10 {
		return node
	}
	m, ok := node.(map[string]any)
	if !ok {
		return node
	}
	result := make(map[string]any, len(m))
	for k, v := range m {
		result[k] = v
	}
	if ref, ok := result["$ref"].(string); ok && strings.HasPrefix(ref, "#/$defs/") {
		name := ref[strings.LastIndex(ref, "/")+1:]
		if target, ok := defs[name].(map[string]any); ok {
			delete(result, "$ref")
			for k, v := range target {
				if _, exists := result[k]; !exists {
					result[k] = v
				}
			}
			result = inlineRefs(result, defs, depth+1).(map[string]any)
		}
	}
	if options, ok := result["anyOf"].([]any); ok {
		inlined := make([]any, len(options))
		for i, o := range options {
			inlined[i] = inlineRefs(o, defs, depth+1)
		}
		result["anyOf"] = dedupeAnyOf(inlined)
	}
	if props, ok := result["properties"].(map[string]any); ok {
		inlined := make(map[string]any, len(props))
		for k, v := range props {
			inlined[k] = inlineRefs(v, defs, depth+1)
		}
		result["properties"] = inlined
	}
	if items, ok := result["items"]; ok {
		result["items"] = inlineRefs(items, defs, depth+1)
	}
	return result
}

// dedupeAnyOf ports deduplicate_anyof: exact duplicates are dropped and, for
// options of the same type, the one carrying a "format" wins.
func dedupeAnyOf(options []any) []any {
	var result []any
	for _, item := range options {
		im, ok := item.(map[string]any)
		if !ok {
			if !containsJSON(result, item) {
				result = append(result, item)
			}
			continue
		}
		itemType, itemFormat := im["type"], im["format"]
		duplicate := false
		for i, existing := range result {
			em, ok := existing.(map[string]any)
			if !ok {
				continue
			}
			if jsonEqual(im, em) {
				duplicate = true
				break
			}
			if !pyFalsy(itemType) && jsonEqual(itemType, em["type"]) {
				existingFormat := em["format"]
				switch {
				case !pyFalsy(itemFormat) && pyFalsy(existingFormat):
					result[i] = item
				case pyFalsy(itemFormat) && !pyFalsy(existingFormat):
				case jsonEqual(itemFormat, existingFormat):
					if len(im) >= len(em) {
						result[i] = item
					}
				default:
					continue
				}
				duplicate = true
				break
			}
		}
		if !duplicate {
			result = append(result, item)
		}
	}
	return result
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func containsJSON(list []any, v any) bool {
	for _, e := range list {
		if jsonEqual(e, v) {
			return true
		}
	}
	return false
}

// toolJSONSchema builds the json_schema Letta stores for an MCP tool
// (ToolCreate.from_mcp → generate_tool_schema_for_mcp) and the health that
// ends up in mcp:SCHEMA_STATUS. For NEW the stored health is recomputed on the
// normalised, $ref-inlined parameters; for OLD it is the listing health.
// OLD asserts that the input schema has "type" and "properties"; ok is false
// when that assertion would fail (Letta then answers 500).
func toolJSONSchema(t listedTool, isNew bool) (schema map[string]any, health Health, reasons []string, ok bool) {
	params := deepCopyMap(t.InputSchema)
	if params == nil {
		params = map[string]any{}
	}
	if !isNew {
		_, hasType := params["type"]
		_, hasProps := params["properties"]
		if !hasType || !hasProps {
			return nil, "", nil, false
		}
	} else {
		if _, hasType := params["type"]; !hasType {
			params["type"] = "object"
		}
		if _, hasProps := params["properties"]; !hasProps {
			params["properties"] = map[string]any{}
		}
		params = NormalizeMCPSchema(params)
	}
	if _, ok := params["required"]; !ok {
		params["required"] = []any{}
	}
	if isNew {
		defs, _ := params["$defs"].(map[string]any)
		if props, ok := params["properties"].(map[string]any); ok {
			for k, v := range props {
				props[k] = inlineRefs(v, defs, 0)
			}
		}
	}
	if props, ok := params["properties"].(map[string]any); ok {
		props[heartbeatParam] = map[string]any{"type": "boolean", "description": heartbeatDescription}
	}
	if req, ok := params["required"].([]any); ok && !containsJSON(req, heartbeatParam) {
		params["required"] = append(req, heartbeatParam)
	}

	health, reasons = t.Health, t.Reasons
	if isNew {
		health, reasons = ClassifySchema(params)
	}
	var description any
	if t.Description != "" {
		description = t.Description
	}
	schema = map[string]any{
		"name":            t.Name,
		"description":     description,
		"parameters":      params,
		schemaStatusKey:   string(health),
		schemaWarningsKey: stringsToAny(reasons),
	}
	return schema, health, reasons, true
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
