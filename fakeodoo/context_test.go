package fakeodoo

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestContextRefusals: a company the user may not use, or a language that
// is not active, is refused on both versions and both protocols, as real
// Odoo does (reference §9.3); en_US and allowed companies pass.
func TestContextRefusals(t *testing.T) {
	for _, v := range []string{"18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			c := newTC(t, v)
			for _, tc := range []struct {
				ctx            map[string]any
				wantName, want string
			}{
				{map[string]any{"allowed_company_ids": []any{1}, "lang": "en_US", "tz": "Nowhere/Unknown"}, "", ""},
				{map[string]any{"allowed_company_ids": []any{999}}, exAccessError, "Access to unauthorized or invalid companies."},
				{map[string]any{"allowed_company_ids": []any{1, 2}}, exAccessError, "Access to unauthorized or invalid companies."},
				{map[string]any{"lang": "fr_FR"}, exUserError, "Invalid language code: fr_FR"},
			} {
				r := c.kw(DemoUID, DemoPassword, "res.partner", "search_count", []any{[]any{}}, map[string]any{"context": tc.ctx})
				if r.errName() != tc.wantName || r.errMsg() != tc.want {
					t.Errorf("JSON-RPC with context %v: %s %q, want %s %q", tc.ctx, r.errName(), r.errMsg(), tc.wantName, tc.want)
				}
				if v != "19.0" {
					continue
				}
				status, body := c.json2(DemoKey, "res.partner", "search_count", map[string]any{"domain": []any{}, "context": tc.ctx})
				wantStatus := map[string]int{"": 200, exAccessError: 403, exUserError: 422}[tc.wantName]
				if status != wantStatus {
					t.Errorf("JSON-2 with context %v: %d %v, want %d", tc.ctx, status, body, wantStatus)
				}
			}
		})
	}
}

// TestAPIDoc: /doc-bearer/ exists on 19 only, for Technical Documentation
// users (the admin); the description lists custom methods with their
// positional parameters.
func TestAPIDoc(t *testing.T) {
	get := func(s *Server, path, key string) (int, any) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w.Code, decodeNumbers(w.Body.Bytes())
	}
	s18 := New(Options{Version: "18.0"})
	if code, _ := get(s18, "/doc-bearer/res.partner.json", AdminKey); code != http.StatusNotFound {
		t.Errorf("18.0 doc-bearer: %d", code)
	}
	s := New(Options{Version: "19.0"})
	code, body := get(s, "/doc-bearer/res.partner.json", AdminKey)
	if code != http.StatusOK {
		t.Fatalf("admin: %d %v", code, body)
	}
	methods := body.(map[string]any)["methods"].(map[string]any)
	ag := methods["address_get"].(map[string]any)
	if ag["signature"] != "(adr_pref=None)" || len(ag["parameters"].(map[string]any)) != 1 || !strings.Contains(ag["doc"].(string), "address") {
		t.Errorf("address_get: %v", ag)
	}
	if _, ok := methods["context_get"]; ok {
		t.Error("res.users' context_get described on res.partner")
	}
	if code, body := get(s, "/doc-bearer/res.partner.json", DemoKey); code != http.StatusForbidden ||
		body.(map[string]any)["message"] != "This page is only accessible to Technical Documentation users." {
		t.Errorf("demo: %d %v", code, body)
	}
	if code, _ := get(s, "/doc-bearer/res.partner.json", ""); code != http.StatusUnauthorized {
		t.Errorf("no key: %d", code)
	}
	if code, _ := get(s, "/doc-bearer/no.such.model.json", AdminKey); code != http.StatusNotFound {
		t.Errorf("unknown model: %d", code)
	}
}

// TestCustomPartnerMethods: address_get and find_or_create, the fake's
// non-ORM methods with positional parameters.
func TestCustomPartnerMethods(t *testing.T) {
	c := newTC(t, "18.0")
	got := c.admin("res.partner", "address_get", []any{[]any{7}, []any{"invoice", "delivery"}}, nil).(map[string]any)
	if num(got["invoice"]) != 11 || num(got["delivery"]) != 44 || num(got["contact"]) == 0 {
		t.Errorf("address_get: %v", got)
	}
	ids := c.admin("res.partner", "find_or_create", []any{"Ann Lee <ann.lee@example.com>"}, nil).([]any)
	again := c.admin("res.partner", "find_or_create", []any{"ann.lee@example.com"}, nil).([]any)
	if len(ids) != 1 || num(ids[0]) != num(again[0]) {
		t.Errorf("find_or_create: %v then %v", ids, again)
	}
}

// TestCompanies: the multi-company record rule follows env.companies, and
// a company-dependent field has a value per company, read and written for
// the current company (the first allowed one).
func TestCompanies(t *testing.T) {
	for _, v := range []string{"18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			c := newTC(t, v)
			count := func(ctx map[string]any) int64 {
				return num(c.admin("sale.order", "search_count", []any{[]any{}}, map[string]any{"context": ctx}))
			}
			all, first, second := count(nil), count(map[string]any{"allowed_company_ids": []any{1}}), count(map[string]any{"allowed_company_ids": []any{2}})
			if all != first+second || second != 1 {
				t.Errorf("orders: all companies %d, company 1 %d, company 2 %d", all, first, second)
			}
			cost := func(ctx map[string]any) any {
				return c.admin("product.product", "read", []any{[]any{2}, []any{"standard_price"}}, map[string]any{"context": ctx}).([]any)[0].(map[string]any)["standard_price"]
			}
			if a, b := cost(nil), cost(map[string]any{"allowed_company_ids": []any{2, 1}}); pyRepr(a) != "90.0" || pyRepr(b) != "95.0" {
				t.Errorf("cost in company 1: %v, in company 2: %v", a, b)
			}
			c.admin("product.product", "write", []any{[]any{2}, map[string]any{"standard_price": 99}}, map[string]any{"context": map[string]any{"allowed_company_ids": []any{2}}})
			if a, b := cost(nil), cost(map[string]any{"allowed_company_ids": []any{2}}); pyRepr(a) != "90.0" || pyRepr(b) != "99.0" {
				t.Errorf("after writing in company 2: company 1 %v, company 2 %v", a, b)
			}
			fg := c.admin("product.product", "fields_get", []any{[]any{"standard_price", "list_price"}, []any{"company_dependent"}}, nil).(map[string]any)
			if fg["standard_price"].(map[string]any)["company_dependent"] != true || fg["list_price"].(map[string]any)["company_dependent"] != false {
				t.Errorf("fields_get: %v", fg)
			}
		})
	}
}
