package odoorpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rpcErrorBody is an Odoo JSON-RPC error as Odoo 18 (code 200) or 19
// (code 0) sends it, traceback included, so the tests prove it is dropped.
func rpcErrorBody(code int, name, message string) string {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "error": map[string]any{
		"code": code, "message": "Odoo Server Error",
		"data": map[string]any{"name": name, "message": message, "arguments": []string{message}, "context": map[string]any{},
			"debug": "Traceback (most recent call last):\n  File \"/opt/odoo/odoo/http.py\", line 1\n" + name + ": " + message},
	}})
	return string(b)
}

func newTestClient(t *testing.T, protocol Protocol, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, DB: "odoo", Protocol: protocol, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJSONRPCErrorsAreTyped(t *testing.T) {
	cases := []struct {
		name, exc, msg string
		want           error
		wantMsg        string
	}{
		{"access denied", "odoo.exceptions.AccessDenied", "Access Denied", ErrAccessDenied, "Access Denied"},
		{"acl", "odoo.exceptions.AccessError", "You are not allowed to access 'System Parameter' (ir.config_parameter) records.\n\nThis operation is allowed for the following groups:\n\t- Administration/Settings", ErrAccessError, "You are not allowed to access 'System Parameter' (ir.config_parameter) records."},
		{"private 18", "odoo.exceptions.AccessError", "Private methods (such as _foo) cannot be called remotely.", ErrPrivateMethod, ""},
		{"private 19", "odoo.exceptions.AccessError", "Private methods (such as 'res.partner._foo') cannot be called remotely.", ErrPrivateMethod, ""},
		{"unknown model", "odoo.exceptions.UserError", "Object no.such.model doesn't exist", ErrUnknownModel, ""},
		{"user error", "odoo.exceptions.UserError", "You cannot do that", ErrUserError, "You cannot do that"},
		{"unknown method 18", "builtins.AttributeError", "The method 'no_such_method' does not exist on the model 'res.partner'", ErrUnknownMethod, ""},
		{"unknown method 19", "builtins.AttributeError", "The method 'res.partner.no_such_method' does not exist", ErrUnknownMethod, ""},
		{"validation", "odoo.exceptions.ValidationError", "You cannot create recursive Partner hierarchies.", ErrValidation, "You cannot create recursive Partner hierarchies."},
		{"missing", "odoo.exceptions.MissingError", "Record does not exist or has been deleted.", ErrMissing, ""},
		{"bad domain", "builtins.ValueError", "Invalid leaf ('name', 'bogus_op', 'x')", ErrInvalidArguments, ""},
		{"bad kwarg", "builtins.TypeError", "BaseModel._read_format() got an unexpected keyword argument 'bogus'", ErrInvalidArguments, ""},
		{"no database", "psycopg2.OperationalError", "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"nope\" does not exist\n", ErrDatabaseNotFound, `database "nope" does not exist`},
		{"sql", "psycopg2.errors.UniqueViolation", "duplicate key value violates unique constraint \"x\" DETAIL: SELECT ...", ErrServer, "the database refused the operation"},
		{"unknown", "builtins.RuntimeError", "boom", ErrServer, "boom"},
	}
	for _, code := range []int{200, 0} {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, rpcErrorBody(code, tc.exc, tc.msg))
				})
				_, err := c.Execute(context.Background(), Credentials{UID: 2, Key: "k"}, Call{Model: "res.partner", Method: "search_read"})
				if !errors.Is(err, tc.want) {
					t.Fatalf("error %v, want kind %v", err, tc.want)
				}
				var oe *Error
				if !errors.As(err, &oe) {
					t.Fatalf("not an *Error: %T", err)
				}
				if oe.Model != "res.partner" || oe.Method != "search_read" || oe.Name != tc.exc {
					t.Errorf("error fields = %+v", oe)
				}
				if strings.Contains(err.Error(), "Traceback") || strings.Contains(err.Error(), "5432") {
					t.Errorf("error leaks internals: %q", err)
				}
				if tc.wantMsg != "" && oe.Message != tc.wantMsg {
					t.Errorf("message = %q, want %q", oe.Message, tc.wantMsg)
				}
			})
		}
	}
}

func TestJSONRPCMissingResultIsNull(t *testing.T) {
	c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"jsonrpc": "2.0", "id": 33}`)
	})
	raw, err := c.Execute(context.Background(), Credentials{UID: 2, Key: "k"}, Call{Model: "res.partner", Method: "action_archive", IDs: []int64{7}})
	if err != nil || string(raw) != "null" {
		t.Fatalf("raw %q, err %v; want null, nil", raw, err)
	}
}

func TestExecuteKWRequestShape(t *testing.T) {
	var got map[string]any
	c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jsonrpc" || r.Method != http.MethodPost {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		json.NewDecoder(r.Body).Decode(&got)
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":true}`)
	})
	_, err := c.Execute(context.Background(), Credentials{UID: 7, Key: "secret"}, Call{
		Model: "res.partner", Method: "write", IDs: []int64{1, 2},
		Kwargs:  map[string]any{"vals": map[string]any{"name": "x"}},
		Context: map[string]any{"lang": "fr_FR"},
	})
	if err != nil {
		t.Fatal(err)
	}
	params := got["params"].(map[string]any)
	if params["service"] != "object" || params["method"] != "execute_kw" {
		t.Fatalf("params %v", params)
	}
	args := params["args"].([]any)
	want := `["odoo",7,"secret","res.partner","write",[[1,2]],{"context":{"lang":"fr_FR"},"vals":{"name":"x"}}]`
	if b, _ := json.Marshal(args); string(b) != want {
		t.Fatalf("args\n got %s\nwant %s", b, want)
	}
}

func TestJSON2RequestAndErrors(t *testing.T) {
	var gotPath, gotAuth, gotDB string
	var gotBody map[string]any
	status, body := 200, `[1,2]`
	c := newTestClient(t, ProtocolJSON2, func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotAuth, gotDB = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Odoo-Database")
		gotBody = nil
		json.NewDecoder(r.Body).Decode(&gotBody)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	ctx := context.Background()
	raw, err := c.Execute(ctx, Credentials{Key: "k1"}, Call{Model: "res.partner", Method: "read", IDs: []int64{1}, Kwargs: map[string]any{"fields": []string{"name"}}, Context: map[string]any{"lang": "en_US"}})
	if err != nil || string(raw) != "[1,2]" {
		t.Fatalf("raw %s err %v", raw, err)
	}
	if gotPath != "/json/2/res.partner/read" || gotAuth != "bearer k1" || gotDB != "odoo" {
		t.Fatalf("path %q auth %q db %q", gotPath, gotAuth, gotDB)
	}
	if b, _ := json.Marshal(gotBody); string(b) != `{"context":{"lang":"en_US"},"fields":["name"],"ids":[1]}` {
		t.Fatalf("body %s", b)
	}
	if _, err := c.Execute(ctx, Credentials{Key: "k"}, Call{Model: "res.partner", Method: "action_confirm", Args: []any{[]any{}}}); !errors.Is(err, ErrNamedArgumentsOnly) {
		t.Fatalf("positional args of a custom method: %v", err)
	}
	// Standard ORM methods get their positional arguments named.
	if _, err := c.Execute(ctx, Credentials{Key: "k"}, Call{Model: "res.partner", Method: "create", Args: []any{[]any{map[string]any{"name": "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(gotBody); string(b) != `{"vals_list":[{"name":"x"}]}` {
		t.Fatalf("create body %s", b)
	}
	if _, err := c.Execute(ctx, Credentials{Key: "k"}, Call{Model: "res.partner", Method: "search", Args: []any{[]any{}}, Kwargs: map[string]any{"domain": []any{}}}); !errors.Is(err, ErrInvalidArguments) {
		t.Fatalf("domain twice: %v", err)
	}

	cases := []struct {
		status int
		body   string
		want   error
	}{
		{401, `{"name":"werkzeug.exceptions.Unauthorized","message":"Invalid apikey","arguments":["Invalid apikey",401],"context":{},"debug":"Traceback"}`, ErrAccessDenied},
		{404, `{"name":"werkzeug.exceptions.NotFound","message":"the model 'x.y' does not exist","arguments":[],"context":{},"debug":""}`, ErrUnknownModel},
		{404, `{"name":"werkzeug.exceptions.NotFound","message":"The method 'res.partner.foo' does not exist","arguments":[],"context":{},"debug":""}`, ErrUnknownMethod},
		{403, `{"name":"odoo.exceptions.AccessError","message":"Private methods (such as 'res.partner._foo') cannot be called remotely.","arguments":[],"context":{},"debug":""}`, ErrPrivateMethod},
		{422, `{"name":"odoo.exceptions.ValidationError","message":"Contacts require a name","arguments":[],"context":{},"debug":""}`, ErrValidation},
		{404, `{"name":"odoo.exceptions.MissingError","message":"Record does not exist or has been deleted.","arguments":[],"context":{},"debug":""}`, ErrMissing},
		{500, `{"name":"builtins.ValueError","message":"Invalid operator in condition","arguments":[],"context":{},"debug":""}`, ErrInvalidArguments},
	}
	for _, tc := range cases {
		status, body = tc.status, tc.body
		_, err := c.Execute(ctx, Credentials{Key: "k"}, Call{Model: "res.partner", Method: "search_read"})
		if !errors.Is(err, tc.want) {
			t.Errorf("HTTP %d %s: got %v, want %v", tc.status, tc.body[:40], err, tc.want)
		}
	}
}

func TestJSON2HTMLAnswers(t *testing.T) {
	status := http.StatusNotFound
	c := newTestClient(t, ProtocolJSON2, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if status == http.StatusSeeOther {
			w.Header().Set("Location", "/web/login")
		}
		w.WriteHeader(status)
		io.WriteString(w, "<!DOCTYPE html><title>404 Not Found</title>")
	})
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if _, err := c.Execute(context.Background(), Credentials{Key: "k"}, Call{Model: "res.partner", Method: "search"}); !errors.Is(err, ErrDatabaseNotFound) {
		t.Fatalf("HTML 404: %v", err)
	}
	status = http.StatusSeeOther
	if _, err := c.Execute(context.Background(), Credentials{Key: "k"}, Call{Model: "res.partner", Method: "search"}); !errors.Is(err, ErrProtocol) {
		t.Fatalf("303: %v", err)
	}
}

func TestUnavailable(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		c, _ := New(Config{URL: url, DB: "odoo", Protocol: ProtocolJSONRPC})
		_, err := c.Authenticate(context.Background(), "admin", "k")
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("gateway html", func(t *testing.T) {
		c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>502 Bad Gateway</html>")
		})
		if _, err := c.Version(context.Background()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("slow", func(t *testing.T) {
		release := make(chan struct{})
		c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c.timeout = 50 * time.Millisecond
		if _, err := c.Version(context.Background()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		var seen atomic.Bool
		c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
			seen.Store(true)
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done() // the cancellation reaches Odoo's side
		})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := c.Version(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		if !seen.Load() {
			t.Fatal("request never reached the server")
		}
	})
}

func TestResponseTooLarge(t *testing.T) {
	c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"`+strings.Repeat("x", 2048)+`"}`)
	})
	c.maxBody = 1024
	if _, err := c.Version(context.Background()); !errors.Is(err, ErrProtocol) {
		t.Fatalf("got %v", err)
	}
}

func TestAuthenticateFalseIsAccessDenied(t *testing.T) {
	c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":false}`)
	})
	if _, err := c.Authenticate(context.Background(), "admin", "wrong"); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("got %v", err)
	}
}

func TestProtocolDetection(t *testing.T) {
	for _, tc := range []struct {
		info string
		want Protocol
	}{
		{`[16,0,0,"final",0,""]`, ProtocolJSONRPC},
		{`[18,0,0,"final",0,"e"]`, ProtocolJSONRPC},
		{`[19,0,0,"final",0,""]`, ProtocolJSON2},
		{`["saas~18",4,0,"final",0,""]`, ProtocolJSONRPC},
	} {
		var calls atomic.Int32
		c := newTestClient(t, ProtocolAuto, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"server_version":"x","server_version_info":`+tc.info+`,"server_serie":"x","protocol_version":1}}`)
		})
		for range 3 {
			p, err := c.Protocol(context.Background())
			if err != nil || p != tc.want {
				t.Fatalf("%s: %v %v", tc.info, p, err)
			}
		}
		if calls.Load() != 1 {
			t.Errorf("%s: detection asked Odoo %d times, want once", tc.info, calls.Load())
		}
	}
}

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]Protocol{"": ProtocolAuto, "AUTO": ProtocolAuto, "jsonrpc": ProtocolJSONRPC, "json2": ProtocolJSON2, "json-2": ProtocolJSON2} {
		if got, err := ParseProtocol(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseProtocol("xmlrpc"); err == nil {
		t.Error("xmlrpc accepted")
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{{URL: "", DB: "x"}, {URL: "ftp://x", DB: "x"}, {URL: "http://x"}, {URL: "http://x", DB: "x", Protocol: "soap"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestObserveSeesEveryRequest(t *testing.T) {
	type seen struct {
		method, outcome string
	}
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, rpcErrorBody(200, "odoo.exceptions.AccessError", "no"))
	}))
	defer srv.Close()
	c, _ := New(Config{URL: srv.URL, DB: "odoo", Protocol: ProtocolJSONRPC, Observe: func(method string, d time.Duration, err error) {
		got = append(got, seen{method, Outcome(err)})
	}})
	c.Execute(context.Background(), Credentials{UID: 2, Key: "k"}, Call{Model: "res.partner", Method: "search_read"})
	c.Version(context.Background())
	srv.Close()
	c.Authenticate(context.Background(), "a", "b")
	want := []seen{{"search_read", "odoo_error"}, {"common.version", "odoo_error"}, {"common.authenticate", "unavailable"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %v, want %v", i, got[i], want[i])
		}
	}
}

// A web server that is not Odoo is named as such, in one line: status,
// content type and a short excerpt of the page, without its markup.
func TestNotOdooAnswers(t *testing.T) {
	page := "<!DOCTYPE html>\n<html><head><title>Welcome</title><style>body{color:red}</style></head>\n<body>\n<h1>Welcome to nginx!</h1>\r\n<p>If you see this page, the nginx web server is successfully installed &amp; working.</p>\n<script>alert(1)</script></body></html>\n"
	for _, tc := range []struct {
		name, ctype string
		status      int
		body        string
		want        []string
	}{
		{"an HTML page", "text/html", http.StatusOK, page,
			[]string{"POST /jsonrpc answered HTTP 200 OK (text/html)", `"Welcome to nginx! If you see this page`, "does not look like Odoo"}},
		{"a 404 page", "text/html; charset=utf-8", http.StatusNotFound, "<html><body><h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p></body></html>",
			[]string{"HTTP 404 Not Found (text/html; charset=utf-8)", `"Not Found The requested URL was not found on this server."`}},
		{"plain text", "text/plain", http.StatusMethodNotAllowed, "Method\tNot\nAllowed\x00",
			[]string{"HTTP 405 Method Not Allowed (text/plain)", `"Method Not Allowed"`}},
		{"no body", "", http.StatusForbidden, "", []string{"HTTP 403 Forbidden (no content type), which"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := c.Version(context.Background())
			var ne *NotOdooError
			if !errors.As(err, &ne) || !errors.Is(err, ErrProtocol) {
				t.Fatalf("got %v, want a NotOdooError", err)
			}
			msg := err.Error()
			for _, want := range tc.want {
				if !strings.Contains(msg, want) {
					t.Errorf("%q lacks %q", msg, want)
				}
			}
			if strings.ContainsAny(msg, "<>\n\r\t\x00") || strings.Contains(msg, "alert") || strings.Contains(msg, "color:red") || len(msg) > 250 {
				t.Errorf("not one clean line: %q", msg)
			}
		})
	}
	// A JSON answer without Odoo's version is not Odoo either.
	c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"status":"ok"}}`)
	})
	if _, err := c.Version(context.Background()); !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "does not look like Odoo") {
		t.Errorf("JSON without server_version: %v", err)
	}
}

// The database is checked without a login: db.db_exist, and db.list for
// the names Odoo offers (refused when list_db is off).
func TestDatabaseService(t *testing.T) {
	listDB := true
	c := newTestClient(t, ProtocolJSONRPC, func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     int64 `json:"id"`
			Params struct {
				Service, Method string
				Args            []any
			}
		}
		json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case req.Params.Service == "db" && req.Params.Method == "db_exist":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"result":%t}`, req.ID, req.Params.Args[0] == "prod")
		case req.Params.Service == "db" && req.Params.Method == "list" && listDB:
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"result":["prod","staging"]}`, req.ID)
		default:
			io.WriteString(w, rpcErrorBody(200, "odoo.exceptions.AccessDenied", "Access Denied"))
		}
	})
	if ok, err := c.DatabaseExists(context.Background()); err != nil || ok {
		t.Errorf("db_exist of odoo: %v %v, want false", ok, err)
	}
	if dbs, err := c.Databases(context.Background()); err != nil || strings.Join(dbs, ",") != "prod,staging" {
		t.Errorf("list: %v %v", dbs, err)
	}
	listDB = false
	if _, err := c.Databases(context.Background()); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("list with list_db off: %v, want access denied", err)
	}
}
