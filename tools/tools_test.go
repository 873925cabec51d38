package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// count asks the fake directly how many records match, to check the tools
// against Odoo's own answer rather than a number copied from the seed.
func (h *harness) count(model string, domain []any) int {
	h.t.Helper()
	raw, err := h.client.Execute(context.Background(), h.caller.Credentials,
		odoorpc.Call{Model: model, Method: "search_count", Kwargs: map[string]any{"domain": domain}})
	if err != nil {
		h.t.Fatal(err)
	}
	var n int
	json.Unmarshal(raw, &n)
	h.fake.ResetCounters()
	return n
}

func TestRetriever(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			companies := h.count("res.partner", []any{[]any{"is_company", "=", true}})
			if companies < 5 {
				t.Fatalf("seed has %d companies", companies)
			}

			// Explicit fields: exactly one Odoo request, has_more from limit+1.
			out := h.ok("odoo_record_retriever", map[string]any{
				"model": "res.partner", "domain": []any{[]any{"is_company", "=", true}},
				"fields": []string{"name", "country_id"}, "limit": 2, "order": "name asc",
			})
			if n := h.requests(); n != 1 {
				t.Errorf("retriever with fields made %d Odoo requests, want 1", n)
			}
			records := out["records"].([]any)
			if len(records) != 2 || out["count"] != float64(2) || out["has_more"] != true || out["next_offset"] != float64(2) {
				t.Fatalf("page 1: %v", out)
			}
			first := records[0].(map[string]any)
			if _, ok := first["country_id"]; !ok || first["id"] == nil {
				t.Errorf("record lacks requested fields: %v", first)
			}
			if names := []string{records[0].(map[string]any)["name"].(string), records[1].(map[string]any)["name"].(string)}; names[0] > names[1] {
				t.Errorf("order name asc not applied: %v", names)
			}

			// The last page says there is nothing more.
			last := h.ok("odoo_record_retriever", map[string]any{
				"model": "res.partner", "domain": []any{[]any{"is_company", "=", true}},
				"fields": []string{"name"}, "limit": 2, "offset": companies - 1,
			})
			if last["count"] != float64(1) || last["has_more"] != false || last["next_offset"] != nil {
				t.Errorf("last page: %v", last)
			}

			// Default fields: cold costs fields_get too, warm costs one request.
			h.requests()
			def := h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "limit": 1})
			if n := h.requests(); n != 2 {
				t.Errorf("cold default-field retriever made %d requests, want 2", n)
			}
			h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "limit": 1})
			if n := h.requests(); n != 1 {
				t.Errorf("warm default-field retriever made %d requests, want 1", n)
			}
			fields := strings.Join(toStrings(def["fields"]), ",")
			for _, want := range []string{"display_name", "name", "email"} {
				if !strings.Contains(","+fields+",", ","+want+",") {
					t.Errorf("default fields %s lack %s", fields, want)
				}
			}
			for _, banned := range []string{"image_1920", "comment", "child_ids", "message_ids"} {
				if strings.Contains(","+fields+",", ","+banned+",") {
					t.Errorf("default fields include %s: %s", banned, fields)
				}
			}
			if n := len(toStrings(def["fields"])); n > maxDefaultFields+1 {
				t.Errorf("%d default fields", n)
			}

			// Full domain syntax: | and in lists.
			or := h.ok("odoo_record_retriever", map[string]any{
				"model": "res.partner", "fields": []string{"id"},
				"domain": []any{"|", []any{"id", "in", []int{7, 12}}, []any{"name", "=ilike", "lumber inc"}},
			})
			if or["count"] != float64(3) {
				t.Errorf("| with in: %v", or)
			}
			// A domain passed as text (odoo-llm 17 style) works the same.
			asText := h.ok("odoo_record_retriever", map[string]any{
				"model": "res.partner", "fields": []string{"id"}, "domain": `[["id", "in", [7, 12]]]`,
			})
			if asText["count"] != float64(2) {
				t.Errorf("domain as text: %v", asText)
			}
		})
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func TestRetrieverLimits(t *testing.T) {
	h := newHarness(t, "18.0", Policy{DefaultLimit: 3, MaxLimit: 5})
	out := h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}})
	if out["count"] != float64(3) || out["limit"] != float64(3) {
		t.Errorf("default limit: %v", out)
	}
	// Letta 0.11.7 sends every argument: zero values mean "default".
	out = h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{}, "fields": []string{}, "limit": 0, "offset": 0, "order": ""})
	if out["count"] != float64(3) {
		t.Errorf("zero values: %v", out)
	}
	out = h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 50})
	if out["count"] != float64(5) || !strings.Contains(out["note"].(string), "maximum 5") {
		t.Errorf("cap: %v", out)
	}
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	h := newHarness(t, "18.0", Policy{})
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "limits": 5}, `unknown argument "limits"`},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "limit": "five"}, `argument "limit" must be an integer`},
		{"odoo_record_retriever", map[string]any{}, `"model" is required`},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "bogus", "x"}}}, `unknown operator "bogus"`},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{"|", []any{"name", "=", "x"}}}, `"|" needs two conditions`},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "="}}}, "three parts"},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "in", 5}}}, "needs a list value"},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "domain": "name = x"}, "not a JSON list"},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "order": "name; drop table"}, "order"},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "limit": -1}, "zero or positive"},
		{"odoo_record_creator", map[string]any{"model": "res.partner"}, `either "fields"`},
		{"odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name"}}}, `needs a "value"`},
		{"odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": "a"}, map[string]any{"field": "name", "value": "b"}}}, "given twice"},
		{"odoo_record_updater", map[string]any{"model": "res.partner", "domain": []any{}, "values": []any{}}, `"values" needs at least one`},
		{"odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "_foo"}, "private method"},
		{"odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "read", "record_ids": []any{-1}}, "not a positive integer"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			got := h.fails(tc.tool, tc.args)
			if !strings.Contains(got, tc.want) {
				t.Errorf("%s(%v): %q does not contain %q", tc.tool, tc.args, got, tc.want)
			}
		})
	}
	if n := h.requests(); n != 0 {
		t.Errorf("bad input reached Odoo %d times", n)
	}
}

func TestOdooErrorsAreShortAndClean(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			cases := []struct {
				tool string
				args map[string]any
				want string
			}{
				{"odoo_record_retriever", map[string]any{"model": "no.such.model", "fields": []string{"name"}}, "no such model: no.such.model does not exist"},
				{"odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"bogus_field"}}, "invalid request"},
				{"odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "domain": []any{[]any{"bogus_field", "=", 1}}}, "invalid request"},
				{"odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "no_such_method"}, "no such method: res.partner has no public method no_such_method"},
				{"odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "email", "value": "x@example.com"}}}, "validation failed"},
				{"odoo_record_updater", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "=", 7}}, "values": []any{map[string]any{"field": "parent_id", "value": 7}}}, "validation failed: You cannot create recursive"},
				{"odoo_model_inspector", map[string]any{"model": "no.such.model"}, "no such model"},
			}
			for _, tc := range cases {
				got := h.fails(tc.tool, tc.args)
				if !strings.Contains(got, tc.want) {
					t.Errorf("%s: %q does not contain %q", tc.tool, got, tc.want)
				}
				for _, leak := range []string{"Traceback", ".py", "psycopg2", "\n"} {
					if strings.Contains(got, leak) {
						t.Errorf("%s: error leaks %q: %q", tc.tool, leak, got)
					}
				}
			}

			// As the restricted demo user, Odoo's access rights apply.
			h.caller = Caller{DB: h.fake.DB(), UID: fakeodoo.DemoUID, Credentials: odoorpc.Credentials{UID: fakeodoo.DemoUID, Key: fakeodoo.DemoKey}}
			got := h.fails("odoo_record_retriever", map[string]any{"model": "ir.config_parameter", "fields": []string{"key"}})
			if !strings.HasPrefix(got, "access denied: You are not allowed to access") || strings.Contains(got, "groups") {
				t.Errorf("demo reading ir.config_parameter: %q", got)
			}
			got = h.fails("odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "=", 41}}})
			if !strings.HasPrefix(got, "access denied") {
				t.Errorf("demo unlinking a partner: %q", got)
			}
		})
	}
}

func TestCreatorUpdaterUnlinker(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			// One record, with the strict pair shape.
			one := h.ok("odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{
				map[string]any{"field": "name", "value": "Jane Doe"},
				map[string]any{"field": "email", "value": "jane@example.com"},
				map[string]any{"field": "country_id", "value": 20},
				map[string]any{"field": "category_id", "value": []any{[]any{6, 0, []int{4, 5}}}},
			}})
			if n := h.requests(); n != 2 {
				t.Errorf("creator made %d Odoo requests, want 2 (create, read display_name)", n)
			}
			id := int64(one["id"].(float64))
			if one["display_name"] != "Jane Doe" || one["count"] != float64(1) || id == 0 {
				t.Fatalf("create one: %v", one)
			}
			// Several, with odoo-llm's object shape.
			many := h.ok("odoo_record_creator", map[string]any{"model": "res.partner", "records": []any{
				map[string]any{"name": "Batch A", "is_company": true},
				[]any{map[string]any{"field": "name", "value": "Batch B"}},
			}})
			if many["count"] != float64(2) || len(many["records"].([]any)) != 2 {
				t.Fatalf("create many: %v", many)
			}

			// Update: the default limit is one record; has_more says more matched.
			h.requests()
			upd := h.ok("odoo_record_updater", map[string]any{"model": "res.partner",
				"domain": []any{[]any{"name", "like", "Batch"}}, "values": []any{map[string]any{"field": "phone", "value": "+32 2 555 01 00"}}})
			if n := h.requests(); n != 2 {
				t.Errorf("updater made %d Odoo requests, want 2 (search, write)", n)
			}
			if upd["count"] != float64(1) || upd["has_more"] != true {
				t.Errorf("update default limit: %v", upd)
			}
			upd = h.ok("odoo_record_updater", map[string]any{"model": "res.partner",
				"domain": []any{[]any{"id", "=", id}}, "values": map[string]any{"phone": "+1 555 0100", "email": nil}})
			if upd["count"] != float64(1) {
				t.Fatalf("update by id: %v", upd)
			}
			rec := h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "=", id}}, "fields": []string{"phone", "email", "category_id"}})
			r := rec["records"].([]any)[0].(map[string]any)
			if r["phone"] != "+1 555 0100" || r["email"] != false || len(r["category_id"].([]any)) != 2 {
				t.Errorf("after update: %v", r)
			}
			none := h.ok("odoo_record_updater", map[string]any{"model": "res.partner",
				"domain": []any{[]any{"name", "=", "nobody at all"}}, "values": []any{map[string]any{"field": "phone", "value": "1"}}})
			if none["count"] != float64(0) || len(none["ids"].([]any)) != 0 {
				t.Errorf("update of nothing: %v", none)
			}

			// Unlink: search_read then unlink, two requests.
			h.requests()
			del := h.ok("odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "like", "Batch"}}, "limit": 5})
			if n := h.requests(); n != 2 {
				t.Errorf("unlinker made %d Odoo requests, want 2", n)
			}
			if del["deleted_count"] != float64(2) || del["has_more"] != false {
				t.Errorf("unlink: %v", del)
			}
			if n := h.count("res.partner", []any{[]any{"name", "like", "Batch"}}); n != 0 {
				t.Errorf("%d Batch partners left", n)
			}
		})
	}
}

func TestMethodExecutor(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{DenyMethods: []string{"res.partner.unlink", "res.users.*"}})
			// A method that returns nothing (no result key on JSON-RPC) succeeds.
			out := h.ok("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "action_archive", "record_ids": []int{41}})
			if n := h.requests(); n != 1 {
				t.Errorf("executor made %d requests", n)
			}
			if out["result"] != nil || !strings.Contains(out["message"].(string), "executed successfully") {
				t.Errorf("action_archive: %v", out)
			}
			// Named arguments work on both protocols.
			ns := h.ok("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "name_search",
				"kwargs": []any{map[string]any{"name": "name", "value": "Azure"}, map[string]any{"name": "limit", "value": 5}}})
			if res, ok := ns["result"].([]any); !ok || len(res) == 0 {
				t.Errorf("name_search: %v", ns)
			}
			// Deny list and private methods are refused before Odoo is asked.
			h.requests()
			for _, m := range []string{"unlink", "_compute_display_name"} {
				got := h.fails("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": m, "record_ids": []int{7}})
				if !strings.Contains(got, "res.partner."+m) {
					t.Errorf("%s: %q", m, got)
				}
			}
			h.fails("odoo_model_method_executor", map[string]any{"model": "res.users", "method": "write", "record_ids": []int{2}})
			if n := h.requests(); n != 0 {
				t.Errorf("refused calls reached Odoo %d times", n)
			}
			// Positional args: standard ORM methods work on both protocols
			// (JSON-2 gets them named); a domain given as text is decoded.
			args := map[string]any{"model": "res.partner", "method": "search_count", "args": []any{`[["is_company", "=", true]]`}}
			if out := h.ok("odoo_model_method_executor", args); out["result"].(float64) < 5 {
				t.Errorf("search_count with a domain given as text: %v", out)
			}
			// Positional args of a custom method: on 19 (JSON-2) mapped
			// to its parameters from Odoo's method description, fetched
			// once (cold: description + call; warm: the call alone).
			h.requests()
			addr := h.ok("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "address_get", "record_ids": []int{7}, "args": []any{[]any{"invoice"}}})
			if res := addr["result"].(map[string]any); res["invoice"] != float64(11) {
				t.Errorf("address_get with positional args: %v", addr)
			}
			cold := map[string]int{"18.0": 1, "19.0": 2}[v]
			if n := h.requests(); n != cold {
				t.Errorf("custom method with positional args, cold: %d requests, want %d", n, cold)
			}
			found := h.ok("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "find_or_create", "args": []any{"Ann Lee <ann.lee@example.com>", false}})
			if ids, ok := found["result"].([]any); !ok || len(ids) != 1 {
				t.Errorf("find_or_create: %v", found)
			}
			if n := h.requests(); n != 1 {
				t.Errorf("custom method with positional args, warm: %d requests, want 1", n)
			}
			tooMany := map[string]any{"model": "res.partner", "method": "action_archive", "record_ids": []int{40}, "args": []any{true}}
			unknown := map[string]any{"model": "res.partner", "method": "no_such_method", "args": []any{1}}
			if v == "19.0" {
				if got := h.fails("odoo_model_method_executor", tooMany); got != "res.partner.action_archive takes at most 0 positional arguments (); pass the others in kwargs" {
					t.Errorf("too many positional args on JSON-2: %q", got)
				}
				if got := h.fails("odoo_model_method_executor", unknown); got != "no such method: res.partner has no public method no_such_method" {
					t.Errorf("unknown method with args on JSON-2: %q", got)
				}
				if n := h.requests(); n != 0 {
					t.Errorf("refused by the description, yet %d requests", n)
				}
				// A user Odoo will not show its technical documentation
				// gets the reason, and kwargs still work.
				h.caller = Caller{DB: h.fake.DB(), UID: fakeodoo.DemoUID, Credentials: odoorpc.Credentials{UID: fakeodoo.DemoUID, Key: fakeodoo.DemoKey}}
				got := h.fails("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "address_get", "record_ids": []int{7}, "args": []any{[]any{"invoice"}}})
				if !strings.Contains(got, "Technical Documentation") || !strings.Contains(got, "kwargs") {
					t.Errorf("demo, positional args on 19: %q", got)
				}
				h.ok("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "address_get", "record_ids": []int{7}, "kwargs": []any{map[string]any{"name": "adr_pref", "value": []any{"invoice"}}}})
			}
		})
	}
}

func TestInspector(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			out := h.ok("odoo_model_inspector", map[string]any{"model": "res.partner", "field_type_filter": []string{"many2one"}, "method_limit": 3})
			// 19 also asks for the method descriptions (/doc-bearer/).
			if n, want := h.requests(), map[string]int{"18.0": 2, "19.0": 3}[v]; n != want {
				t.Errorf("cold inspector made %d requests, want %d (ir.model, fields_get, on 19 the description)", n, want)
			}
			if out["name"] == "" || out["model"] != "res.partner" {
				t.Errorf("model info: %v", out)
			}
			fields := out["fields"].(map[string]any)
			if len(fields) == 0 {
				t.Fatal("no many2one fields")
			}
			for name, f := range fields {
				if f.(map[string]any)["type"] != "many2one" || f.(map[string]any)["relation"] == "" {
					t.Errorf("field %s: %v", name, f)
				}
			}
			wantNote := map[string]string{"18.0": "no method introspection", "19.0": "as Odoo describes them"}[v]
			if len(out["methods"].([]any)) != 3 || !strings.Contains(out["methods_note"].(string), wantNote) {
				t.Errorf("methods: %v %v", out["methods"], out["methods_note"])
			}
			if v == "19.0" {
				// Custom methods, with their parameters in order.
				ms := h.ok("odoo_model_inspector", map[string]any{"model": "res.partner", "method_name_filter": "find_or", "include_fields": false})
				m := ms["methods"].([]any)[0].(map[string]any)
				params := m["parameters"].([]any)
				if m["name"] != "find_or_create" || m["method_type"] != "model" || len(params) != 2 ||
					params[0].(map[string]any)["name"] != "email" || params[1].(map[string]any)["default"] != false ||
					m["signature"] != "find_or_create(email, assert_valid_email=False)" || strings.Contains(m["docstring"].(string), "<") {
					t.Errorf("find_or_create: %v", m)
				}
				if !strings.Contains(ms["summary"].(string), "public methods") {
					t.Errorf("summary: %v", ms["summary"])
				}
				// A user outside Technical Documentation: the standard
				// methods and why; the refusal is cached like a description.
				h.caller = Caller{DB: h.fake.DB(), UID: fakeodoo.DemoUID, Credentials: odoorpc.Credentials{UID: fakeodoo.DemoUID, Key: fakeodoo.DemoKey}}
				demo := h.ok("odoo_model_inspector", map[string]any{"model": "res.partner", "include_fields": false})
				if !strings.Contains(demo["methods_note"].(string), "Technical Documentation") || demo["total_methods"] != float64(len(ormMethods)) {
					t.Errorf("demo: %v", demo["methods_note"])
				}
				h.requests()
				h.ok("odoo_model_inspector", map[string]any{"model": "res.partner", "include_fields": false})
				if n := h.requests(); n != 0 {
					t.Errorf("warm demo inspector made %d requests", n)
				}
				h.caller = adminCaller(h.fake.DB())
			}
			// Warm: cached per database, user, model and language.
			all := h.ok("odoo_model_inspector", map[string]any{"model": "res.partner", "field_limit": -1, "include_methods": false})
			if n := h.requests(); n != 0 {
				t.Errorf("warm inspector made %d requests, want 0", n)
			}
			if all["field_count"] != all["total_fields"] || all["methods"] != nil {
				t.Errorf("no limit: %v of %v fields", all["field_count"], all["total_fields"])
			}
			sel := h.ok("odoo_model_inspector", map[string]any{"model": "res.partner", "field_name_filter": "type", "include_methods": false})
			typ := sel["fields"].(map[string]any)["type"].(map[string]any)
			if sel, ok := typ["selection"].(map[string]any); !ok || len(sel) < 2 {
				t.Errorf("selection as a map: %v", typ)
			}
		})
	}
}

func TestModelPolicy(t *testing.T) {
	h := newHarness(t, "18.0", Policy{AllowModels: []string{"res.*"}, DenyModels: []string{"res.users"}})
	for _, tc := range []struct {
		tool  string
		model string
	}{
		{"odoo_record_retriever", "sale.order"},
		{"odoo_record_retriever", "res.users"},
		{"odoo_model_inspector", "product.product"},
		{"odoo_model_method_executor", "res.users"},
		{"odoo_record_creator", "sale.order"},
	} {
		args := map[string]any{"model": tc.model, "fields": []string{"name"}, "method": "read"}
		if tc.tool == "odoo_record_creator" {
			args = map[string]any{"model": tc.model, "fields": []any{map[string]any{"field": "name", "value": "x"}}}
		} else if tc.tool != "odoo_model_method_executor" {
			delete(args, "method")
			if tc.tool == "odoo_model_inspector" {
				delete(args, "fields")
			}
		} else {
			delete(args, "fields")
		}
		got := h.fails(tc.tool, args)
		if !strings.Contains(got, "not available through odoo-mcp") {
			t.Errorf("%s on %s: %q", tc.tool, tc.model, got)
		}
	}
	if n := h.requests(); n != 0 {
		t.Errorf("policy refusals reached Odoo %d times", n)
	}
	h.ok("odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1})
}

func TestReadOnlyRefusesWritingToolsOnCall(t *testing.T) {
	// Even if a writing tool were registered, the guard refuses it.
	e := newEnv(Deps{Policy: Policy{ReadOnly: true}})
	for _, tool := range Inventory() {
		if tool.ReadOnly() {
			continue
		}
		res, err := e.guard(tool, tool.handler(e))(context.Background(), nil)
		if err != nil || !res.IsError || !strings.Contains(text(res), "read-only mode") {
			t.Errorf("%s in read-only mode: %v %v", tool.Def.Name, res, err)
		}
	}
}

func TestPanicsBecomeToolErrors(t *testing.T) {
	e := newEnv(Deps{})
	tool := Inventory()[0]
	res, err := e.guard(tool, func(context.Context, *mcpCallToolRequest) (*mcpCallToolResult, error) { panic("boom") })(context.Background(), nil)
	if err != nil || !res.IsError || strings.Contains(text(res), "boom") {
		t.Fatalf("panic: %v %v %q", res, err, text(res))
	}
	_ = fmt.Sprint()
}
