package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

type inspectorArgs struct {
	Model            string   `json:"model"`
	IncludeFields    *bool    `json:"include_fields"`
	IncludeMethods   *bool    `json:"include_methods"`
	FieldLimit       int      `json:"field_limit"`
	MethodLimit      int      `json:"method_limit"`
	IncludePrivate   bool     `json:"include_private"`
	MethodNameFilter string   `json:"method_name_filter"`
	MethodTypeFilter []string `json:"method_type_filter"`
	FieldNameFilter  string   `json:"field_name_filter"`
	FieldTypeFilter  []string `json:"field_type_filter"`

	Context *CallContext `json:"context"`
}

type inspectedField struct {
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	String        string            `json:"string"`
	Help          string            `json:"help,omitempty"`
	Required      bool              `json:"required"`
	Readonly      bool              `json:"readonly"`
	Store         bool              `json:"store"`
	Relation      string            `json:"relation,omitempty"`
	RelationField string            `json:"relation_field,omitempty"`
	Selection     map[string]string `json:"selection,omitempty"`
}

// ormMethods is what odoo-mcp can honestly say about methods before Odoo
// 19: Odoo's external API has no introspection there, so these are the
// standard methods every model has, with their signatures as of Odoo 16-19.
var ormMethods = []methodEntry{
	{Name: "search_read", MethodType: "model", Signature: "search_read(domain=None, fields=None, offset=0, limit=None, order=None)", Docstring: "Search records and read fields in one call."},
	{Name: "search", MethodType: "model", Signature: "search(domain, offset=0, limit=None, order=None)", Docstring: "Return the ids of records matching a domain."},
	{Name: "search_count", MethodType: "model", Signature: "search_count(domain, limit=None)", Docstring: "Count records matching a domain."},
	{Name: "read", MethodType: "instance", Signature: "read(fields=None)", Docstring: "Read fields of the given records."},
	{Name: "create", MethodType: "model", Signature: "create(vals_list)", Docstring: "Create records from a list of value dictionaries; returns their ids."},
	{Name: "write", MethodType: "instance", Signature: "write(vals)", Docstring: "Write values on the given records."},
	{Name: "unlink", MethodType: "instance", Signature: "unlink()", Docstring: "Delete the given records."},
	{Name: "fields_get", MethodType: "model", Signature: "fields_get(allfields=None, attributes=None)", Docstring: "Describe the model's fields."},
	{Name: "name_search", MethodType: "model", Signature: "name_search(name='', domain=None, operator='ilike', limit=100)", Docstring: "Search records by display name; returns [id, name] pairs. (16-17 call the domain parameter args.)"},
	{Name: "default_get", MethodType: "model", Signature: "default_get(fields_list)", Docstring: "Default values for new records. (19 names the parameter fields.)"},
	{Name: "copy", MethodType: "instance", Signature: "copy(default=None)", Docstring: "Duplicate one record, optionally overriding values."},
	{Name: "read_group", MethodType: "model", Signature: "read_group(domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True)", Docstring: "Aggregate records grouped by fields (Odoo 19: formatted_read_group)."},
	{Name: "action_archive", MethodType: "instance", Signature: "action_archive()", Docstring: "Archive the given records (models with an active field)."},
	{Name: "action_unarchive", MethodType: "instance", Signature: "action_unarchive()", Docstring: "Restore archived records."},
}

const methodsNote = "Odoo's external API offers no method introspection: only the standard ORM methods are listed. Model-specific public methods (such as action_confirm on sale.order) exist and can be called with odoo_model_method_executor, but cannot be listed from outside Odoo. Private methods (starting with _) can never be called remotely."

const describedNote = "The model's public methods as Odoo describes them (Odoo 19+), with their parameters in order: call them with odoo_model_method_executor; positional args are mapped to these parameters. Private methods (starting with _) can never be called remotely."

const undescribedNote = "Odoo 19 describes a model's methods through its api_doc module, to users of the Technical Documentation group; here it did not (%s): only the standard ORM methods are listed. Model-specific public methods exist and can be called with odoo_model_method_executor, with kwargs."

type inspectorResult struct {
	Model        string                    `json:"model"`
	Name         string                    `json:"name"`
	Modules      string                    `json:"modules"`
	Transient    bool                      `json:"transient"`
	Fields       map[string]inspectedField `json:"fields,omitempty"`
	FieldCount   int                       `json:"field_count"`
	TotalFields  int                       `json:"total_fields"`
	Methods      []methodEntry             `json:"methods,omitempty"`
	MethodCount  int                       `json:"method_count"`
	TotalMethods int                       `json:"total_methods"`
	MethodsNote  string                    `json:"methods_note"`
	Summary      string                    `json:"summary"`
}

func modelInspector() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_model_inspector",
			Title: "Inspect an Odoo model",
			Description: `Describe an Odoo model: its name, modules and fields (type, label, help, required, readonly, stored, relation, selection values), so you can build correct domains and values.

- include_fields / include_methods: default true.
- field_name_filter / method_name_filter: case-insensitive substring; empty for all.
- field_type_filter: Odoo field types such as ["char", "many2one"]; method_type_filter: ["model"] or ["instance"]; empty lists for all.
- field_limit (default 30) / method_limit (default 20): 0 for the default, -1 for no limit. Fields are sorted by name.

Methods: on Odoo 19 and later, the model's public methods as Odoo describes them (parameters in order, with docstrings), for users Odoo lets read its technical documentation; otherwise (and before Odoo 19, whose API cannot list a model's own methods) the standard ORM methods callable remotely.`,
			InputSchema: object(schema{
				"model":              modelProp(),
				"include_fields":     typed("boolean", "include the fields (default true)"),
				"include_methods":    typed("boolean", "include the callable methods (default true)"),
				"field_limit":        typed("integer", "maximum fields; 0 for the default (30), -1 for all"),
				"method_limit":       typed("integer", "maximum methods; 0 for the default (20), -1 for all"),
				"include_private":    typed("boolean", "kept for odoo-llm compatibility; private methods cannot be called remotely and are never listed"),
				"method_name_filter": typed("string", "substring of method names; empty for all"),
				"method_type_filter": arrayOf(typed("string", ""), "method types: model, instance; empty list for all"),
				"field_name_filter":  typed("string", "substring of field names or labels; empty for all"),
				"field_type_filter":  arrayOf(typed("string", ""), "field types such as char, many2one, selection; empty list for all"),
			}, "model"),
			OutputSchema: outputObject(schema{
				"model":         typed("string", ""),
				"name":          typed("string", ""),
				"modules":       typed("string", ""),
				"transient":     typed("boolean", ""),
				"fields":        schema{"type": "object", "additionalProperties": schema{"type": "object"}},
				"field_count":   typed("integer", ""),
				"total_fields":  typed("integer", ""),
				"methods":       arrayOf(schema{"type": "object"}, ""),
				"method_count":  typed("integer", ""),
				"total_methods": typed("integer", ""),
				"methods_note":  typed("string", ""),
				"summary":       typed("string", ""),
			}, "model", "name", "field_count", "total_fields", "method_count", "total_methods", "methods_note", "summary"),
			Annotations: annotations(true, false, true),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.inspect, audited[inspectorArgs, inspectorResult]{
				model: func(a inspectorArgs) string { return a.Model },
			})
		},
	}
}

type irModel struct {
	Name      string `json:"name"`
	Model     string `json:"model"`
	Modules   any    `json:"modules"`
	Transient bool   `json:"transient"`
}

func (e *env) describeModel(ctx context.Context, c Caller, model string) (irModel, error) {
	key := fmt.Sprintf("ir.model\x00%s\x00%d\x00%s\x00%v", c.DB, c.UID, model, c.Context["lang"])
	if v, ok := e.fields.Get(key); ok {
		return v.(irModel), nil
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: "ir.model", Method: "search_read", Kwargs: map[string]any{
		"domain": []any{[]any{"model", "=", model}},
		"fields": []string{"name", "model", "modules", "transient"},
		"limit":  1,
	}})
	if err != nil {
		return irModel{}, err
	}
	var rows []irModel
	if err := json.Unmarshal(raw, &rows); err != nil {
		return irModel{}, fmt.Errorf("%w: ir.model: %v", odoorpc.ErrProtocol, err)
	}
	if len(rows) == 0 {
		return irModel{}, &odoorpc.Error{Kind: odoorpc.ErrUnknownModel, Model: model}
	}
	e.fields.Set(key, rows[0], e.FieldsTTL)
	return rows[0], nil
}

func (e *env) inspect(ctx context.Context, c Caller, in inspectorArgs) (inspectorResult, error) {
	var res inspectorResult
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	info, err := e.describeModel(ctx, c, in.Model)
	if err != nil {
		return res, err
	}
	modules, _ := info.Modules.(string)
	res = inspectorResult{Model: info.Model, Name: info.Name, Modules: modules, Transient: info.Transient, MethodsNote: methodsNote}

	if in.IncludeFields == nil || *in.IncludeFields {
		all, err := e.fieldsOf(ctx, c, in.Model)
		if err != nil {
			return res, err
		}
		res.TotalFields = len(all)
		res.Fields = selectFields(all, in.FieldNameFilter, in.FieldTypeFilter, limitOr(in.FieldLimit, 30))
		res.FieldCount = len(res.Fields)
	}
	kind := "standard"
	if in.IncludeMethods == nil || *in.IncludeMethods {
		all := e.listableMethods(ctx, c, in.Model, &res)
		if res.MethodsNote == describedNote {
			kind = "public"
		}
		res.TotalMethods = len(all)
		res.Methods = selectMethods(all, in.MethodNameFilter, in.MethodTypeFilter, limitOr(in.MethodLimit, 20))
		res.MethodCount = len(res.Methods)
	}
	res.Summary = fmt.Sprintf("%s (%s) from %s: showing %d of %d fields and %d of %d %s methods.",
		res.Name, res.Model, orDash(res.Modules), res.FieldCount, res.TotalFields, res.MethodCount, res.TotalMethods, kind)
	return res, nil
}

// limitOr maps the argument conventions: 0 = default, negative = no limit.
func limitOr(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

func selectFields(all map[string]FieldInfo, nameFilter string, types []string, limit int) map[string]inspectedField {
	nameFilter = strings.ToLower(nameFilter)
	names := make([]string, 0, len(all))
	for name, f := range all {
		if nameFilter != "" && !strings.Contains(strings.ToLower(name), nameFilter) &&
			!strings.Contains(strings.ToLower(f.String), nameFilter) {
			continue
		}
		if len(types) > 0 && !containsFold(types, f.Type) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if limit >= 0 && len(names) > limit {
		names = names[:limit]
	}
	out := make(map[string]inspectedField, len(names))
	for _, name := range names {
		f := all[name]
		out[name] = inspectedField{
			Name: name, Type: f.Type, String: f.String, Help: f.Help,
			Required: f.Required, Readonly: f.Readonly, Store: f.Store,
			Relation: f.Relation, RelationField: f.RelationField,
			Selection: selectionMap(f.Selection),
		}
	}
	return out
}

// selectionMap turns Odoo's [[key, label], ...] into {key: label}.
func selectionMap(v any) map[string]string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	m := make(map[string]string, len(list))
	for _, item := range list {
		if kv, ok := item.([]any); ok && len(kv) == 2 {
			m[fmt.Sprint(kv[0])] = fmt.Sprint(kv[1])
		}
	}
	return m
}

// listableMethods is what the inspector can list: on Odoo 19+ the
// methods Odoo describes (ormMethods when it will not, with a note
// saying why), before 19 the standard ORM methods.
func (e *env) listableMethods(ctx context.Context, c Caller, model string, res *inspectorResult) []methodEntry {
	if major, err := e.major(ctx); err != nil || major < 19 {
		return ormMethods
	}
	methods, err := e.methodsOf(ctx, c, model)
	if err != nil {
		var oe *odoorpc.Error
		reason := err.Error()
		if errors.As(err, &oe) {
			reason = odooErrorText(oe)
		}
		res.MethodsNote = fmt.Sprintf(undescribedNote, reason)
		return ormMethods
	}
	res.MethodsNote = describedNote
	return methods
}

func selectMethods(all []methodEntry, nameFilter string, types []string, limit int) []methodEntry {
	nameFilter = strings.ToLower(nameFilter)
	out := []methodEntry{}
	for _, m := range all {
		if nameFilter != "" && !strings.Contains(m.Name, nameFilter) {
			continue
		}
		if len(types) > 0 && !containsFold(types, m.MethodType) {
			continue
		}
		if limit >= 0 && len(out) == limit {
			break
		}
		out = append(out, m)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
