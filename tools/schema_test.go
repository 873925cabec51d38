package tools

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
	"github.com/odoo-mcp/odoo-mcp/internal/golden"
)

// TestToolSnapshots locks every tool definition (name, description,
// schemas, annotations). A changed definition fails with the JSON paths that
// changed until the snapshot is deliberately rewritten: go test ./tools/
// -update (or UPDATE_TOOLSNAPS=true). A missing snapshot is written, except
// in CI (CI=true), where it fails.
func TestToolSnapshots(t *testing.T) {
	for _, tool := range Inventory() {
		t.Run(tool.Def.Name, func(t *testing.T) {
			if err := golden.JSON(filepath.Join("__toolsnaps__", tool.Def.Name+".snap"), tool.Def); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func inputSchema(t *testing.T, tool Tool) map[string]any {
	t.Helper()
	b, err := json.Marshal(tool.Def.InputSchema)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSchemasAreLettaStrictCompliant rates every input schema, as listed,
// with Letta's own classifier (ported in fakeletta): odoo-llm's creator,
// updater and executor are NON_STRICT_ONLY there and break under OpenAI
// strict mode.
func TestSchemasAreLettaStrictCompliant(t *testing.T) {
	for _, tool := range Inventory() {
		health, reasons := fakeletta.ClassifySchema(inputSchema(t, tool))
		if health != fakeletta.StrictCompliant {
			t.Errorf("%s: %s: %v", tool.Def.Name, health, reasons)
		}
	}
}

// TestSchemasFollowLettaPracticalRules checks what the classifier does not:
// letta.md §8 "practical rules" for schemas that survive Letta 0.11.7's
// rewrite for OpenAI (closed objects everywhere, plain typed arrays with
// typed items, no type arrays but of scalars, no anyOf, no $ref, a type on every top-level property,
// no required object whose fields are all optional).
func TestSchemasFollowLettaPracticalRules(t *testing.T) {
	for _, tool := range Inventory() {
		s := inputSchema(t, tool)
		props := s["properties"].(map[string]any)
		for name, p := range props {
			if _, ok := p.(map[string]any)["type"].(string); !ok {
				t.Errorf("%s.%s: top-level property without a single type", tool.Def.Name, name)
			}
		}
		walkSchema(t, tool.Def.Name, "", s)
	}
}

func walkSchema(t *testing.T, tool, path string, node map[string]any) {
	if _, ok := node["$ref"]; ok {
		t.Errorf("%s%s: $ref", tool, path)
	}
	if types, ok := node["type"].([]any); ok {
		// Letta 0.11.7's rewrite keeps a type list as it is, without items
		// or properties: only scalar members survive it.
		for _, ty := range types {
			if ty == "array" || ty == "object" {
				t.Errorf("%s%s: type array with %s", tool, path, ty)
			}
		}
	}
	if _, ok := node["anyOf"]; ok {
		t.Errorf("%s%s: anyOf (Letta 0.11.7's rewrite for OpenAI gives up on it and sends the tool strict but unconverted)", tool, path)
	}
	switch node["type"] {
	case "object":
		if node["additionalProperties"] != false {
			t.Errorf("%s%s: object not closed with additionalProperties:false", tool, path)
		}
		props, _ := node["properties"].(map[string]any)
		for name, p := range props {
			walkSchema(t, tool, path+"."+name, p.(map[string]any))
		}
	case "array":
		items, ok := node["items"].(map[string]any)
		if !ok || len(items) == 0 {
			t.Errorf("%s%s: array without typed items", tool, path)
		} else {
			walkSchema(t, tool, path+"[]", items)
		}
	}
	if branches, ok := node["anyOf"].([]any); ok {
		for _, b := range branches {
			walkSchema(t, tool, path+"|", b.(map[string]any))
		}
	}
}

// TestEveryToolDeclaresItsHints follows mcp-grafana: every tool says whether
// it is read-only and whether it is destructive, never both, and the hints
// match what the tool does.
func TestEveryToolDeclaresItsHints(t *testing.T) {
	want := map[string]struct{ readOnly, destructive bool }{
		"odoo_record_retriever":      {true, false},
		"odoo_model_inspector":       {true, false},
		"odoo_record_creator":        {false, false},
		"odoo_record_updater":        {false, true},
		"odoo_record_unlinker":       {false, true},
		"odoo_model_method_executor": {false, true},
		"odoo_record_aggregator":     {true, false},
	}
	tools := Inventory()
	if len(tools) != len(want) {
		t.Fatalf("%d tools, want %d", len(tools), len(want))
	}
	for _, tool := range tools {
		a := tool.Def.Annotations
		if a == nil || a.DestructiveHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: missing annotations or hints", tool.Def.Name)
			continue
		}
		w, ok := want[tool.Def.Name]
		if !ok {
			t.Errorf("unexpected tool %s", tool.Def.Name)
			continue
		}
		if a.ReadOnlyHint != w.readOnly || *a.DestructiveHint != w.destructive {
			t.Errorf("%s: readOnly=%v destructive=%v, want %v %v", tool.Def.Name, a.ReadOnlyHint, *a.DestructiveHint, w.readOnly, w.destructive)
		}
		if a.ReadOnlyHint && *a.DestructiveHint {
			t.Errorf("%s: both read-only and destructive", tool.Def.Name)
		}
		if tool.Def.Title == "" || tool.Def.OutputSchema == nil || !strings.HasPrefix(tool.Def.Name, "odoo_") {
			t.Errorf("%s: needs a title, an output schema and the odoo_ prefix", tool.Def.Name)
		}
	}
}

// TestOdooLLMArgumentNamesKept: prompts written for odoo-llm name these
// arguments; every one must still exist.
func TestOdooLLMArgumentNamesKept(t *testing.T) {
	want := map[string][]string{
		"odoo_record_retriever":      {"model", "domain", "fields", "limit"},
		"odoo_record_creator":        {"model", "fields", "records"},
		"odoo_record_updater":        {"model", "domain", "values", "limit"},
		"odoo_record_unlinker":       {"model", "domain", "limit"},
		"odoo_model_method_executor": {"model", "method", "record_ids", "args", "kwargs", "allow_private"},
		"odoo_model_inspector": {"model", "include_fields", "include_methods", "field_limit", "method_limit", "include_private",
			"method_name_filter", "method_type_filter", "field_name_filter", "field_type_filter"},
	}
	for _, tool := range Inventory() {
		props := inputSchema(t, tool)["properties"].(map[string]any)
		for _, name := range want[tool.Def.Name] {
			if _, ok := props[name]; !ok {
				t.Errorf("%s lost odoo-llm argument %q", tool.Def.Name, name)
			}
		}
	}
}

func TestReadOnlyPolicyRemovesWritingTools(t *testing.T) {
	var names []string
	for _, tool := range Enabled(Policy{ReadOnly: true}) {
		names = append(names, tool.Def.Name)
	}
	if strings.Join(names, ",") != "odoo_record_retriever,odoo_model_inspector,odoo_record_aggregator" {
		t.Fatalf("read-only tools: %v", names)
	}
	if n := len(Enabled(Policy{})); n != 7 {
		t.Fatalf("%d tools enabled by default", n)
	}
}

// TestSchemasSurviveLetta0117ForOpenAI replays what real Letta 0.11.7 does
// to each tool before calling an OpenAI model (found with e2e/realletta): it
// adds its "thinking" and request_heartbeat arguments, rewrites the schema
// with convert_to_structured_output (letta/llm_api/helpers.py, ported
// below) and sends it with "strict": true; where the rewrite fails it sends
// the schema unconverted, still strict. OpenAI's strict mode (as fakellm
// checks it) must accept the result.
func TestSchemasSurviveLetta0117ForOpenAI(t *testing.T) {
	for _, tool := range Inventory() {
		s := inputSchema(t, tool)
		props := s["properties"].(map[string]any)
		props["thinking"] = map[string]any{"type": "string", "description": "Deep inner monologue private to you only."}
		props["request_heartbeat"] = map[string]any{"type": "boolean", "description": "Request an immediate heartbeat."}
		sent, err := letta0117Structured(s)
		if err != nil {
			t.Errorf("%s: Letta 0.11.7's convert_to_structured_output fails (%v): the tool goes out strict and unconverted", tool.Def.Name, err)
			sent = s
		}
		b, _ := json.Marshal(sent)
		if msg := fakellm.StrictProblem(b); msg != "" {
			t.Errorf("%s: OpenAI strict mode would refuse what Letta 0.11.7 sends: %s", tool.Def.Name, msg)
		}
	}
}

// letta0117Structured ports convert_to_structured_output of Letta 0.11.7:
// every property required, only type/description/properties/items (and enum
// at the top) kept; a node without "type" (anyOf), an object without
// properties or an array without items is an error.
func letta0117Structured(params map[string]any) (map[string]any, error) {
	props := map[string]any{}
	var required []any
	for name, raw := range params["properties"].(map[string]any) {
		d := raw.(map[string]any)
		if _, ok := d["type"]; !ok {
			// KeyError in Letta: the model request fails outright.
			return nil, fmt.Errorf("top-level property %s has no type", name)
		}
		var err error
		switch d["type"] {
		case "object", "array":
			props[name], err = letta0117Helper(d)
		default:
			p := map[string]any{"type": d["type"], "description": d["description"]}
			if e, ok := d["enum"]; ok {
				p["enum"] = e
			}
			props[name] = p
		}
		if err != nil {
			return nil, err
		}
		required = append(required, name)
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false, "required": required}, nil
}

func letta0117Helper(p map[string]any) (map[string]any, error) {
	ty, ok := p["type"]
	if !ok {
		return nil, fmt.Errorf("property %v is missing a type", p)
	}
	out := map[string]any{"type": ty}
	if d, ok := p["description"]; ok {
		out["description"] = d
	}
	switch ty {
	case "object":
		props, ok := p["properties"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("object %v is missing properties", p)
		}
		conv := map[string]any{}
		var req []any
		for k, v := range props {
			c, err := letta0117Helper(v.(map[string]any))
			if err != nil {
				return nil, err
			}
			conv[k] = c
			req = append(req, k)
		}
		out["properties"], out["additionalProperties"], out["required"] = conv, false, req
	case "array":
		items, ok := p["items"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("array %v is missing items", p)
		}
		c, err := letta0117Helper(items)
		if err != nil {
			return nil, err
		}
		out["items"] = c
	}
	return out, nil
}
