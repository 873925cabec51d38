package fakeodoo

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func accessMsg(verb, desc, model, group string) string {
	return fmt.Sprintf("You are not allowed to %s '%s' (%s) records.\n\nThis operation is allowed for the following groups:\n\t- %s\n\n"+
		"Contact your administrator to request access if necessary.", verb, desc, model, group)
}

func TestDemoAccessRights(t *testing.T) {
	type g = [2]string // group label on 18.0 and 19.0
	tests := []struct {
		name          string
		model, method string
		args          []any
		kwargs        map[string]any
		denied        string // verb of the AccessError, "" when allowed
		desc          string
		group         g
	}{
		{name: "read partners", model: "res.partner", method: "search_read", args: []any{[]any{}}, kwargs: map[string]any{"fields": []any{"name"}, "limit": 2}},
		{name: "read products", model: "product.product", method: "search_count", args: []any{[]any{}}},
		{name: "read countries", model: "res.country", method: "search", args: []any{[]any{[]any{"code", "=", "BE"}}}},
		{name: "read sale orders", model: "sale.order", method: "search_read", args: []any{[]any{}}, kwargs: map[string]any{"fields": []any{"name", "amount_total"}}},
		{name: "read users", model: "res.users", method: "read", args: []any{[]any{2}, []any{"login"}}},
		{name: "create partner", model: "res.partner", method: "create", args: []any{map[string]any{"name": "Demo's contact"}}},
		{name: "write partner", model: "res.partner", method: "write", args: []any{[]any{8}, map[string]any{"phone": "+1 555 0199"}}},
		{name: "fields_get needs no read right", model: "ir.config_parameter", method: "fields_get", args: []any{}},
		{name: "context_get", model: "res.users", method: "context_get", args: []any{}},
		{name: "write users", model: "res.users", method: "write", args: []any{[]any{2}, map[string]any{"name": "Hacked"}},
			denied: "modify", desc: "User", group: g{"Administration/Access Rights", "Access Rights"}},
		{name: "create users", model: "res.users", method: "create", args: []any{map[string]any{"name": "X", "login": "x"}},
			denied: "create", desc: "User", group: g{"Administration/Access Rights", "Access Rights"}},
		{name: "read config parameters", model: "ir.config_parameter", method: "search_read", args: []any{[]any{}},
			denied: "access", desc: "System Parameter", group: g{"Administration/Settings", "Role / Administrator"}},
		{name: "unlink partner", model: "res.partner", method: "unlink", args: []any{[]any{8}},
			denied: "delete", desc: "Contact", group: g{"Extra Rights/Contact Creation", "Contact/Creation"}},
		{name: "archive product", model: "product.product", method: "action_archive", args: []any{[]any{1}},
			denied: "modify", desc: "Product Variant", group: g{"Sales/Administrator", "Sales / Administrator"}},
		{name: "confirm order", model: "sale.order", method: "write", args: []any{[]any{1}, map[string]any{"state": "sale"}},
			denied: "modify", desc: "Sales Order", group: g{"Sales/User: Own Documents Only", "Sales / User: Own Documents Only"}},
	}
	for i, version := range []string{"18.0", "19.0"} {
		c := newTC(t, version)
		for _, tt := range tests {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				c.t = t
				r := c.kw(DemoUID, DemoKey, tt.model, tt.method, tt.args, tt.kwargs)
				if tt.denied == "" {
					if r.err != nil {
						t.Fatalf("denied: %s: %s", r.errName(), r.errMsg())
					}
					return
				}
				want := accessMsg(tt.denied, tt.desc, tt.model, tt.group[i])
				if r.errName() != exAccessError || r.errMsg() != want {
					t.Errorf("got %s: %q\nwant %q", r.errName(), r.errMsg(), want)
				}
				// the same call as admin goes through
				if r := c.kw(AdminUID, AdminKey, tt.model, tt.method, tt.args, tt.kwargs); r.err != nil && r.errName() == exAccessError {
					t.Errorf("admin denied: %s", r.errMsg())
				}
			})
		}
	}
}

func TestAddedUserAccess(t *testing.T) {
	c := newTC(t, "19.0")
	uid, key := c.s.AddUser(User{Login: "reader", Password: "secret", Name: "Read Only", Access: map[string]Perms{"res.partner": {Read: true}}})
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(key) {
		t.Errorf("key %q is not 40 hex digits", key)
	}
	if uid <= DemoUID {
		t.Errorf("uid %d", uid)
	}
	if r := c.rpc("common", "authenticate", c.s.DB(), "reader", "secret", map[string]any{}); num(r.result) != uid {
		t.Errorf("authenticate with password: %v", r.result)
	}
	if r := c.rpc("common", "login", c.s.DB(), "reader", key); num(r.result) != uid {
		t.Errorf("login with key: %v", r.result)
	}
	if r := c.kw(uid, key, "res.partner", "search_count", []any{[]any{}}, nil); r.err != nil {
		t.Errorf("read partners: %s", r.errMsg())
	}
	r := c.kw(uid, "secret", "res.partner", "write", []any{[]any{7}, map[string]any{"name": "x"}}, nil)
	if r.errMsg() != "You are not allowed to modify 'Contact' (res.partner) records.\n\nThis operation is allowed for the following groups:\n\t- Contact/Creation\n\nContact your administrator to request access if necessary." {
		t.Errorf("write partners: %q", r.errMsg())
	}
	if r := c.kw(uid, key, "product.product", "search", []any{[]any{}}, nil); r.errName() != exAccessError {
		t.Errorf("read products: %v", r.raw)
	}
	if st, v := c.json2(key, "res.users", "context_get", map[string]any{}); st != http.StatusOK || num(v.(map[string]any)["uid"]) != uid {
		t.Errorf("JSON-2 context_get: %d %v", st, v)
	}
	// the user's name is its partner's
	names := c.admin("res.users", "read", []any{[]any{uid}, []any{"name", "partner_id"}}, nil).([]any)[0].(map[string]any)
	if names["name"] != "Read Only" || names["partner_id"].([]any)[1] != "Read Only" {
		t.Errorf("user record %v", names)
	}

	adminUID, adminKey := c.s.AddUser(User{Login: "boss", Password: "pw", Admin: true})
	if r := c.kw(adminUID, adminKey, "ir.config_parameter", "search_count", []any{[]any{}}, nil); r.err != nil {
		t.Errorf("admin user: %s", r.errMsg())
	}
}

func TestCredentials(t *testing.T) {
	for _, version := range []string{"18.0", "19.0"} {
		t.Run(version, func(t *testing.T) {
			c := newTC(t, version)
			db := c.s.DB()
			auth := []struct {
				name, db, login, password string
				want                      any
			}{
				{"password", db, AdminLogin, AdminPassword, int64(AdminUID)},
				{"own key", db, AdminLogin, AdminKey, int64(AdminUID)},
				{"demo key", db, DemoLogin, DemoKey, int64(DemoUID)},
				{"another user's key", db, AdminLogin, DemoKey, false},
				{"wrong password", db, AdminLogin, "nope", false},
				{"empty password", db, AdminLogin, "", false},
				{"unknown login", db, "nobody", "x", false},
				{"inactive system user", db, "__system__", "", false},
			}
			for _, tt := range auth {
				for _, method := range []string{"authenticate", "login"} {
					args := []any{tt.db, tt.login, tt.password}
					if method == "authenticate" {
						args = append(args, map[string]any{})
					}
					r := c.rpc("common", method, args...)
					if r.err != nil {
						t.Fatalf("%s %s: %s", method, tt.name, r.errMsg())
					}
					if got := r.result; pyRepr(got) != pyRepr(tt.want) {
						t.Errorf("%s %s: %v, want %v", method, tt.name, got, tt.want)
					}
				}
			}
			r := c.rpc("common", "authenticate", "no_such_db", AdminLogin, AdminPassword, map[string]any{})
			if r.errName() != exOperational || !strings.Contains(r.errMsg(), `database "no_such_db" does not exist`) {
				t.Errorf("wrong db: %v", r.raw)
			}

			calls := []struct {
				name     string
				uid      int64
				password string
				errName  string
			}{
				{"admin password", AdminUID, AdminPassword, ""},
				{"admin key", AdminUID, AdminKey, ""},
				{"demo key as admin", AdminUID, DemoKey, exAccessDenied},
				{"admin password as demo", DemoUID, AdminPassword, exAccessDenied},
				{"empty", AdminUID, "", exAccessDenied},
				{"unknown uid", 9999, AdminPassword, exMissingError},
			}
			for _, tt := range calls {
				r := c.kw(tt.uid, tt.password, "res.partner", "search_count", []any{[]any{}}, nil)
				if r.errName() != tt.errName {
					t.Errorf("%s: got %q (%s), want %q", tt.name, r.errName(), r.errMsg(), tt.errName)
				}
			}

			// revoking a key refuses it everywhere
			c.s.RevokeKey(DemoKey)
			if r := c.kw(DemoUID, DemoKey, "res.partner", "search_count", []any{[]any{}}, nil); r.errName() != exAccessDenied {
				t.Errorf("revoked key accepted: %v", r.raw)
			}
			if r := c.rpc("common", "login", db, DemoLogin, DemoKey); r.result != false {
				t.Errorf("revoked key logs in: %v", r.result)
			}
			// archived users cannot log in
			c.admin("res.users", "action_archive", []any{[]any{DemoUID}}, nil)
			if r := c.rpc("common", "login", db, DemoLogin, DemoPassword); r.result != false {
				t.Errorf("archived user logs in: %v", r.result)
			}
			if r := c.kw(DemoUID, DemoPassword, "res.partner", "search_count", []any{[]any{}}, nil); r.errName() != exAccessDenied {
				t.Errorf("archived user calls: %v", r.raw)
			}
		})
	}
}

func TestJSON2Bearer(t *testing.T) {
	c := newTC(t, "19.0")
	call := func(header string) (int, any, http.Header) {
		h := map[string]string{}
		if header != "" {
			h["Authorization"] = header
		}
		st, hdr, b := c.post("/json/2/res.users/context_get", "application/json", []byte(`{}`), h)
		return st, decodeNumbers(b), hdr
	}
	for _, h := range []string{"bearer " + AdminKey, "Bearer " + AdminKey, "BEARER " + AdminKey} {
		if st, v, _ := call(h); st != http.StatusOK || num(v.(map[string]any)["uid"]) != AdminUID {
			t.Errorf("%q: %d %v", h, st, v)
		}
	}
	for _, tt := range []struct{ header, msg string }{
		{"", "User not authenticated, use an API Key with a Bearer Authorization header."},
		{"Basic YWRtaW46YWRtaW4=", "User not authenticated, use an API Key with a Bearer Authorization header."},
		{"bearer 0123456789abcdef0123456789abcdef01234567", "Invalid apikey"},
		{"bearer " + AdminPassword, "Invalid apikey"},
	} {
		st, v, hdr := call(tt.header)
		m, _ := v.(map[string]any)
		if st != http.StatusUnauthorized || m["message"] != tt.msg || hdr.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%q: %d %v %v", tt.header, st, m["message"], hdr)
		}
		if pyRepr(m["arguments"]) != pyRepr([]any{tt.msg, int64(401)}) {
			t.Errorf("%q: arguments %v", tt.header, m["arguments"])
		}
	}
	if st, v, _ := call("bearer " + DemoKey); st != http.StatusOK || num(v.(map[string]any)["uid"]) != DemoUID {
		t.Errorf("demo key: %d %v", st, v)
	}
}

func TestAddAPIKey(t *testing.T) {
	s := New(Options{})
	if err := s.AddAPIKey(AdminUID, "k1"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAPIKey(DemoUID, "k1"); err == nil {
		t.Error("a key of the admin was given to demo")
	}
	if err := s.AddAPIKey(4242, "k2"); err == nil {
		t.Error("key for an unknown user")
	}
	if err := s.AddAPIKey(AdminUID, ""); err == nil {
		t.Error("empty key")
	}
	c := &tc{t: t, s: s}
	if r := c.kw(AdminUID, "k1", "res.partner", "search_count", []any{[]any{}}, nil); r.err != nil {
		t.Errorf("added key refused: %s", r.errMsg())
	}
}
