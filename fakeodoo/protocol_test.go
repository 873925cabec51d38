package fakeodoo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestJSONRPCErrorShape(t *testing.T) {
	for _, tt := range []struct {
		version string
		code    int
		keys    []string
	}{
		{"18.0", 200, []string{"name", "debug", "message", "arguments", "context"}},
		{"19.0", 0, []string{"name", "message", "arguments", "context", "debug"}},
	} {
		t.Run(tt.version, func(t *testing.T) {
			c := newTC(t, tt.version)
			body := `{"jsonrpc":"2.0","method":"call","id":"abc","params":{"service":"object","method":"execute_kw",` +
				`"args":["odoo",2,"admin","no.such.model","search",[[]]]}}`
			st, hdr, raw := c.post("/jsonrpc", "application/json", []byte(body), nil)
			if st != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %s", st, hdr.Get("Content-Type"))
			}
			if keys := objectKeys(t, raw); !slices.Equal(keys, []string{"jsonrpc", "id", "error"}) {
				t.Errorf("envelope keys %v", keys)
			}
			errRaw := rawField(t, raw, "error")
			if keys := objectKeys(t, errRaw); !slices.Equal(keys, []string{"code", "message", "data"}) {
				t.Errorf("error keys %v", keys)
			}
			if keys := objectKeys(t, rawField(t, errRaw, "data")); !slices.Equal(keys, tt.keys) {
				t.Errorf("data keys %v, want %v", keys, tt.keys)
			}
			var env struct {
				ID    any
				Error struct {
					Code    int
					Message string
					Data    struct {
						Name, Message, Debug string
						Arguments            []any
						Context              map[string]any
					}
				}
			}
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
			d := env.Error.Data
			if env.ID != "abc" || env.Error.Code != tt.code || env.Error.Message != "Odoo Server Error" {
				t.Errorf("envelope %+v", env)
			}
			if d.Name != exUserError || d.Message != "Object no.such.model doesn't exist" || len(d.Arguments) != 1 || d.Arguments[0] != d.Message || d.Context == nil {
				t.Errorf("data %+v", d)
			}
			if !strings.HasPrefix(d.Debug, "Traceback (most recent call last):\n  File \"/opt/odoo/") ||
				!strings.HasSuffix(d.Debug, "\nodoo.exceptions.UserError: Object no.such.model doesn't exist\n") {
				t.Errorf("debug %q", d.Debug)
			}
		})
	}
}

func TestJSONRPCDispatchErrors(t *testing.T) {
	tests := []struct {
		name           string
		service        string
		method         string
		args           []any
		errName        string
		msg18, msg19   string
		lastLine18, ll string
	}{
		{name: "unknown service", service: "nope", method: "version", errName: exKeyError, msg18: "nope", msg19: "nope", lastLine18: "KeyError: 'nope'"},
		{name: "unknown common method", service: "common", method: "nope", errName: exException, msg18: "Method not found: nope", msg19: "Method not found: nope"},
		{name: "unknown object method", service: "object", method: "nope", args: []any{"odoo", 2, "admin"}, errName: exNameError,
			msg18: "Method not available nope", msg19: "Method not available nope"},
		{name: "unknown db method", service: "db", method: "nope", errName: exKeyError, msg18: "Method not found: nope", msg19: "Method not found: nope",
			lastLine18: "KeyError: 'Method not found: nope'"},
		{name: "login arity", service: "common", method: "login", args: []any{"odoo", "admin"}, errName: exTypeError,
			msg18: "exp_login() missing 1 required positional argument: 'password'", msg19: "exp_login() missing 1 required positional argument: 'password'"},
		{name: "wrong database", service: "object", method: "execute_kw", args: []any{"other", 2, "admin", "res.partner", "search", []any{[]any{}}},
			errName: exOperational,
			msg18:   "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"other\" does not exist\n",
			msg19:   "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"other\" does not exist\n"},
		{name: "uid not a number", service: "object", method: "execute_kw", args: []any{"odoo", "two", "admin", "res.partner", "search", []any{[]any{}}},
			errName: exValueError, msg18: "invalid literal for int() with base 10: 'two'", msg19: "invalid literal for int() with base 10: 'two'"},
		{name: "unknown method", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "name_get", []any{[]any{3}}},
			errName: exAttributeError, msg18: "The method 'name_get' does not exist on the model 'res.partner'", msg19: "The method 'res.partner.name_get' does not exist"},
		{name: "private method", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "_compute_display_name", []any{[]any{3}}},
			errName: exAccessError, msg18: "Private methods (such as _compute_display_name) cannot be called remotely.",
			msg19: "Private methods (such as 'res.partner._compute_display_name') cannot be called remotely."},
		{name: "api.private method", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "sudo", []any{}},
			errName: exAccessError, msg18: "Private methods (such as sudo) cannot be called remotely.",
			msg19: "Private methods (such as 'res.partner.sudo') cannot be called remotely."},
		{name: "private method of unknown model", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "no.model", "_foo", []any{}},
			// 18.0 checks the name before the model, 19.0 the model first
			errName: "", msg18: "Private methods (such as _foo) cannot be called remotely.", msg19: "Object no.model doesn't exist"},
		{name: "formatted_read_group on 18", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "formatted_read_group", []any{[]any{}, []any{"type"}, []any{"__count"}}},
			errName: "", msg18: "The method 'formatted_read_group' does not exist on the model 'res.partner'", msg19: ""},
		{name: "record method without ids", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "read", []any{}},
			errName: exIndexError, msg18: "tuple index out of range", msg19: "list index out of range"},
		{name: "create with keyword vals", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "create", []any{}, map[string]any{"vals_list": map[string]any{"name": "x"}}},
			errName: exIndexError, msg18: "tuple index out of range", msg19: "list index out of range"},
		{name: "unexpected keyword", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "search_count", []any{[]any{}}, map[string]any{"bogus": 1}},
			errName: exTypeError, msg18: "BaseModel.search_count() got an unexpected keyword argument 'bogus'", msg19: "BaseModel.search_count() got an unexpected keyword argument 'bogus'"},
		{name: "too many positional", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "search", []any{[]any{}, 0, 1, "id", true}},
			errName: exTypeError, msg18: "BaseModel.search() takes from 2 to 5 positional arguments but 6 were given", msg19: "BaseModel.search() takes from 2 to 5 positional arguments but 6 were given"},
		{name: "missing argument", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "search", []any{}},
			errName: exTypeError, msg18: "BaseModel.search() missing 1 required positional argument: 'domain'", msg19: "BaseModel.search() missing 1 required positional argument: 'domain'"},
		{name: "argument twice", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "search", []any{[]any{}}, map[string]any{"domain": []any{}}},
			errName: exTypeError, msg18: "BaseModel.search() got multiple values for argument 'domain'", msg19: "BaseModel.search() got multiple values for argument 'domain'"},
		{name: "read_format keyword", service: "object", method: "execute_kw", args: []any{"odoo", 2, "admin", "res.partner", "search_read", []any{[]any{}}, map[string]any{"bogus_kwarg": 1}},
			errName: exTypeError, msg18: "BaseModel._read_format() got an unexpected keyword argument 'bogus_kwarg'", msg19: "BaseModel._read_format() got an unexpected keyword argument 'bogus_kwarg'"},
	}
	for _, version := range []string{"18.0", "19.0"} {
		c := newTC(t, version)
		for _, tt := range tests {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				c.t = t
				r := c.rpc(tt.service, tt.method, tt.args...)
				want := tt.msg18
				if version == "19.0" {
					want = tt.msg19
				}
				if want == "" {
					if r.err != nil {
						t.Fatalf("unexpected error %s: %s", r.errName(), r.errMsg())
					}
					return
				}
				if r.errMsg() != want || tt.errName != "" && r.errName() != tt.errName {
					t.Fatalf("got %s: %q\nwant %s: %q", r.errName(), r.errMsg(), tt.errName, want)
				}
				debug, _ := r.err["debug"].(string)
				if tt.lastLine18 != "" && !strings.HasSuffix(debug, tt.lastLine18+"\n") {
					t.Errorf("debug ends %q", debug[max(0, len(debug)-80):])
				}
				if !strings.HasPrefix(debug, "Traceback (most recent call last):\n") {
					t.Errorf("debug %q", debug)
				}
			})
		}
	}
}

func TestAccessDeniedTraceback(t *testing.T) {
	// 19.0 strips the traceback of AccessDenied; 18.0 sends it whole
	for _, tt := range []struct{ version, debug string }{
		{"19.0", "odoo.exceptions.AccessDenied: Access Denied\n"},
		{"18.0", "Traceback (most recent call last):\n"},
	} {
		c := newTC(t, tt.version)
		r := c.kw(AdminUID, "wrong", "res.partner", "search", []any{[]any{}}, nil)
		debug, _ := r.err["debug"].(string)
		if r.errName() != exAccessDenied || r.errMsg() != "Access Denied" || !strings.HasPrefix(debug, tt.debug) ||
			!strings.HasSuffix(debug, "odoo.exceptions.AccessDenied: Access Denied\n") {
			t.Errorf("%s: %s %q %q", tt.version, r.errName(), r.errMsg(), debug)
		}
	}
}

func TestJSONRPCResultEncoding(t *testing.T) {
	c := newTC(t, "18.0")
	// a method returning None: no result key at all
	r := c.kw(AdminUID, AdminPassword, "res.partner", "action_archive", []any{[]any{8}}, nil)
	if r.hasResult || r.err != nil || len(r.raw) != 2 {
		t.Errorf("None result: %v", r.raw)
	}
	// create: one dict gives an id, a list gives ids
	if id := c.admin("res.partner", "create", []any{map[string]any{"name": "One"}}, nil); kind(id) != "int" {
		t.Errorf("create(dict) = %v", id)
	}
	if ids := c.admin("res.partner", "create", []any{[]any{map[string]any{"name": "A"}, map[string]any{"name": "B"}}}, nil); len(ids.([]any)) != 2 {
		t.Errorf("create(list) = %v", ids)
	}
	if ids := c.admin("res.partner", "create", []any{[]any{}}, nil); len(ids.([]any)) != 0 {
		t.Errorf("create([]) = %v", ids)
	}
	// execute: positional arguments spread, a bare condition as domain
	r = c.rpc("object", "execute", c.s.DB(), AdminUID, AdminPassword, "res.partner", "search_count", []any{"is_company", "=", true})
	if num(r.result) != 14 {
		t.Errorf("execute search_count = %v %v", r.result, r.err)
	}
	// floats keep a decimal point, as Python's json does
	_, _, raw := c.post("/jsonrpc", "application/json", []byte(`{"jsonrpc":"2.0","id":1,"params":{"service":"object","method":"execute_kw",`+
		`"args":["odoo",2,"admin","product.product","read",[[3]],{"fields":["list_price","weight"]}]}}`), nil)
	if !strings.Contains(string(raw), `"list_price":40.0`) || !strings.Contains(string(raw), `"weight":0.0`) {
		t.Errorf("floats: %s", raw)
	}
}

func TestMalformedRequests(t *testing.T) {
	for _, tt := range []struct {
		version, path, contentType, body string
		status                           int
		bodyHas                          string
	}{
		{"18.0", "/jsonrpc", "application/json", "{not json", 400, "Invalid JSON data"},
		{"19.0", "/jsonrpc", "application/json", "", 400, "Invalid JSON data"},
		{"19.0", "/jsonrpc", "application/json", "[1,2]", 400, "Invalid JSON-RPC data"},
		{"19.0", "/jsonrpc", "application/json", `{"id":1} x`, 400, "Invalid JSON data"},
		{"18.0", "/jsonrpc", "text/plain", `{}`, 400, "is type=&#39;json&#39;"},
		{"19.0", "/jsonrpc", "", `{}`, 415, "Please verify the Content-Type request header and try again."},
		{"19.0", "/json/2/res.partner/search", "text/plain", `{}`, 415, "is type=&#39;json2&#39;"},
		{"19.0", "/jsonrpc", "application/json-rpc; charset=utf-8", `{"id":1,"params":{"service":"db","method":"list","args":[]}}`, 200, `"result":["odoo"]`},
		{"18.0", "/web/webclient/version_info", "application/json", `{"jsonrpc":"2.0","id":0,"params":{}}`, 200, `"server_serie":"18.0"`},
		{"19.0", "/nowhere", "", ``, 404, "<title>Odoo</title>"},
		{"18.0", "/json/2/res.partner/search", "application/json", `{}`, 303, "/web/login?redirect=%2Fjson%2F2%2Fres.partner%2Fsearch%3F"},
		{"18.0", "/json/version", "", ``, 303, "Redirecting..."},
		{"19.0", "/json/anything", "", ``, 303, "/web/login?redirect="},
	} {
		c := newTC(t, tt.version)
		st, hdr, b := c.post(tt.path, tt.contentType, []byte(tt.body), nil)
		if st != tt.status || !strings.Contains(string(b), tt.bodyHas) {
			t.Errorf("%s %s %q: %d %.300s", tt.version, tt.path, tt.body, st, b)
		}
		if st == 303 && !strings.HasPrefix(hdr.Get("Location"), "/web/login?redirect=") {
			t.Errorf("Location %q", hdr.Get("Location"))
		}
	}
}

func TestVersionRoutes(t *testing.T) {
	for _, tt := range []struct {
		version, path string
		status        int
		body          string
	}{
		{"19.0", "/web/version", 200, `{"version_info":[19,0,0,"final",0,""],"version":"19.0"}`},
		{"19.0", "/json/version", 200, `{"version_info":[19,0,0,"final",0,""],"version":"19.0"}`},
		{"18.0", "/web/version", 404, ""},
	} {
		s := New(Options{Version: tt.version})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != tt.status || tt.body != "" && w.Body.String() != tt.body {
			t.Errorf("%s %s: %d %s", tt.version, tt.path, w.Code, w.Body.String())
		}
	}
	c := newTC(t, "19.0")
	r := c.rpc("common", "version")
	v := r.result.(map[string]any)
	if v["server_version"] != "19.0" || v["server_serie"] != "19.0" || pyRepr(v["server_version_info"]) != "[19, 0, 0, 'final', 0, '']" || num(v["protocol_version"]) != 1 {
		t.Errorf("version %v", v)
	}
	if r := c.rpc("common", "about"); r.result != "See http://openerp.com" {
		t.Errorf("about %v", r.result)
	}
}

func TestJSON2Errors(t *testing.T) {
	c := newTC(t, "19.0")
	tests := []struct {
		name, model, method string
		body                any
		status              int
		errName, msg        string
	}{
		{"unknown model", "no.such.model", "search", map[string]any{"domain": []any{}}, 404, exNotFound, "the model 'no.such.model' does not exist"},
		{"unknown method", "res.partner", "nope", map[string]any{}, 404, exNotFound, "The method 'res.partner.nope' does not exist"},
		{"private method", "res.partner", "_foo", map[string]any{}, 403, exAccessError, "Private methods (such as 'res.partner._foo') cannot be called remotely."},
		{"ids on api.model", "res.partner", "search", map[string]any{"ids": []any{1}, "domain": []any{}}, 422, exUnprocessable, "cannot call res.partner.search with ids"},
		{"missing argument", "res.partner", "search", map[string]any{}, 422, exUnprocessable, "missing a required argument: 'domain'"},
		{"unexpected argument", "res.partner", "search_count", map[string]any{"domain": []any{}, "bogus": 1}, 422, exUnprocessable, "got an unexpected keyword argument 'bogus'"},
		{"args key", "res.partner", "search_count", map[string]any{"args": []any{[]any{}}}, 422, exUnprocessable, "missing a required argument: 'domain'"},
		{"search_read **kwargs", "res.partner", "search_read", map[string]any{"args": []any{[]any{}}}, 500, exTypeError, "BaseModel._read_format() got an unexpected keyword argument 'args'"},
		{"validation", "res.partner", "create", map[string]any{"vals_list": []any{map[string]any{"email": "x@example.com"}}}, 422, exValidation, "The operation cannot be completed: Contacts require a name"},
		{"missing record", "res.partner", "write", map[string]any{"ids": []any{4242}, "vals": map[string]any{"name": "x"}}, 404, exMissingError,
			"Record does not exist or has been deleted.\n(Record: res.partner(4242,), User: 2)"},
		{"bad domain", "res.partner", "search", map[string]any{"domain": []any{[]any{"x", "=", 1}}}, 500, exValueError, "Invalid field res.partner.x in condition ('x', '=', 1)"},
		{"user error", "res.users", "unlink", map[string]any{"ids": []any{2}}, 422, exUserError,
			"You can not remove the admin user as it is used internally for resources created by Odoo (updates, module installation, ...)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			st, v := c.json2(AdminKey, tt.model, tt.method, tt.body)
			m, _ := v.(map[string]any)
			if st != tt.status || m["name"] != tt.errName || m["message"] != tt.msg {
				t.Errorf("got %d %v %q", st, m["name"], m["message"])
			}
			if d, _ := m["debug"].(string); !strings.HasPrefix(d, "Traceback") {
				t.Errorf("debug %q", d)
			}
		})
	}

	// success shapes
	if st, v := c.json2(AdminKey, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": "Solo"}}); st != 200 || len(v.([]any)) != 1 {
		t.Errorf("create one dict: %d %v", st, v)
	}
	if st, v := c.json2(AdminKey, "res.partner", "action_archive", map[string]any{"ids": []any{9}}); st != 200 || v != nil {
		t.Errorf("None: %d %v", st, v)
	}
	if st, v := c.json2(AdminKey, "res.partner", "read", map[string]any{"ids": []any{9}, "fields": []any{"active"}, "context": map[string]any{"active_test": false}}); st != 200 || v.([]any)[0].(map[string]any)["active"] != false {
		t.Errorf("read archived: %d %v", st, v)
	}
	if st, v := c.json2(AdminKey, "res.partner", "read", map[string]any{"ids": []any{}}); st != 200 || len(v.([]any)) != 0 {
		t.Errorf("read no ids: %d %v", st, v)
	}

	// routing and database selection
	st, _, b := c.post("/json/2/res.partner/search", "application/json", []byte(`{"domain":[]}`), map[string]string{"Authorization": "bearer " + AdminKey, "X-Odoo-Database": "other"})
	if st != 404 || !strings.Contains(string(b), "No database is selected") {
		t.Errorf("wrong database: %d %s", st, b)
	}
	st, _, b = c.post("/json/2/res.partner/search", "application/json", []byte(`{"domain":[]}`), map[string]string{"Authorization": "bearer " + AdminKey, "X-Odoo-Database": "odoo"})
	if st != 200 {
		t.Errorf("right database: %d %s", st, b)
	}
	for _, path := range []string{"/json/2", "/json/2/", "/json/2/res.partner", "/json/2/res.partner/search/extra"} {
		st, _, b := c.post(path, "application/json", []byte(`{}`), nil)
		if st != 404 || !strings.Contains(string(b), "Did you mean POST /json/2/<model>/<method>?") {
			t.Errorf("%s: %d %s", path, st, b)
		}
	}
	st, _, b = c.post("/json/2/res.partner/search", "application/json", []byte(`{"domain": [}`), map[string]string{"Authorization": "bearer " + AdminKey})
	if st != 400 || !strings.Contains(string(b), "could not parse the body as json: Expecting value: line 1 column 13 (char 12)") {
		t.Errorf("bad JSON: %d %s", st, b)
	}
	st, _, b = c.post("/json/2/res.partner/search_count", "application/json", []byte(`[1]`), map[string]string{"Authorization": "bearer " + AdminKey})
	if st != 422 || !strings.Contains(string(b), "missing a required argument: 'domain'") {
		t.Errorf("non-object body: %d %s", st, b)
	}
}

func TestPythonJSONErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"{not json", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{"", "Expecting value: line 1 column 1 (char 0)"},
		{"not json", "Expecting value: line 1 column 1 (char 0)"},
		{`{"a" 1}`, "Expecting ':' delimiter: line 1 column 6 (char 5)"},
		{`{"a": 1 "b": 2}`, "Expecting ',' delimiter: line 1 column 9 (char 8)"},
		{"{\n  \"a\": 1,\n  \"b\": x}", "Expecting value: line 3 column 8 (char 19)"},
		{`{} {}`, "Extra data: line 1 column 4 (char 3)"},
		{`{"a": 1`, "Expecting ',' delimiter: line 1 column 8 (char 7)"},
	} {
		_, err := decodeJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("%q decoded", tt.in)
			continue
		}
		if got := pyJSONError([]byte(tt.in), err); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.in, got, tt.want)
		}
	}
}
