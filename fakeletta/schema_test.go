package fakeletta

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func mustSchema(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test schema %s: %v", s, err)
	}
	return m
}

// storedHealth is what NEW stores in mcp:SCHEMA_STATUS: the listing
// normalises, then the stored schema is normalised again, $refs inlined and
// re-rated.
func storedHealth(t *testing.T, raw map[string]any) Health {
	t.Helper()
	lt := listedTool{Name: "t", InputSchema: NormalizeMCPSchema(raw), HasHealth: true}
	lt.Health, lt.Reasons = ClassifySchema(lt.InputSchema)
	schema, h, _, ok := toolJSONSchema(lt, true)
	if !ok {
		t.Fatal("toolJSONSchema refused a NEW schema")
	}
	if schema[schemaStatusKey] != string(h) {
		t.Fatalf("stored status %v != %v", schema[schemaStatusKey], h)
	}
	return h
}

// TestClassifySchemaTable checks every row of letta.md §8.3: the raw verdict
// (OLD, and NEW before normalisation) and the status NEW stores.
func TestClassifySchemaTable(t *testing.T) {
	cases := []struct {
		name      string
		schema    string
		raw       Health
		newStored Health
	}{
		{"odoo-llm retriever (pydantic, no additionalProperties at root)",
			`{"type":"object","title":"retrieverArguments","properties":{"model":{"type":"string","title":"Model"},"fields":{"type":"array","items":{"type":"string"}},"limit":{"type":"integer","default":100}},"required":["model"]}`,
			NonStrictOnly, StrictCompliant},
		{"odoo-llm creator (items additionalProperties:true)",
			`{"type":"object","properties":{"model":{"type":"string"},"records":{"type":"array","items":{"type":"object","additionalProperties":true}},"fields":{"type":"array","items":{"type":"object","additionalProperties":true}}},"required":["model","records"]}`,
			NonStrictOnly, NonStrictOnly},
		{"odoo-llm updater (values additionalProperties:true)",
			`{"type":"object","properties":{"model":{"type":"string"},"ids":{"type":"array","items":{"type":"integer"}},"values":{"type":"object","additionalProperties":true}},"required":["model","ids","values"]}`,
			NonStrictOnly, NonStrictOnly},
		{"odoo-llm method_executor (kwargs additionalProperties:{anyOf})",
			`{"type":"object","properties":{"model":{"type":"string"},"method":{"type":"string"},"kwargs":{"type":"object","additionalProperties":{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}}},"required":["model","method"]}`,
			NonStrictOnly, NonStrictOnly},
		{"go-sdk struct (type-array slices, items:true not inspected)",
			`{"type":"object","properties":{"model":{"type":"string"},"ids":{"type":["null","array"],"items":{"type":"integer"}},"extra":{"type":["null","array"],"items":true}},"required":["model","ids"],"additionalProperties":false}`,
			StrictCompliant, StrictCompliant},
		{"property {type:array, items:true}",
			`{"type":"object","properties":{"values":{"type":"array","items":true}},"required":["values"],"additionalProperties":false}`,
			Invalid, Invalid},
		{"property {type:array, items:{}}",
			`{"type":"object","properties":{"values":{"type":"array","items":{}}},"additionalProperties":false}`,
			Invalid, Invalid},
		{"required nested struct whose fields are all optional",
			`{"type":"object","properties":{"options":{"type":"object","properties":{"limit":{"type":"integer"}},"additionalProperties":false}},"required":["options"],"additionalProperties":false}`,
			Invalid, Invalid},
		{"required property {type:object}",
			`{"type":"object","properties":{"context":{"type":"object"}},"required":["context"],"additionalProperties":false}`,
			NonStrictOnly, Invalid},
		{"map[string]any property",
			`{"type":"object","properties":{"context":{"type":"object","additionalProperties":true}},"additionalProperties":false}`,
			NonStrictOnly, NonStrictOnly},
		{"property that is only a $ref to a closed object",
			`{"type":"object","properties":{"filter":{"$ref":"#/$defs/Filter"}},"required":["filter"],"additionalProperties":false,"$defs":{"Filter":{"type":"object","properties":{"field":{"type":"string"}},"required":["field"],"additionalProperties":false}}}`,
			Invalid, StrictCompliant},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schema := mustSchema(t, tc.schema)
			got, reasons := ClassifySchema(schema)
			if got != tc.raw {
				t.Errorf("raw verdict = %s (%v), want %s", got, reasons, tc.raw)
			}
			if got := storedHealth(t, schema); got != tc.newStored {
				t.Errorf("NEW stored verdict = %s, want %s", got, tc.newStored)
			}
			if again, _ := ClassifySchema(schema); again != got {
				t.Error("classifying modified the schema")
			}
		})
	}
}

// TestNewListingHealthOfRefProperty documents a source detail: on 0.16.8 the
// listing (and the skip-INVALID filter of auto-sync) rates the schema after
// normalize_mcp_schema, which gives a bare $ref property a type, so such a
// tool is NON_STRICT_ONLY there and is synced (letta.md §1.11).
func TestNewListingHealthOfRefProperty(t *testing.T) {
	schema := mustSchema(t, `{"type":"object","properties":{"filter":{"$ref":"#/$defs/Filter"}},"required":["filter"],"additionalProperties":false,"$defs":{"Filter":{"type":"object","properties":{"field":{"type":"string"}},"required":["field"],"additionalProperties":false}}}`)
	if h, r := ClassifySchema(NormalizeMCPSchema(schema)); h != NonStrictOnly {
		t.Fatalf("normalised listing health = %s %v, want NON_STRICT_ONLY", h, r)
	}
}

// TestClassifySchemaRules checks the rules of letta.md §8.1 one by one,
// including the exact reasons Letta reports.
func TestClassifySchemaRules(t *testing.T) {
	cases := []struct {
		name   string
		schema string // "null" = not a dict
		want   Health
		reason string // one expected reason ("" = no reasons at all)
	}{
		{"not a dict", "null", Invalid, "Top-level schema must be a dict"},
		{"empty schema", `{}`, Invalid, "root: Missing 'type'"},
		{"top-level type not object", `{"type":"array","items":{"type":"string"}}`, Invalid, "Top-level schema 'type' must be 'object' for OpenAI tools"},
		{"closed object without properties", `{"type":"object","additionalProperties":false}`, StrictCompliant, ""},
		{"additionalProperties missing", `{"type":"object","properties":{"a":{"type":"string"}}}`, NonStrictOnly, "root: 'additionalProperties' not explicitly set"},
		{"additionalProperties true", `{"type":"object","properties":{},"additionalProperties":true}`, NonStrictOnly, "root: 'additionalProperties' is not false (free-form object)"},
		{"additionalProperties schema", `{"type":"object","additionalProperties":{"type":"string"}}`, NonStrictOnly, "root: 'additionalProperties' is not false (free-form object)"},
		{"additionalProperties null", `{"type":"object","additionalProperties":null}`, NonStrictOnly, "root: 'additionalProperties' is not false (free-form object)"},
		{"properties not an object", `{"type":"object","properties":[],"additionalProperties":false}`, Invalid, "root: 'properties' must be a dict for objects"},
		{"required not a list", `{"type":"object","properties":{"a":{"type":"string"}},"required":"a","additionalProperties":false}`, Invalid, "root: 'required' must be a list if present"},
		{"required name not in properties", `{"type":"object","properties":{"a":{"type":"string"}},"required":["b"],"additionalProperties":false}`, Invalid, "root: required contains 'b' not found in properties"},
		{"required names unchecked without properties", `{"type":"object","properties":{},"required":["b"],"additionalProperties":false}`, StrictCompliant, ""},
		{"optional properties not penalised", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":[],"additionalProperties":false}`, StrictCompliant, ""},
		{"untyped property", `{"type":"object","properties":{"a":{"description":"x"}},"additionalProperties":false}`, Invalid, "root.properties.a: Missing 'type'"},
		{"property not a dict", `{"type":"object","properties":{"a":true},"additionalProperties":false}`, Invalid, "root.properties.a: Not a valid schema dict"},
		{"type implied by properties", `{"properties":{"a":{"type":"string"}},"additionalProperties":false,"type":""}`, Invalid, "Top-level schema 'type' must be 'object' for OpenAI tools"},
		{"nested type implied by items", `{"type":"object","properties":{"a":{"items":{"type":"string"}}},"additionalProperties":false}`, StrictCompliant, ""},
		{"required empty object", `{"type":"object","properties":{"o":{"type":"object","additionalProperties":false}},"required":["o"],"additionalProperties":false}`, Invalid, "root: required property 'o' allows empty object (OpenAI will reject)"},
		{"required object with required field", `{"type":"object","properties":{"o":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"],"additionalProperties":false}},"required":["o"],"additionalProperties":false}`, StrictCompliant, ""},
		{"required array without items", `{"type":"object","properties":{"l":{"type":"array"}},"required":["l"],"additionalProperties":false}`, Invalid, "root: required property 'l' allows empty array (OpenAI will reject)"},
		{"array without items", `{"type":"object","properties":{"l":{"type":"array","minItems":1}},"required":["l"],"additionalProperties":false}`, Invalid, "root.properties.l: 'items' must be defined for arrays in strict mode"},
		{"items not a dict", `{"type":"object","properties":{"l":{"type":"array","items":[{"type":"string"}]}},"additionalProperties":false}`, Invalid, "root.properties.l: 'items' must be a schema dict for arrays"},
		{"required array with items is fine", `{"type":"object","properties":{"l":{"type":"array","items":{"type":"string"}}},"required":["l"],"additionalProperties":false}`, StrictCompliant, ""},
		{"type array with unknown member", `{"type":"object","properties":{"d":{"type":["string","date"]}},"additionalProperties":false}`, Invalid, "root.properties.d: Invalid type 'date' in type array"},
		{"type array not descended into", `{"type":"object","properties":{"o":{"type":["object","null"],"properties":{"x":{}}}},"additionalProperties":false}`, StrictCompliant, ""},
		{"anyOf branches checked", `{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{}]}},"additionalProperties":false}`, Invalid, "root.properties.v.anyOf[1]: Missing 'type'"},
		{"anyOf not a list", `{"type":"object","properties":{"v":{"anyOf":{"type":"string"}}},"additionalProperties":false}`, Invalid, "root.properties.v: 'anyOf' must be a list"},
		{"oneOf branch not a dict", `{"type":"object","properties":{"v":{"oneOf":["x"]}},"additionalProperties":false}`, Invalid, "root.properties.v.oneOf[0]: Not a valid schema dict"},
		{"allOf of closed objects", `{"type":"object","properties":{"v":{"allOf":[{"type":"object","properties":{"x":{"type":"string"}},"required":["x"],"additionalProperties":false}]}},"additionalProperties":false}`, StrictCompliant, ""},
		{"$ref-only node", `{"type":"object","properties":{"r":{"$ref":"#/$defs/R"}},"additionalProperties":false}`, Invalid, "root.properties.r: Missing 'type'"},
		{"worst verdict wins", `{"type":"object","properties":{"m":{"type":"object","additionalProperties":true},"l":{"type":"array","items":{}}}}`, Invalid, "root: 'additionalProperties' not explicitly set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var schema map[string]any
			if tc.schema != "null" {
				schema = mustSchema(t, tc.schema)
			}
			got, reasons := ClassifySchema(schema)
			if got != tc.want {
				t.Errorf("verdict = %s, want %s (reasons %q)", got, tc.want, reasons)
			}
			if tc.reason == "" {
				if len(reasons) != 0 {
					t.Errorf("unexpected reasons %q", reasons)
				}
			} else if !slices.Contains(reasons, tc.reason) {
				t.Errorf("reasons %q lack %q", reasons, tc.reason)
			}
		})
	}
}

func TestNormalizeMCPSchema(t *testing.T) {
	raw := mustSchema(t, `{"type":"object","properties":{
		"open":{"type":"object","additionalProperties":true},
		"nested":{"type":"object","properties":{"x":{"type":"string"}}},
		"list":{"type":"array","items":{"type":"object","properties":{"y":{"type":"string"}}}},
		"ref":{"$ref":"#/$defs/Name"},
		"refobj":{"$ref":"#/$defs/Missing"},
		"either":{"anyOf":[{"$ref":"#/$defs/Obj"},{"type":"null"}]}
	},"$defs":{"Name":{"type":"string"},"Obj":{"type":"object","properties":{"z":{"type":"string"}}}}}`)
	n := NormalizeMCPSchema(raw)
	get := func(path ...string) any {
		var cur any = n
		for _, p := range path {
			switch c := cur.(type) {
			case map[string]any:
				cur = c[p]
			case []any:
				cur = c[int(p[0]-'0')]
			}
		}
		return cur
	}
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"additionalProperties"}, false},
		{[]string{"properties", "open", "additionalProperties"}, true},
		{[]string{"properties", "nested", "additionalProperties"}, false},
		{[]string{"properties", "list", "items", "additionalProperties"}, false},
		{[]string{"properties", "ref", "type"}, "string"},
		{[]string{"properties", "refobj", "type"}, "object"},
		{[]string{"properties", "refobj", "additionalProperties"}, nil},
		{[]string{"properties", "either", "anyOf", "0", "type"}, "object"},
		{[]string{"$defs", "Obj", "additionalProperties"}, false},
	}
	for _, c := range checks {
		if got := get(c.path...); got != c.want {
			t.Errorf("%s = %v, want %v", strings.Join(c.path, "."), got, c.want)
		}
	}
	if _, ok := raw["additionalProperties"]; ok {
		t.Error("NormalizeMCPSchema modified its input")
	}
}
