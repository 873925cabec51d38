package fakeodoo

import (
	"slices"
	"testing"
)

func searchIDs(t *testing.T, s *Server, model, domain string, ctx map[string]any) ([]int64, error) {
	t.Helper()
	e := s.superEnv()
	if ctx != nil {
		e = e.withContext(ctx)
	}
	return e.search(s.models[model], decodeNumbers([]byte(domain)), 0, 0, "id")
}

func TestDomainOperators(t *testing.T) {
	for _, version := range []string{"18.0", "19.0"} {
		s := New(Options{Version: version})
		tests := []struct {
			name, model, domain string
			ctx                 map[string]any
			want                []int64
		}{
			{"equal bool", "res.partner", `[["is_company","=",true]]`, nil, []int64{1, 7, 12, 16, 21, 23, 27, 30, 33, 34, 35, 36, 37, 38}},
			{"in skips archived", "res.partner", `[["id","in",[1,2,3]]]`, nil, []int64{1, 3}},
			{"or", "res.partner", `["|",["id","=",1],["id","=",3]]`, nil, []int64{1, 3}},
			{"and with path", "res.partner", `["&",["is_company","=",true],["country_id.code","=","BE"]]`, nil, []int64{33}},
			{"implicit and", "res.partner", `[["is_company","=",true],["country_id","=",233]]`, nil, []int64{1, 7, 12, 16, 21, 23, 27, 30}},
			{"not", "res.partner", `[["id","<=",10],"!",["is_company","=",true]]`, nil, []int64{3, 6, 8, 9, 10}},
			{"nested prefix", "res.partner", `["|","&",["is_company","=",true],["id","<",10],["id","=",8]]`, nil, []int64{1, 7, 8}},
			{"not equal false", "res.partner", `[["id","<=",6],["email","!=",false]]`, nil, []int64{1, 3, 6}},
			{"equal false", "res.partner", `[["parent_id","=",false],["id","<=",6]]`, nil, []int64{1, 3}},
			{"datetime greater or equal date", "sale.order", `[["date_order",">=","2025-01-01"]]`, nil, []int64{1, 2, 6, 8}},
			{"datetime less", "sale.order", `[["date_order","<","2024-12-01 00:00:00"]]`, nil, []int64{4, 5}},
			{"like is case-sensitive", "res.partner", `[["name","like","Wood"]]`, nil, []int64{30, 33}},
			{"like lower finds nothing", "res.partner", `[["name","like","wood"]]`, nil, nil},
			{"ilike", "res.partner", `[["name","ilike","wood"]]`, nil, []int64{30, 33}},
			{"not ilike", "res.partner", `[["is_company","=",true],["name","not ilike","o"]]`, nil, []int64{16, 21, 23, 37}},
			{"not like", "res.partner", `[["is_company","=",true],["name","not like","o"]]`, nil, []int64{16, 21, 23, 37}},
			{"=like", "res.partner", `[["name","=like","O%"]]`, nil, []int64{19, 33}},
			{"=ilike", "res.partner", `[["email","=ilike","AZURE.%"]]`, nil, []int64{7}},
			{"like wildcard _", "res.partner", `[["name","=like","Ron Gibso_"]]`, nil, []int64{31}},
			{"in with false", "res.partner", `[["state_id","in",[false,5]],["id","<=",6]]`, nil, []int64{3, 6}},
			{"not in", "res.partner", `[["id","not in",[1,3]],["id","<=",6]]`, nil, []int64{6}},
			{"child_of", "res.partner", `[["id","child_of",7]]`, nil, []int64{7, 8, 9, 10, 11, 44}},
			{"parent_of", "res.partner", `[["id","parent_of",8]]`, nil, []int64{7, 8}},
			{"child_of through many2many", "res.partner", `[["category_id","child_of",5]]`, nil, []int64{7, 12, 23, 30, 37}},
			{"child_of by name", "res.partner.category", `[["id","child_of","Vendor"]]`, nil, []int64{1, 2, 3}},
			{"many2one by name", "res.partner", `[["country_id","=","Belgium"]]`, nil, []int64{33}},
			{"many2one ilike archived hidden", "res.partner", `[["country_id","ilike","kingdom"]]`, nil, nil},
			{"active_test off", "res.partner", `[["country_id","ilike","kingdom"]]`, map[string]any{"active_test": false}, []int64{39}},
			{"many2many in", "res.partner", `[["category_id","in",[4]]]`, nil, []int64{23, 33, 34, 41}},
			{"many2many empty", "res.partner", `[["category_id","=",false],["is_company","=",true]]`, nil, []int64{1, 27, 35, 38}},
			{"many2many ilike names", "res.partner", `[["category_id","ilike","gold"]]`, nil, []int64{7, 30}},
			{"one2many not empty", "res.partner", `[["child_ids","!=",false]]`, nil, []int64{1, 7, 12, 16, 21, 23, 27, 30, 35, 37}},
			{"any", "res.partner", `[["child_ids","any",[["function","ilike","consultant"]]]]`, nil, []int64{12, 16, 21, 23, 27}},
			{"not any", "res.partner", `[["is_company","=",true],["child_ids","not any",[]]]`, nil, []int64{33, 34, 36, 38}},
			{"two-level path", "res.partner", `[["parent_id.country_id.code","=","DE"]]`, nil, []int64{43}},
			{"=? with false", "res.partner", `[["id","<=",3],["name","=?",false]]`, nil, []int64{1, 3}},
			{"=? with value", "res.partner", `[["id","<=",3],["name","=?","YourCompany"]]`, nil, []int64{1}},
			{"domain on active disables active_test", "res.partner", `[["active","=",false]]`, nil, []int64{2, 4, 5, 39}},
			{"active_test false", "res.partner", `[["id","in",[1,2]]]`, map[string]any{"active_test": false}, []int64{1, 2}},
			{"true leaf", "res.partner.category", `[[1,"=",1]]`, nil, []int64{1, 2, 3, 4, 5, 6, 7}},
			{"false leaf", "res.partner", `[[0,"=",1]]`, nil, nil},
			{"upper-case operator", "res.partner", `[["name","ILIKE","wood"]]`, nil, []int64{30, 33}},
			{"<> alias", "res.partner", `[["id","<>",1],["id","<=",3]]`, nil, []int64{3}},
			{"boolean false", "res.partner", `[["employee","=",false],["id","<=",3]]`, nil, []int64{1, 3}},
			{"float greater", "product.product", `[["list_price",">",1000]]`, nil, []int64{8, 11}},
			{"float less or equal", "product.product", `[["list_price","<=",40]]`, nil, []int64{3, 7, 12}},
			{"selection in", "sale.order", `[["state","in",["sale","sent"]]]`, nil, []int64{2, 3, 4, 7}},
			{"many2one id", "sale.order", `[["partner_id","=",7]]`, nil, []int64{1}},
			{"many2one not equal", "sale.order", `[["partner_id","!=",7]]`, nil, []int64{2, 3, 4, 5, 6, 7, 8}},
			{"path on boolean", "sale.order", `[["partner_id.is_company","=",true]]`, nil, []int64{1, 2, 3, 4, 5, 7}},
			{"bare condition", "res.partner", `["name","=","Ready Mat"]`, nil, []int64{23}},
			{"empty domain", "res.country.state", `[]`, nil, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
			{"ilike empty string matches all", "res.currency", `[["name","ilike",""]]`, nil, []int64{1, 2, 3, 4}},
			{"string id list", "res.partner", `[["id","in",[]]]`, nil, nil},
		}
		for _, tt := range tests {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				got, err := searchIDs(t, s, tt.model, tt.domain, tt.ctx)
				if err != nil {
					t.Fatalf("search: %v", err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
}

func TestDomainErrors(t *testing.T) {
	tests := []struct {
		name, domain   string
		name18, msg18  string
		name19, msg19  string
		model, version string
	}{
		{name: "not a list", domain: `"name = x"`,
			name18: exAssertion, msg18: "Domains to normalize must have a 'domain' form: a list or tuple of domain components",
			name19: exTypeError, msg19: "Domain() invalid argument type for domain: 'name = x'"},
		{name: "bad operator", domain: `[["name","bogus_op","x"]]`,
			name18: exValueError, msg18: "Invalid leaf ('name', 'bogus_op', 'x')",
			name19: exValueError, msg19: "Invalid operator in condition ('name', 'bogus_op', 'x')"},
		{name: "unknown field", domain: `[["bogus_field","=","x"]]`,
			name18: exValueError, msg18: "Invalid field res.partner.bogus_field in leaf ('bogus_field', '=', 'x')",
			name19: exValueError, msg19: "Invalid field res.partner.bogus_field in condition ('bogus_field', '=', 'x')"},
		{name: "unknown field and operator", domain: `[["bogus_field","~","x"]]`,
			name18: exValueError, msg18: "Invalid field res.partner.bogus_field in leaf ('bogus_field', '~', 'x')",
			name19: exValueError, msg19: "Invalid operator in condition ('bogus_field', '~', 'x')"},
		{name: "unknown field in path", domain: `[["country_id.bogus","=",1]]`,
			name18: exValueError, msg18: "Invalid field res.country.bogus in leaf ('bogus', '=', 1)",
			name19: exValueError, msg19: "Invalid field res.country.bogus in condition ('bogus', '=', 1)"},
		{name: "missing operand", domain: `["|",["id","=",1]]`,
			name18: exAssertion, msg18: "This domain is syntactically not correct: ['|', ['id', '=', 1]]",
			name19: exValueError, msg19: "Domain() malformed domain ['|', ['id', '=', 1]]"},
		{name: "invalid item", domain: `[5]`,
			name18: exValueError, msg18: "Invalid leaf 5",
			name19: exValueError, msg19: "Domain() invalid item in domain: 5"},
		{name: "short condition", domain: `[["name","="]]`,
			name18: exValueError, msg18: "Invalid leaf ('name', '=')",
			name19: exValueError, msg19: "Domain() invalid item in domain: ['name', '=']"},
	}
	for _, version := range []string{"18.0", "19.0"} {
		s := New(Options{Version: version})
		for _, tt := range tests {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				_, err := searchIDs(t, s, "res.partner", tt.domain, nil)
				re, ok := err.(*rpcError)
				if !ok {
					t.Fatalf("error %v (%T), want an Odoo error", err, err)
				}
				wantName, wantMsg := tt.name18, tt.msg18
				if version == "19.0" {
					wantName, wantMsg = tt.name19, tt.msg19
				}
				if re.name != wantName || re.message != wantMsg {
					t.Errorf("got %s: %q\nwant %s: %q", re.name, re.message, wantName, wantMsg)
				}
			})
		}
	}
}

func TestOrder(t *testing.T) {
	s := New(Options{})
	e := s.superEnv()
	m := s.models["res.partner"]
	tests := []struct {
		order string
		want  []int64
	}{
		{"", []int64{34, 7, 44, 8, 9, 11, 10}},            // complete_name asc, id desc
		{"name desc", []int64{11, 1, 30, 32, 29, 27, 20}}, // NULL first when descending, as PostgreSQL
		{"name desc nulls last", []int64{1, 30, 32, 29, 27, 20, 41}},
		{"id desc", []int64{44, 43, 42, 41, 40, 38, 37}},
		{"country_id, id", []int64{33, 37, 35, 40, 34, 36, 1}}, // many2one sorted by display name
		{"is_company desc, name asc", []int64{34, 7, 35, 36, 12, 16, 37}},
	}
	for _, tt := range tests {
		got, err := e.search(m, []any{}, 0, 7, tt.order)
		if err != nil {
			t.Fatalf("%q: %v", tt.order, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("order %q: got %v, want %v", tt.order, got, tt.want)
		}
	}
	if _, err := e.search(m, []any{}, 0, 0, "bogus asc"); err == nil || err.(*rpcError).name != exValueError {
		t.Errorf("unknown order field: %v", err)
	}
	if _, err := e.search(m, []any{}, 0, 0, "name sideways"); err == nil || err.(*rpcError).name != exUserError {
		t.Errorf("bad order syntax: %v", err)
	}
	got, _ := e.search(m, []any{[]any{"is_company", "=", true}}, 2, 3, "id")
	if !slices.Equal(got, []int64{12, 16, 21}) {
		t.Errorf("offset/limit: %v", got)
	}
}
