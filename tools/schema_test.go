package tools

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
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
// typed items, no type arrays, no $ref, a type on every top-level property,
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
	if _, ok := node["type"].([]any); ok {
		t.Errorf("%s%s: type array", tool, path)
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
