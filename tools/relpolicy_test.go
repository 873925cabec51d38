package tools

import (
	"strings"
	"testing"
)

// A denied model must not be readable through a relation: a dotted path in
// a domain, an order, fields or group-by, an "any" sub-domain, or a
// name search on a relational field (a login oracle otherwise).
func TestDeniedModelIsRefusedThroughRelations(t *testing.T) {
	leaf := []any{[]any{"user_ids.login", "=like", "a%"}}
	retr := func(extra map[string]any) map[string]any {
		args := map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1}
		for k, v := range extra {
			args[k] = v
		}
		return args
	}
	exec := func(method string, extra map[string]any) map[string]any {
		args := map[string]any{"model": "res.partner", "method": method}
		for k, v := range extra {
			args[k] = v
		}
		return args
	}
	kw := func(pairs ...any) []any {
		var out []any
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, map[string]any{"name": pairs[i], "value": pairs[i+1]})
		}
		return out
	}
	const (
		retriever = "odoo_record_retriever"
		executor  = "odoo_model_method_executor"
	)
	refused := []struct {
		name, path, tool string
		args             map[string]any
	}{
		{"dotted domain", "user_ids.login", retriever, retr(map[string]any{"domain": leaf})},
		{"dotted domain under |", "user_ids.login", retriever, retr(map[string]any{"domain": []any{"|", []any{"name", "=", "x"}, []any{"user_ids.login", "=", "admin"}}})},
		{"any sub-domain", "user_ids", retriever, retr(map[string]any{"domain": []any{[]any{"user_ids", "any", []any{[]any{"login", "=like", "a%"}}}}})},
		{"name search on a many2one", "user_id", retriever, retr(map[string]any{"domain": []any{[]any{"user_id", "ilike", "mitch"}}})},
		{"name compared on a many2one", "user_id", retriever, retr(map[string]any{"domain": []any{[]any{"user_id", "=", "Mitchell Admin"}}})},
		{"through an allowed model", "parent_id.user_ids.login", retriever, retr(map[string]any{"domain": []any{[]any{"parent_id.user_ids.login", "=", "admin"}}})},
		{"nested any", "child_ids.user_ids.login", retriever, retr(map[string]any{"domain": []any{[]any{"child_ids", "any", leaf}}})},
		{"order", "user_id.login", retriever, retr(map[string]any{"order": "name asc, user_id.login desc"})},
		{"fields", "user_id.login", retriever, retr(map[string]any{"fields": []string{"name", "user_id.login"}})},
		{"updater domain", "user_ids.login", "odoo_record_updater", map[string]any{"model": "res.partner", "domain": leaf, "values": []any{map[string]any{"field": "comment", "value": "x"}}}},
		{"unlinker domain", "user_ids.login", "odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": leaf}},
		{"executor domain kwarg", "user_ids.login", executor, exec("search_count", map[string]any{"kwargs": kw("domain", leaf)})},
		{"executor positional domain", "user_ids.login", executor, exec("search_read", map[string]any{"args": []any{leaf}})},
		{"executor groupby", "user_id.login", executor, exec("read_group", map[string]any{"kwargs": kw("domain", []any{}, "fields", []any{"id:count"}, "groupby", []any{"user_id.login"})})},
		{"executor fields", "user_id.login", executor, exec("read", map[string]any{"record_ids": []any{1}, "kwargs": kw("fields", []any{"user_id.login"})})},
		{"executor domain in a custom method", "user_ids.login", executor, exec("my_custom_search", map[string]any{"kwargs": kw("filters", leaf)})},
		{"aggregator domain", "user_ids.login", "odoo_record_aggregator", map[string]any{"model": "res.partner", "domain": leaf, "group_by": []string{"country_id"}, "aggregates": []string{"__count"}}},
		{"executor specification", "user_id", executor, exec("web_search_read", map[string]any{"kwargs": kw("domain", []any{},
			"specification", map[string]any{"name": map[string]any{}, "user_id": map[string]any{"fields": map[string]any{"login": map[string]any{}}}})})},
	}
	for _, v := range versions {
		h := newHarness(t, v, Policy{DenyModels: []string{"res.users"}})
		for _, tc := range refused {
			got := h.fails(tc.tool, tc.args)
			if !strings.Contains(got, "res.users") || !strings.Contains(got, tc.path) || !strings.Contains(got, "denied") {
				t.Errorf("%s %s: %q, want a refusal naming res.users and %s", v, tc.name, got, tc.path)
			}
			for _, c := range h.fake.Calls() {
				if c.Method != "fields_get" {
					t.Errorf("%s %s: Odoo was asked %s.%s", v, tc.name, c.Model, c.Method)
				}
			}
			h.fake.ResetCounters()
		}
	}
}

// What the deny list does not refuse: reading an allowed model's own
// fields, a relational field's ids (a many2one also shows the display name
// of its record), comparing it with ids, ordering by it, and paths through
// allowed models.
func TestDenyListLetsAllowedPathsThrough(t *testing.T) {
	for _, v := range versions {
		h := newHarness(t, v, Policy{DenyModels: []string{"res.users"}})
		for _, args := range []map[string]any{
			{"domain": []any{[]any{"user_id", "=", 2}}},
			{"domain": []any{[]any{"user_id", "!=", false}}},
			{"domain": []any{[]any{"user_id", "in", []any{1, 2}}}},
			{"domain": []any{[]any{"country_id.code", "=", "BE"}}},
			{"domain": []any{[]any{"name", "ilike", "a"}, []any{"country_id", "any", []any{[]any{"code", "=", "BE"}}}}},
			{"fields": []string{"name", "user_id", "user_ids"}},
			{"order": "user_id desc, name"},
		} {
			args["model"] = "res.partner"
			args["limit"] = 1
			if args["fields"] == nil {
				args["fields"] = []string{"name"}
			}
			h.ok("odoo_record_retriever", args)
		}
	}
}

// An allow list also covers the models a path reaches.
func TestAllowListCoversRelatedModels(t *testing.T) {
	h := newHarness(t, "18.0", Policy{AllowModels: []string{"res.partner", "res.country"}})
	h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1,
		"domain": []any{[]any{"country_id.code", "=", "BE"}}})
	for _, path := range []string{"company_id.name", "user_id.login"} {
		got := h.fails("odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"},
			"domain": []any{[]any{path, "=", "x"}}})
		if !strings.Contains(got, "not in the allowed models") || !strings.Contains(got, path) {
			t.Errorf("%s: %q", path, got)
		}
	}
}

// The check costs one fields_get per model on the path the first time, and
// nothing once the cache is warm; without model lists it costs nothing.
func TestRelationPolicyRoundTrips(t *testing.T) {
	args := map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1,
		"domain": []any{[]any{"is_company", "=", true}, []any{"country_id.code", "=", "BE"}}}
	for _, v := range versions {
		h := newHarness(t, v, Policy{DenyModels: []string{"res.users"}})
		h.ok("odoo_record_retriever", args)
		if n := h.requests(); n != 3 {
			t.Errorf("%s cold: %d requests, want 3 (fields_get of res.partner and res.country, search_read)", v, n)
		}
		h.ok("odoo_record_retriever", args)
		if n := h.requests(); n != 1 {
			t.Errorf("%s warm: %d requests, want 1", v, n)
		}
		free := newHarness(t, v, Policy{})
		free.ok("odoo_record_retriever", args)
		if n := free.requests(); n != 1 {
			t.Errorf("%s without model lists: %d requests, want 1", v, n)
		}
	}
}

// Writing tools cannot create, change or delete a denied model's records
// through x2many commands on an allowed one; links by id to many2many
// records and many2one ids stay possible.
func TestDeniedModelIsRefusedThroughWrittenRelations(t *testing.T) {
	pair := func(field string, value any) map[string]any { return map[string]any{"field": field, "value": value} }
	for _, v := range versions {
		h := newHarness(t, v, Policy{DenyModels: []string{"res.users"}})
		for _, tc := range []struct {
			name, tool, path string
			args             map[string]any
		}{
			{"create through a one2many", "odoo_record_creator", "user_ids", map[string]any{"model": "res.partner",
				"fields": []any{pair("name", "x"), pair("user_ids", []any{[]any{0, 0, map[string]any{"name": "x", "login": "x"}}})}}},
			{"change through a one2many", "odoo_record_updater", "user_ids", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "=", 3}},
				"values": []any{pair("user_ids", []any{[]any{1, 2, map[string]any{"login": "y"}}})}}},
			{"nested in an allowed model", "odoo_record_creator", "child_ids.user_ids", map[string]any{"model": "res.partner",
				"fields": []any{pair("name", "x"), pair("child_ids", []any{[]any{0, 0, map[string]any{"name": "c", "user_ids": []any{[]any{0, 0, map[string]any{"login": "z"}}}}}})}}},
		} {
			got := h.fails(tc.tool, tc.args)
			if !strings.Contains(got, "res.users") || !strings.Contains(got, tc.path) {
				t.Errorf("%s %s: %q", v, tc.name, got)
			}
			for _, c := range h.fake.Calls() {
				if c.Method != "fields_get" {
					t.Errorf("%s %s: Odoo was asked %s.%s", v, tc.name, c.Model, c.Method)
				}
			}
			h.fake.ResetCounters()
		}
		h.ok("odoo_record_creator", map[string]any{"model": "res.partner",
			"fields": []any{pair("name", "ok"), pair("user_id", 2), pair("category_id", []any{[]any{6, 0, []any{}}})}})
	}
}
