package tools

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// groupsOf decodes the groups of an aggregator result.
func groupsOf(t *testing.T, out map[string]any) []map[string]any {
	t.Helper()
	var gs []map[string]any
	for _, g := range out["groups"].([]any) {
		gs = append(gs, g.(map[string]any))
	}
	return gs
}

// drillDown checks that each group's domain selects exactly as many
// records as the group counts, through the retriever, and returns the ids
// it selected per group.
func drillDown(t *testing.T, h *harness, model string, groups []map[string]any) [][]int {
	t.Helper()
	var out [][]int
	for i, g := range groups {
		recs := h.ok("odoo_record_retriever", map[string]any{"model": model, "domain": g["domain"], "fields": []string{"id"}, "limit": 1000})
		if recs["count"] != g["count"] {
			t.Errorf("group %d %v: its domain %v selects %v records, the group counts %v", i, g["values"], g["domain"], recs["count"], g["count"])
		}
		var ids []int
		for _, r := range recs["records"].([]any) {
			ids = append(ids, int(r.(map[string]any)["id"].(float64)))
		}
		sort.Ints(ids)
		out = append(out, ids)
	}
	h.requests()
	return out
}

// TestAggregatorSameAnswerOn18And19: read_group on 18 and
// formatted_read_group on 19 give the same JSON, one request each, and
// every group's domain drills down to exactly its records.
func TestAggregatorSameAnswerOn18And19(t *testing.T) {
	args := map[string]any{
		"model":      "sale.order",
		"domain":     []any{[]any{"state", "!=", "cancel"}},
		"group_by":   []string{"date_order:month", "user_id"},
		"aggregates": []string{"amount_total:sum", "amount_total:max", "partner_id:count_distinct", "__count"},
		"order":      "date_order:month desc, amount_total:sum desc",
	}
	var answers []map[string]any
	var drilled [][][]int
	for _, v := range versions {
		h := newHarness(t, v, Policy{})
		out := h.ok("odoo_record_aggregator", args)
		if n := h.requests(); n != 1 {
			t.Errorf("%s: aggregator made %d Odoo requests, want 1", v, n)
		}
		gs := groupsOf(t, out)
		if len(gs) < 4 {
			t.Fatalf("%s: %d groups: %v", v, len(gs), out)
		}
		first := gs[0]
		month := first["values"].(map[string]any)["date_order:month"].(map[string]any)
		if month["value"] != "2025-01-01 00:00:00" || month["display_name"] != "January 2025" {
			t.Errorf("%s: first month %v", v, month)
		}
		user := first["values"].(map[string]any)["user_id"].(map[string]any)
		if _, ok := user["value"].(float64); !ok || user["display_name"] == "" {
			t.Errorf("%s: salesperson %v", v, user)
		}
		aggs := first["aggregates"].(map[string]any)
		if aggs["__count"] != first["count"] || aggs["amount_total:sum"].(float64) < aggs["amount_total:max"].(float64) {
			t.Errorf("%s: aggregates %v count %v", v, aggs, first["count"])
		}
		// The call's domain is part of every group's domain: the
		// cancelled order of October is in no group.
		for _, g := range gs {
			if !strings.Contains(mustJSONText(g["domain"]), `["state","!=","cancel"]`) {
				t.Errorf("%s: group domain lacks the call's domain: %v", v, g["domain"])
			}
		}
		drilled = append(drilled, drillDown(t, h, "sale.order", gs))
		delete(out, "note")
		answers = append(answers, out)
	}
	// Same values, aggregates, counts and order; the domains may be
	// written differently but select the same records.
	strip := func(out map[string]any) string {
		gs := groupsOf(t, out)
		cp := make([]map[string]any, len(gs))
		for i, g := range gs {
			cp[i] = map[string]any{"values": g["values"], "aggregates": g["aggregates"], "count": g["count"]}
		}
		top := map[string]any{}
		for k, v := range out {
			top[k] = v
		}
		top["groups"] = cp
		return mustJSONText(top)
	}
	if a, b := strip(answers[0]), strip(answers[1]); a != b {
		t.Errorf("18 and 19 differ:\n18: %s\n19: %s", a, b)
	}
	if !reflect.DeepEqual(drilled[0], drilled[1]) {
		t.Errorf("group domains select different records: 18 %v, 19 %v", drilled[0], drilled[1])
	}
}

func mustJSONText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAggregator(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{DefaultLimit: 2})
			// No group_by: one group with the totals of the domain.
			tot := h.ok("odoo_record_aggregator", map[string]any{"model": "sale.order", "aggregates": []string{"amount_untaxed:sum"}})
			gs := groupsOf(t, tot)
			if len(gs) != 1 || gs[0]["count"] != float64(8) || gs[0]["aggregates"].(map[string]any)["amount_untaxed:sum"] != 16286.8 {
				t.Errorf("totals: %v", tot)
			}
			// Paging: the default limit (2 here), has_more and next_offset,
			// still one request.
			h.requests()
			page := h.ok("odoo_record_aggregator", map[string]any{"model": "sale.order", "group_by": []string{"state"}})
			if n := h.requests(); n != 1 {
				t.Errorf("paged aggregator made %d requests", n)
			}
			if page["count"] != float64(2) || page["has_more"] != true || page["next_offset"] != float64(2) {
				t.Errorf("page 1: %v", page)
			}
			rest := h.ok("odoo_record_aggregator", map[string]any{"model": "sale.order", "group_by": []string{"state"}, "offset": 2, "limit": 10})
			if rest["count"] != float64(2) || rest["has_more"] != false || rest["next_offset"] != nil {
				t.Errorf("page 2: %v", rest)
			}
			state := groupsOf(t, rest)[0]["values"].(map[string]any)["state"].(map[string]any)
			if _, ok := state["value"].(string); !ok || state["display_name"] != nil {
				t.Errorf("a selection group is its key, without a display name: %v", state)
			}
			// Empty many2one groups are false.
			h.requests()
			by := h.ok("odoo_record_aggregator", map[string]any{"model": "res.partner", "group_by": []string{"country_id"}, "domain": []any{[]any{"is_company", "=", true}}, "limit": 50, "order": "__count desc"})
			gs = groupsOf(t, by)
			if gs[0]["count"].(float64) < gs[len(gs)-1]["count"].(float64) {
				t.Errorf("order __count desc: %v", by)
			}
			drillDown(t, h, "res.partner", gs)

			// having: Odoo 19 filters groups; 18 has no having, refused
			// without asking Odoo.
			having := map[string]any{"model": "sale.order", "group_by": []string{"partner_id"}, "aggregates": []string{"amount_total:sum"},
				"having": []any{[]any{"amount_total:sum", ">", 3000}}, "order": "amount_total:sum desc", "limit": 10}
			if v == "19.0" {
				out := h.ok("odoo_record_aggregator", having)
				gs := groupsOf(t, out)
				if len(gs) != 2 {
					t.Fatalf("having: %v", out)
				}
				for _, g := range gs {
					if g["aggregates"].(map[string]any)["amount_total:sum"].(float64) <= 3000 {
						t.Errorf("having let through %v", g)
					}
				}
			} else {
				h.requests()
				if got := h.fails("odoo_record_aggregator", having); !strings.Contains(got, "having needs Odoo 19") {
					t.Errorf("having on 18: %q", got)
				}
				if n := h.requests(); n != 0 {
					t.Errorf("having on 18 reached Odoo %d times", n)
				}
			}
			// Odoo's errors read as the other tools' do.
			got := h.fails("odoo_record_aggregator", map[string]any{"model": "sale.order", "group_by": []string{"bogus"}})
			if !strings.HasPrefix(got, "invalid request: Invalid field 'bogus' on ") || !strings.Contains(got, "'sale.order'") {
				t.Errorf("unknown group-by field: %q", got)
			}
			if got := h.fails("odoo_record_aggregator", map[string]any{"model": "no.such.model"}); got != "no such model: no.such.model does not exist in this database" {
				t.Errorf("unknown model: %q", got)
			}
		})
	}
}

func TestAggregatorTimeZone(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			out := h.ok("odoo_record_aggregator", map[string]any{"model": "sale.order", "group_by": []string{"date_order:month"},
				"context": map[string]any{"tz": "Europe/Brussels"}})
			gs := groupsOf(t, out)
			first := gs[0]["values"].(map[string]any)["date_order:month"].(map[string]any)
			// The local month starts at 23:00 UTC the day before.
			if first["value"] != "2024-09-30 23:00:00" || first["display_name"] != "October 2024" {
				t.Errorf("month in Brussels: %v", first)
			}
			drillDown(t, h, "sale.order", gs)
			// Domains read as written, without JSON's HTML escapes.
			res := h.call("odoo_record_aggregator", map[string]any{"model": "sale.order", "group_by": []string{"date_order:year"}})
			if body := text(res); !strings.Contains(body, `"date_order",">=","2024-01-01 00:00:00"`) || strings.Contains(body, `\u003e`) {
				t.Errorf("text: %s", body)
			}
		})
	}
}

func TestAggregatorRefusesBadInput(t *testing.T) {
	h := newHarness(t, "19.0", Policy{})
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"model": "sale.order", "aggregates": []string{"amount_total:median"}}, `unknown function "median"`},
		{map[string]any{"model": "sale.order", "aggregates": []string{"amount_total"}}, `"field:function"`},
		{map[string]any{"model": "sale.order", "aggregates": []string{"__count", "__count"}}, "given twice"},
		{map[string]any{"model": "sale.order", "group_by": []string{"date_order:fortnight"}}, `unknown granularity "fortnight"`},
		{map[string]any{"model": "sale.order", "group_by": []string{"name; drop"}}, "not a field name"},
		{map[string]any{"model": "sale.order", "group_by": []string{"state"}, "order": "amount_total:sum desc"}, "neither a group_by entry nor one of the aggregates"},
		{map[string]any{"model": "sale.order", "group_by": []string{"state"}, "order": "state sideways"}, "asc or desc"},
		{map[string]any{"model": "sale.order", "having": []any{[]any{"state", "=", "sale"}}}, `having: "state" is not an aggregate`},
		{map[string]any{"model": "sale.order", "domain": []any{[]any{"state", "bogus", "x"}}}, `unknown operator "bogus"`},
		{map[string]any{"model": "sale.order", "groupby": []string{"state"}}, `unknown argument "groupby"`},
		{map[string]any{"model": "sale.order", "limit": -1}, "zero or positive"},
		{map[string]any{"model": "sale.order", "context": map[string]any{"company": 1}}, `unknown context key "company"; valid keys: allowed_company_ids, company_id, lang, tz`},
	} {
		if got := h.fails("odoo_record_aggregator", tc.args); !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q does not contain %q", tc.args, got, tc.want)
		}
	}
	if n := h.requests(); n != 0 {
		t.Errorf("bad input reached Odoo %d times", n)
	}
}

func TestAggregatorReadOnlyAndPolicy(t *testing.T) {
	h := newHarness(t, "18.0", Policy{ReadOnly: true, DenyModels: []string{"sale.*"}})
	if _, ok := h.tools["odoo_record_aggregator"]; !ok {
		t.Fatal("the aggregator is read-only and stays listed in read-only mode")
	}
	if got := h.fails("odoo_record_aggregator", map[string]any{"model": "sale.order"}); !strings.Contains(got, "not available through odoo-mcp") {
		t.Errorf("denied model: %q", got)
	}
	h.ok("odoo_record_aggregator", map[string]any{"model": "res.partner", "group_by": []string{"is_company"}})
}
