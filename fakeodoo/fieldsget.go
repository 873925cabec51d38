package fakeodoo

import "sort"

// runFieldsGet describes the fields of a model, each with its attributes
// sorted by name, as Odoo returns them.
func runFieldsGet(c *call) (any, error) {
	var only map[string]bool
	if names := strList(c.arg("allfields")); c.arg("allfields") != nil && c.arg("allfields") != false {
		only = map[string]bool{}
		for _, n := range names {
			only[n] = true
		}
	}
	var attrs map[string]bool
	if names := strList(c.arg("attributes")); c.arg("attributes") != nil && c.arg("attributes") != false {
		attrs = map[string]bool{}
		for _, n := range names {
			attrs[n] = true
		}
	}
	out := obj{}
	for _, f := range c.m.fields {
		if only != nil && !only[f.name] {
			continue
		}
		desc := c.e.describe(c.m, f)
		var kept obj
		for _, p := range desc {
			if attrs == nil || attrs[p.k] {
				kept = append(kept, p)
			}
		}
		if kept == nil {
			kept = obj{}
		}
		out = append(out, kv{f.name, kept})
	}
	return out, nil
}

// describe is the full fields_get description of f.
func (e *env) describe(m *model, f *field) obj {
	d := map[string]any{
		"change_default":            false,
		"company_dependent":         f.compDep,
		"default_export_compatible": f.required || f.name == m.recName,
		"depends":                   []any{},
		"exportable":                true,
		"groupable":                 f.store && f.typ != "one2many" && f.typ != "binary" && f.typ != "html" && f.typ != "text",
		"manual":                    false,
		"name":                      f.name,
		"readonly":                  f.readonly,
		"required":                  f.required,
		"searchable":                f.store || f.name == "display_name" || f.related != "",
		"sortable":                  f.store && !f.x2many() && f.typ != "binary" && f.typ != "html",
		"store":                     f.store,
		"string":                    f.str,
		"type":                      f.typ,
	}
	if f.help != "" {
		d["help"] = f.help
	}
	switch f.typ {
	case "char":
		d["translate"], d["trim"] = false, true
	case "text", "html":
		d["translate"] = false
	case "selection":
		sel := []any{}
		for _, o := range f.selection(e.major) {
			sel = append(sel, []any{o[0], o[1]})
		}
		d["selection"] = sel
	case "monetary":
		d["currency_field"] = "currency_id"
	case "binary":
		d["attachment"] = true
	}
	if f.relational() {
		d["relation"], d["context"], d["domain"] = f.relation, obj{}, []any{}
		if f.typ == "one2many" {
			d["relation_field"] = f.inverse
		}
		if cm := e.models[f.relation]; e.major >= 19 && cm != nil && cm.parent != "" && f.typ != "one2many" {
			d["allow_hierachy_operators"] = true
		}
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(obj, 0, len(keys))
	for _, k := range keys {
		out = append(out, kv{k, d[k]})
	}
	return out
}
