package fakeodoo

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

func row(t *testing.T, c *tc, model string, id int64, fields ...string) map[string]any {
	t.Helper()
	f := make([]any, len(fields))
	for i, s := range fields {
		f[i] = s
	}
	rows := c.admin(model, "read", []any{[]any{id}, f}, map[string]any{"context": map[string]any{"active_test": false}}).([]any)
	if len(rows) != 1 {
		t.Fatalf("%s(%d) not found", model, id)
	}
	return rows[0].(map[string]any)
}

func TestValueEncoding(t *testing.T) {
	c := newTC(t, "19.0")
	id := num(c.admin("res.partner", "create", []any{map[string]any{
		"name": "  Encoded Ltd  ", "is_company": true, "country_id": 20, "category_id": []any{1, 4},
		"comment": "plain <text>", "partner_latitude": 50.85, "color": "3", "website": false,
	}}, nil))
	r := row(t, c, "res.partner", id, "name", "country_id", "category_id", "comment", "partner_latitude", "color",
		"website", "parent_id", "child_ids", "create_date", "type", "display_name", "email", "credit_limit")
	checks := map[string]string{
		"name":             "'Encoded Ltd'",
		"country_id":       "[20, 'Belgium']",
		"category_id":      "[1, 4]",
		"comment":          "'<p>plain &lt;text&gt;</p>'",
		"partner_latitude": "50.85",
		"color":            "3",
		"website":          "False",
		"parent_id":        "False",
		"child_ids":        "[]",
		"type":             "'contact'",
		"display_name":     "'Encoded Ltd'",
		"email":            "False",
		"credit_limit":     "0.0",
	}
	for k, want := range checks {
		if got := pyRepr(r[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if d, _ := r["create_date"].(string); len(d) != 19 || d[10] != ' ' {
		t.Errorf("create_date %q", d)
	}
	if keys := sortedKeys(r); !slices.Contains(keys, "id") {
		t.Errorf("no id in %v", keys)
	}
	// dates and datetimes
	so := num(c.admin("sale.order", "create", []any{map[string]any{"partner_id": id, "validity_date": "2025-03-01", "date_order": "2025-02-01"}}, nil))
	o := row(t, c, "sale.order", so, "name", "validity_date", "date_order", "state", "user_id")
	if o["name"] != "S00009" || o["validity_date"] != "2025-03-01" || o["date_order"] != "2025-02-01 00:00:00" || o["state"] != "draft" ||
		pyRepr(o["user_id"]) != "[2, 'Mitchell Admin']" {
		t.Errorf("sale order %v", o)
	}
	// load=None gives bare many2one ids
	rows := c.admin("res.partner", "read", []any{[]any{id}, []any{"country_id"}}, map[string]any{"load": nil}).([]any)
	if pyRepr(rows[0].(map[string]any)["country_id"]) != "20" {
		t.Errorf("load=None: %v", rows)
	}
}

func TestAllFieldsRead(t *testing.T) {
	c := newTC(t, "18.0")
	rows := c.admin("res.partner", "search_read", []any{[]any{[]any{"id", "=", 7}}}, nil).([]any)
	r := rows[0].(map[string]any)
	if len(r) < 90 {
		t.Errorf("only %d fields", len(r))
	}
	img, _ := r["image_1920"].(string)
	raw, err := base64.StdEncoding.DecodeString(img)
	if err != nil || !strings.HasPrefix(string(raw), "\x89PNG") || len(img) < 8000 {
		t.Errorf("image_1920: %d chars, %v", len(img), err)
	}
	if _, ok := r["password"]; ok {
		t.Error("password readable")
	}
	if r["mobile"] != false { // 18.0 still has mobile
		t.Errorf("mobile %v", r["mobile"])
	}
	c19 := newTC(t, "19.0")
	r19 := c19.admin("res.partner", "search_read", []any{[]any{[]any{"id", "=", 7}}}, nil).([]any)[0].(map[string]any)
	if _, ok := r19["mobile"]; ok {
		t.Error("mobile exists on 19.0")
	}
	if r19["display_name"] != "Azure Interior" || pyRepr(r19["commercial_partner_id"]) != "[7, 'Azure Interior']" {
		t.Errorf("computed fields %v %v", r19["display_name"], r19["commercial_partner_id"])
	}
	child := c19.admin("res.partner", "read", []any{[]any{8}, []any{"display_name", "commercial_partner_id", "email_formatted", "country_code"}}, nil).([]any)[0].(map[string]any)
	if child["display_name"] != "Azure Interior, Brandon Freeman" || child["email_formatted"] != `"Brandon Freeman" <brandon.freeman55@example.com>` || child["country_code"] != false {
		t.Errorf("child %v", child)
	}
}

func TestX2ManyCommands(t *testing.T) {
	c := newTC(t, "18.0")
	id := num(c.admin("res.partner", "create", []any{map[string]any{"name": "Tagged", "category_id": []any{[]any{6, 0, []any{1, 2}}}}}, nil))
	steps := []struct {
		cmd  any
		want string
	}{
		{[]any{[]any{4, 3}}, "[1, 2, 3]"},
		{[]any{[]any{4, 3}}, "[1, 2, 3]"},
		{[]any{[]any{3, 1}}, "[2, 3]"},
		{[]any{5, 6}, "[5, 6]"}, // a plain id list sets
		{[]any{[]any{5}}, "[]"},
		{[]any{[]any{0, 0, map[string]any{"name": "Fresh tag"}}}, "[9]"},
		{[]any{[]any{6, 0, []any{}}}, "[]"},
	}
	for _, s := range steps {
		c.admin("res.partner", "write", []any{[]any{id}, map[string]any{"category_id": s.cmd}}, nil)
		if got := pyRepr(row(t, c, "res.partner", id, "category_id")["category_id"]); got != s.want {
			t.Errorf("after %v: %s, want %s", pyRepr(s.cmd), got, s.want)
		}
	}
	if r := c.kw(AdminUID, AdminPassword, "res.partner", "write", []any{[]any{id}, map[string]any{"category_id": []any{[]any{4, 999}}}}, nil); r.errName() != exValidation {
		t.Errorf("link to missing tag: %v", r.raw)
	}
	// one2many: create a contact through the company, then detach it
	c.admin("res.partner", "write", []any{[]any{id}, map[string]any{"is_company": true, "child_ids": []any{[]any{0, 0, map[string]any{"name": "Kid"}}}}}, nil)
	kids := row(t, c, "res.partner", id, "child_ids")["child_ids"].([]any)
	if len(kids) != 1 {
		t.Fatalf("child_ids %v", kids)
	}
	kid := num(kids[0])
	if pyRepr(row(t, c, "res.partner", kid, "parent_id")["parent_id"]) != "["+itoa(id)+", 'Tagged']" {
		t.Errorf("kid parent %v", row(t, c, "res.partner", kid, "parent_id"))
	}
	c.admin("res.partner", "write", []any{[]any{id}, map[string]any{"child_ids": []any{[]any{3, kid}}}}, nil)
	if p := row(t, c, "res.partner", kid, "parent_id")["parent_id"]; p != false {
		t.Errorf("kid still attached to %v", p)
	}
	c.admin("res.partner", "write", []any{[]any{id}, map[string]any{"child_ids": []any{[]any{4, kid}}}}, nil)
	if kids := row(t, c, "res.partner", id, "child_ids")["child_ids"].([]any); len(kids) != 1 {
		t.Errorf("relinked %v", kids)
	}
}

func itoa(i int64) string { return pyRepr(i) }

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name          string
		model, method string
		args          []any
		errName       string
		msg18, msg19  string
	}{
		{"contact without name", "res.partner", "create", []any{map[string]any{"email": "a@b.c"}}, exValidation,
			"The operation cannot be completed: Contacts require a name", "The operation cannot be completed: Contacts require a name"},
		{"address without name is fine", "res.partner", "create", []any{map[string]any{"type": "delivery", "parent_id": 7}}, "", "", ""},
		{"recursive parent", "res.partner", "write", []any{[]any{7}, map[string]any{"parent_id": 8}}, exValidation,
			"You cannot create recursive Partner hierarchies.", "You cannot create recursive Partner hierarchies."},
		{"self parent", "res.partner", "write", []any{[]any{7}, map[string]any{"parent_id": 7}}, exValidation,
			"You cannot create recursive Partner hierarchies.", "You cannot create recursive Partner hierarchies."},
		{"recursive tags", "res.partner.category", "write", []any{[]any{1}, map[string]any{"parent_id": 2}}, exValidation,
			"You can not create recursive tags.", "You can not create recursive tags."},
		{"bad selection", "res.partner", "create", []any{map[string]any{"name": "X", "type": "bogus"}}, exValueError,
			"Wrong value for res.partner.type: 'bogus'", "Wrong value for res.partner.type: 'bogus'"},
		{"unknown field in create", "res.partner", "create", []any{map[string]any{"name": "X", "bogus_field": 1}}, exValueError,
			"Invalid field 'bogus_field' on model 'res.partner'", "Invalid field 'bogus_field' in 'res.partner'"},
		{"unknown field in write", "res.partner", "write", []any{[]any{7}, map[string]any{"bogus_field": 1}}, exValueError,
			"Invalid field 'bogus_field' on model 'res.partner'", "Invalid field 'bogus_field' in 'res.partner'"},
		{"unknown field in read", "res.partner", "read", []any{[]any{7}, []any{"bogus"}}, exValueError,
			"Invalid field 'bogus' on model 'res.partner'", "Invalid field 'bogus' on 'res.partner'"},
		{"bad many2one", "res.partner", "create", []any{map[string]any{"name": "X", "country_id": 999999}}, exValidation,
			"The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Contact (res.partner)\nConstraint: res_partner_country_id_fkey\n",
			"The operation cannot be completed: Another model is using the record you are trying to delete.\n\nThe troublemaker is: 'Contact' (res.partner)\nThanks to the following constraint: 'Country' (country_id)\nHow about archiving the record instead?"},
		{"many2one as a pair", "res.partner", "create", []any{map[string]any{"name": "X", "country_id": []any{20, "Belgium"}}}, exValueError,
			"Wrong value for res.partner.country_id: [20, 'Belgium']", "Wrong value for res.partner.country_id: [20, 'Belgium']"},
		{"user without login", "res.users", "create", []any{map[string]any{"name": "No Login"}}, exValidation,
			"The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: User (res.users)\nField: Login (login)\n",
			"The operation cannot be completed: Missing required value for the field 'Login' (login).\nModel: 'User' (res.users)\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n"},
		{"duplicate login", "res.users", "create", []any{map[string]any{"name": "Twin", "login": "demo"}}, exValidation,
			"The operation cannot be completed: You can not have two users with the same login !", "The operation cannot be completed: You can not have two users with the same login!"},
		{"duplicate parameter", "ir.config_parameter", "create", []any{map[string]any{"key": "web.base.url", "value": "x"}}, exValidation,
			"The operation cannot be completed: Key must be unique.", "The operation cannot be completed: Key must be unique."},
		{"integer from text", "res.partner", "write", []any{[]any{7}, map[string]any{"color": "red"}}, exValueError,
			"invalid literal for int() with base 10: 'red'", "invalid literal for int() with base 10: 'red'"},
		{"bad date", "sale.order", "write", []any{[]any{1}, map[string]any{"validity_date": "01/02/2025"}}, exValueError,
			"time data '01/02/2025' does not match format '%Y-%m-%d'", "time data '01/02/2025' does not match format '%Y-%m-%d'"},
		{"delete a user's partner", "res.partner", "unlink", []any{[]any{6}}, exValidation,
			"The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: User (res.users)\nConstraint: res_users_partner_id_fkey\n",
			"The operation cannot be completed: Another model is using the record you are trying to delete.\n\nThe troublemaker is: 'User' (res.users)\nThanks to the following constraint: 'Related Partner' (partner_id)\nHow about archiving the record instead?"},
		{"delete the admin", "res.users", "unlink", []any{[]any{2}}, exUserError,
			"You can not remove the admin user as it is used internally for resources created by Odoo (updates, module installation, ...)",
			"You can not remove the admin user as it is used internally for resources created by Odoo (updates, module installation, ...)"},
		{"archive a model without active", "res.country", "action_archive", []any{[]any{20}}, exAssertion,
			"No 'None' field on model res.country", "No 'None' field on model res.country"},
		{"write deleted", "res.partner", "write", []any{[]any{4242}, map[string]any{"name": "x"}}, exMissingError,
			"Record does not exist or has been deleted.\n(Record: res.partner(4242,), User: 2)", "Record does not exist or has been deleted.\n(Record: res.partner(4242,), User: 2)"},
	}
	for _, version := range []string{"18.0", "19.0"} {
		c := newTC(t, version)
		for _, tt := range tests {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				c.t = t
				r := c.kw(AdminUID, AdminPassword, tt.model, tt.method, tt.args, nil)
				want := tt.msg18
				if version == "19.0" {
					want = tt.msg19
				}
				if r.errName() != tt.errName || r.errMsg() != want {
					t.Errorf("got %s: %q\nwant %s: %q", r.errName(), r.errMsg(), tt.errName, want)
				}
			})
		}
	}
}

func TestTransactions(t *testing.T) {
	c := newTC(t, "19.0")
	count := func() int64 { return num(c.admin("res.partner", "search_count", []any{[]any{}}, nil)) }
	before := count()
	r := c.kw(AdminUID, AdminPassword, "res.partner", "create", []any{[]any{map[string]any{"name": "Good"}, map[string]any{"name": "Bad", "type": "nope"}}}, nil)
	if r.err == nil || count() != before {
		t.Errorf("failed create left %d partners (was %d)", count(), before)
	}
	r = c.kw(AdminUID, AdminPassword, "res.partner", "write", []any{[]any{8, 9}, map[string]any{"phone": "123", "parent_id": 8}}, nil)
	if r.err == nil {
		t.Fatal("recursive write accepted")
	}
	if p := row(t, c, "res.partner", 8, "phone")["phone"]; p == "123" {
		t.Error("failed write was not rolled back")
	}
	// a later id is not burnt by the rollback
	id := num(c.admin("res.partner", "create", []any{map[string]any{"name": "After"}}, nil))
	if id != 45 {
		t.Errorf("next id %d, want 45", id)
	}
}

func TestUnlinkRules(t *testing.T) {
	c := newTC(t, "19.0")
	// children of a deleted company lose their parent
	c.admin("sale.order", "unlink", []any{[]any{1, 6}}, nil)
	c.admin("res.partner", "unlink", []any{[]any{7}}, nil)
	if p := row(t, c, "res.partner", 8, "parent_id")["parent_id"]; p != false {
		t.Errorf("orphan parent %v", p)
	}
	if rows := c.admin("res.partner", "read", []any{[]any{7}, []any{"name"}}, nil).([]any); len(rows) != 0 {
		t.Errorf("deleted partner read: %v", rows)
	}
	// deleting a tag cascades to its children and leaves the partners
	c.admin("res.partner.category", "unlink", []any{[]any{5}}, nil)
	if n := num(c.admin("res.partner.category", "search_count", []any{[]any{[]any{"id", "in", []any{5, 6, 7}}}}, nil)); n != 0 {
		t.Errorf("%d tags left", n)
	}
	if tags := row(t, c, "res.partner", 12, "category_id")["category_id"]; pyRepr(tags) != "[]" {
		t.Errorf("partner tags %v", tags)
	}
	// a partner with sale orders cannot go
	if r := c.kw(AdminUID, AdminPassword, "res.partner", "unlink", []any{[]any{12}}, nil); r.errName() != exValidation {
		t.Errorf("partner with orders deleted: %v", r.raw)
	}
}

func TestArchiving(t *testing.T) {
	c := newTC(t, "18.0")
	c.admin("res.partner", "action_archive", []any{[]any{30}}, nil)
	if ids := c.admin("res.partner", "search", []any{[]any{[]any{"name", "=", "Wood Corner"}}}, nil); len(ids.([]any)) != 0 {
		t.Errorf("archived found: %v", ids)
	}
	if ids := c.admin("res.partner", "search", []any{[]any{[]any{"name", "=", "Wood Corner"}}}, map[string]any{"context": map[string]any{"active_test": false}}); len(ids.([]any)) != 1 {
		t.Errorf("archived not found with active_test false: %v", ids)
	}
	// archived contacts disappear from one2many values too
	c.admin("res.partner", "action_archive", []any{[]any{31}}, nil)
	if kids := c.admin("res.partner", "read", []any{[]any{30}, []any{"child_ids"}}, nil).([]any)[0].(map[string]any); pyRepr(kids["child_ids"]) != "[32]" {
		t.Errorf("child_ids %v", kids)
	}
	c.admin("res.partner", "action_unarchive", []any{[]any{30}}, nil)
	if n := num(c.admin("res.partner", "search_count", []any{[]any{[]any{"name", "=", "Wood Corner"}}}, nil)); n != 1 {
		t.Errorf("unarchived count %d", n)
	}
}

func TestNameSearchAndCreate(t *testing.T) {
	c := newTC(t, "19.0")
	got := names(c.admin("res.partner", "name_search", []any{"azure"}, map[string]any{"limit": 3}))
	if !slices.Equal(got, []string{"Azure Interior", "Azure Interior, Azure Warehouse", "Azure Interior, Brandon Freeman"}) {
		t.Errorf("name_search %v", got)
	}
	got = names(c.admin("res.partner", "name_search", []any{}, map[string]any{"name": "example.de", "domain": []any{[]any{"is_company", "=", false}}}))
	if !slices.Equal(got, []string{"Bergmann Logistik GmbH, Hannah Weber", "Julia Meyer"}) {
		t.Errorf("name_search by email %v", got)
	}
	got = names(c.admin("product.product", "name_search", []any{"FURN_88"}, nil))
	if !slices.Equal(got, []string{"[FURN_8888] Office Lamp"}) {
		t.Errorf("product name_search %v", got)
	}
	pair := c.admin("res.partner", "name_create", []any{"Jane Roe <jane@example.com>"}, nil).([]any)
	r := row(t, c, "res.partner", num(pair[0]), "name", "email")
	if pair[1] != "Jane Roe" || r["email"] != "jane@example.com" {
		t.Errorf("name_create %v %v", pair, r)
	}
}

func TestReadGroup(t *testing.T) {
	c := newTC(t, "19.0")
	groups := c.admin("sale.order", "read_group", []any{[]any{}, []any{"amount_untaxed:sum", "partner_id"}, []any{"state"}}, map[string]any{"lazy": false}).([]any)
	got := map[string]string{}
	for _, g := range groups {
		m := g.(map[string]any)
		got[m["state"].(string)] = pyRepr(m["__count"]) + "/" + pyRepr(m["amount_untaxed"])
	}
	want := map[string]string{"cancel": "1/147.0", "draft": "3/3094.0", "sale": "3/10655.8", "sent": "1/2390.0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("group %s: %s, want %s", k, got[k], v)
		}
	}
	first := groups[0].(map[string]any)
	if pyRepr(first["__domain"]) != "[['state', '=', 'cancel']]" {
		t.Errorf("__domain %v", pyRepr(first["__domain"]))
	}
	months := c.admin("sale.order", "read_group", []any{[]any{[]any{"state", "!=", "cancel"}}, []any{"amount_total"}, []any{"date_order:month", "state"}}, nil).([]any)
	m0 := months[0].(map[string]any)
	if m0["date_order:month"] != "November 2024" || num(m0["date_order_count"]) != 1 || pyRepr(m0["__context"]) != "{'group_by': ['state']}" {
		t.Errorf("month group %v", m0)
	}
	frg := c.admin("res.partner", "formatted_read_group", []any{[]any{[]any{"is_company", "=", true}}, []any{"country_id"}, []any{"__count", "color:max"}}, nil).([]any)
	last := frg[len(frg)-1].(map[string]any)
	if last["country_id"] != false || pyRepr(last["__extra_domain"]) != "[['country_id', '=', False]]" || num(last["__count"]) != 1 {
		t.Errorf("formatted_read_group %v", last)
	}
	if keys := objectKeysOf(frg[0]); !slices.Equal(keys, []string{"__count", "__extra_domain", "color:max", "country_id"}) {
		t.Errorf("keys %v", keys)
	}
}

func objectKeysOf(v any) []string { return sortedKeys(v.(map[string]any)) }

func TestFieldsGetAndIrModel(t *testing.T) {
	c := newTC(t, "19.0")
	fg := c.admin("res.partner", "fields_get", []any{[]any{"type", "country_id", "child_ids"}}, map[string]any{"attributes": []any{"type", "relation", "relation_field", "selection", "bogus"}}).(map[string]any)
	if len(fg) != 3 || pyRepr(fg["child_ids"]) != "{'relation': 'res.partner', 'relation_field': 'parent_id', 'type': 'one2many'}" ||
		pyRepr(fg["country_id"]) != "{'relation': 'res.country', 'type': 'many2one'}" {
		t.Errorf("fields_get %v", fg)
	}
	models := c.admin("ir.model", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"model", "name", "modules", "transient", "inherited_model_ids"}}).([]any)
	if len(models) != len(c.s.models) {
		t.Errorf("%d ir.model rows for %d models", len(models), len(c.s.models))
	}
	for _, m := range models {
		name := m.(map[string]any)["model"].(string)
		all := c.admin(name, "fields_get", []any{}, nil).(map[string]any)
		if len(all) < 5 {
			t.Errorf("%s: %d fields", name, len(all))
		}
		c.admin(name, "search_read", []any{[]any{}}, map[string]any{"limit": 2})
	}
	users := c.admin("ir.model", "search_read", []any{[]any{[]any{"model", "=", "res.users"}}}, map[string]any{"fields": []any{"name", "inherited_model_ids", "modules"}}).([]any)[0].(map[string]any)
	if users["name"] != "User" || len(users["inherited_model_ids"].([]any)) != 1 || users["modules"] == false {
		t.Errorf("ir.model res.users %v", users)
	}
}

func TestContextGetPerUser(t *testing.T) {
	c := newTC(t, "18.0")
	for _, tt := range []struct {
		uid  int64
		key  string
		want string
	}{
		{AdminUID, AdminKey, "{'lang': 'en_US', 'tz': 'Europe/Brussels', 'uid': 2}"},
		{DemoUID, DemoKey, "{'lang': 'en_US', 'tz': 'Europe/Brussels', 'uid': 5}"},
	} {
		r := c.kw(tt.uid, tt.key, "res.users", "context_get", []any{}, nil)
		if pyRepr(r.result) != tt.want {
			t.Errorf("uid %d: %s", tt.uid, pyRepr(r.result))
		}
	}
	if r := c.kw(AdminUID, AdminKey, "res.partner", "context_get", []any{}, nil); r.errName() != exAttributeError {
		t.Errorf("context_get on res.partner: %v", r.raw)
	}
}

func TestCompanyTypeInverse(t *testing.T) {
	c := newTC(t, "19.0")
	c.admin("res.partner", "write", []any{[]any{40}, map[string]any{"company_type": "company"}}, nil)
	r := row(t, c, "res.partner", 40, "is_company", "company_type")
	if r["is_company"] != true || r["company_type"] != "company" {
		t.Errorf("%v", r)
	}
}

func TestDeterministicSeed(t *testing.T) {
	a, b := newTC(t, "19.0"), newTC(t, "19.0")
	for _, model := range []string{"res.partner", "res.users", "product.product", "sale.order", "ir.model"} {
		x := pyRepr(a.admin(model, "search_read", []any{[]any{}}, map[string]any{"context": map[string]any{"active_test": false}}))
		y := pyRepr(b.admin(model, "search_read", []any{[]any{}}, map[string]any{"context": map[string]any{"active_test": false}}))
		if x != y {
			t.Errorf("%s differs between two fakes", model)
		}
	}
}
