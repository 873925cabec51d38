package tools

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// captureOdoo records the calls tools make and answers an empty list.
type captureOdoo struct{ calls []odoorpc.Call }

func (o *captureOdoo) Execute(_ context.Context, _ odoorpc.Credentials, call odoorpc.Call) (json.RawMessage, error) {
	o.calls = append(o.calls, call)
	return json.RawMessage("[]"), nil
}

// TestCallContextMerge: the context argument is merged over the caller's
// context (the user's and --odoo-context) for that call only, company_id
// becoming the first allowed company.
func TestCallContextMerge(t *testing.T) {
	server := map[string]any{"lang": "en_US", "tz": "Europe/Brussels", "allowed_company_ids": []any{float64(1), float64(3)}}
	for _, tc := range []struct {
		name string
		arg  string
		want map[string]any
	}{
		{"absent", ``, server},
		{"zero values", `,"context":{"company_id":0,"allowed_company_ids":[],"lang":"","tz":""}`, server},
		{"company first", `,"context":{"company_id":3}`, map[string]any{"lang": "en_US", "tz": "Europe/Brussels", "allowed_company_ids": []int64{3, 1}}},
		{"allowed replaced", `,"context":{"allowed_company_ids":[2]}`, map[string]any{"lang": "en_US", "tz": "Europe/Brussels", "allowed_company_ids": []int64{2}}},
		{"company before allowed", `,"context":{"company_id":2,"allowed_company_ids":[1,2]}`, map[string]any{"lang": "en_US", "tz": "Europe/Brussels", "allowed_company_ids": []int64{2, 1}}},
		{"lang and tz", `,"context":{"lang":"fr_BE","tz":"America/New_York"}`, map[string]any{"lang": "fr_BE", "tz": "America/New_York", "allowed_company_ids": []any{float64(1), float64(3)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			odoo := &captureOdoo{}
			e := newEnv(Deps{Odoo: odoo, Caller: func(context.Context, *mcpCallToolRequest) (Caller, error) {
				return Caller{DB: "db", UID: 2, Context: server}, nil
			}})
			req := &mcpCallToolRequest{}
			req.Params = &mcpCallToolParamsRaw{Name: "odoo_record_retriever", Arguments: json.RawMessage(`{"model":"res.partner","fields":["name"]` + tc.arg + `}`)}
			res, err := handle(e, e.retrieve, audited[retrieverArgs, retrieverResult]{})(context.Background(), req)
			if err != nil || res.IsError {
				t.Fatalf("%v %s", err, text(res))
			}
			if len(odoo.calls) != 1 || !reflect.DeepEqual(odoo.calls[0].Context, tc.want) {
				t.Errorf("context sent %#v, want %#v", odoo.calls[0].Context, tc.want)
			}
			if len(server["allowed_company_ids"].([]any)) != 2 || server["lang"] != "en_US" {
				t.Errorf("the server context was changed: %v", server)
			}
		})
	}
}

func TestCallContextRefusedInput(t *testing.T) {
	h := newHarness(t, "18.0", Policy{})
	for _, tc := range []struct {
		ctx  any
		want string
	}{
		{map[string]any{"company": 2}, `unknown context key "company"; valid keys: allowed_company_ids, company_id, lang, tz`},
		{map[string]any{"active_test": false}, `unknown context key "active_test"`},
		{map[string]any{"company_id": "two"}, "context.company_id has the wrong type"},
		{map[string]any{"company_id": -1}, "positive company id"},
		{map[string]any{"allowed_company_ids": []any{0}}, "positive company ids"},
		{map[string]any{"lang": "French"}, `context.lang "French" is not a language code`},
		{map[string]any{"tz": "Europe/Brussels; drop"}, "not a time zone name"},
		{"fr_FR", "context must be an object"},
	} {
		for _, tool := range []string{"odoo_record_retriever", "odoo_record_creator", "odoo_model_inspector", "odoo_record_aggregator"} {
			args := map[string]any{"model": "res.partner", "context": tc.ctx}
			if got := h.fails(tool, args); !strings.Contains(got, tc.want) {
				t.Errorf("%s with context %v: %q does not contain %q", tool, tc.ctx, got, tc.want)
			}
		}
	}
	if n := h.requests(); n != 0 {
		t.Errorf("bad contexts reached Odoo %d times", n)
	}
}

// TestCallContextOdooRefusals: a company the user may not use and an
// inactive language get Odoo's own refusal, as one short line, on both
// versions; an allowed company works.
func TestCallContextOdooRefusals(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			h.caller = Caller{DB: h.fake.DB(), UID: fakeodoo.DemoUID, Credentials: odoorpc.Credentials{UID: fakeodoo.DemoUID, Key: fakeodoo.DemoKey}}
			args := func(ctx map[string]any) map[string]any {
				return map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1, "context": ctx}
			}
			h.ok("odoo_record_retriever", args(map[string]any{"company_id": 1, "lang": "en_US", "tz": "Europe/Brussels"}))
			if got := h.fails("odoo_record_retriever", args(map[string]any{"company_id": 999})); got != "access denied: Access to unauthorized or invalid companies." {
				t.Errorf("company 999: %q", got)
			}
			if got := h.fails("odoo_record_aggregator", map[string]any{"model": "res.partner", "context": map[string]any{"lang": "fr_FR"}}); got != "Odoo refused: Invalid language code: fr_FR" {
				t.Errorf("fr_FR: %q", got)
			}
			if got := h.fails("odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "search_count", "kwargs": []any{map[string]any{"name": "domain", "value": []any{}}},
				"context": map[string]any{"allowed_company_ids": []any{1, 2}}}); !strings.HasPrefix(got, "access denied: Access to unauthorized") {
				t.Errorf("companies 1, 2: %q", got)
			}
		})
	}
}

// TestOneCompany: totals by month and salesperson for one company, and a
// company-dependent field read for it, on both versions (the admin works
// in companies 1 and 2; one order and one product cost are company 2's).
func TestOneCompany(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			totals := func(ctx map[string]any) (groups int, sum float64) {
				out := h.ok("odoo_record_aggregator", map[string]any{"model": "sale.order", "group_by": []string{"date_order:month", "user_id"},
					"aggregates": []string{"amount_total:sum"}, "context": ctx})
				for _, g := range groupsOf(t, out) {
					groups++
					sum += g["aggregates"].(map[string]any)["amount_total:sum"].(float64)
				}
				return groups, sum
			}
			_, all := totals(nil)
			_, first := totals(map[string]any{"company_id": 1})
			n, second := totals(map[string]any{"company_id": 2})
			if n != 1 || math.Abs(second-3450) > 0.01 || math.Abs(first+second-all) > 0.01 {
				t.Errorf("totals: all %v, company 1 %v, company 2 %v in %d groups", all, first, second, n)
			}
			cost := func(ctx map[string]any) any {
				out := h.ok("odoo_record_retriever", map[string]any{"model": "product.product", "domain": []any{[]any{"id", "=", 2}}, "fields": []string{"standard_price"}, "context": ctx})
				return out["records"].([]any)[0].(map[string]any)["standard_price"]
			}
			if a, b := cost(map[string]any{"company_id": 1}), cost(map[string]any{"company_id": 2, "allowed_company_ids": []any{1, 2}}); a != float64(90) || b != float64(95) {
				t.Errorf("cost for company 1: %v, company 2: %v", a, b)
			}
		})
	}
}
