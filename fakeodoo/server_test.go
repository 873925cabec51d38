package fakeodoo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	s := New(Options{})
	if s.Version() != "18.0" || s.DB() != "odoo" {
		t.Errorf("defaults %s %s", s.Version(), s.DB())
	}
	s = New(Options{Version: "19.0", DB: "prod"})
	if s.Version() != "19.0" || s.DB() != "prod" {
		t.Errorf("options %s %s", s.Version(), s.DB())
	}
	defer func() {
		if recover() == nil {
			t.Error("version 17.0 accepted")
		}
	}()
	New(Options{Version: "17.0"})
}

func TestCounters(t *testing.T) {
	c := newTC(t, "19.0")
	c.rpc("common", "version")
	c.kw(AdminUID, AdminKey, "res.partner", "search_count", []any{[]any{}}, nil)
	c.kw(DemoUID, "wrong", "res.partner", "search_count", []any{[]any{}}, nil)
	c.json2(DemoKey, "res.partner", "search", map[string]any{"domain": []any{}})
	c.json2("", "res.partner", "search", map[string]any{"domain": []any{}})
	c.s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/web/version", nil))
	if n := c.s.Requests(); n != 6 {
		t.Errorf("Requests() = %d, want 6", n)
	}
	want := []Call{
		{Protocol: "jsonrpc", Service: "common", Method: "version"},
		{Protocol: "jsonrpc", Service: "object", Model: "res.partner", Method: "search_count", UID: AdminUID},
		{Protocol: "jsonrpc", Service: "object", Model: "res.partner", Method: "search_count"},
		{Protocol: "json2", Model: "res.partner", Method: "search", UID: DemoUID},
		{Protocol: "json2", Model: "res.partner", Method: "search"},
		{Protocol: "http", Method: "/web/version"},
	}
	got := c.s.Calls()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Calls()\n got %v\nwant %v", got, want)
	}
	got[0].Method = "changed"
	if c.s.Calls()[0].Method != "version" {
		t.Error("Calls() exposes internal state")
	}
	c.s.ResetCounters()
	if c.s.Requests() != 0 || len(c.s.Calls()) != 0 {
		t.Errorf("after reset: %d %v", c.s.Requests(), c.s.Calls())
	}
}

func TestLatency(t *testing.T) {
	c := newTC(t, "18.0")
	c.s.SetLatency(60 * time.Millisecond)
	start := time.Now()
	c.rpc("common", "version")
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered after %v", d)
	}
	// a cancelled request does not wait
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/jsonrpc", strings.NewReader(`{}`)).WithContext(ctx)
	start = time.Now()
	c.s.ServeHTTP(httptest.NewRecorder(), req)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("cancelled request waited %v", d)
	}
	c.s.SetLatency(0)
	start = time.Now()
	c.rpc("common", "version")
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("no latency took %v", d)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New(Options{Version: "19.0"})
	srv := httptest.NewServer(s)
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				var body string
				path := "/jsonrpc"
				switch i % 3 {
				case 0:
					body = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"params":{"service":"object","method":"execute_kw","args":["odoo",2,%q,"res.partner","create",[{"name":"Worker %d/%d"}]]}}`, i, AdminKey, g, i)
				case 1:
					body = `{"jsonrpc":"2.0","id":1,"params":{"service":"object","method":"execute_kw","args":["odoo",5,"demo","res.partner","search_read",[[["name","ilike","worker"]]],{"fields":["name"]}]}}`
				default:
					path = "/json/2/res.partner/search_count"
					body = `{"domain":[["name","ilike","worker"]]}`
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "bearer "+DemoKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				var v any
				err = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("%s: %d %v", path, resp.StatusCode, err)
					return
				}
				if m, ok := v.(map[string]any); ok && m["error"] != nil {
					errs <- fmt.Errorf("%v", m["error"])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c := &tc{t: t, s: s}
	if n := num(c.admin("res.partner", "search_count", []any{[]any{[]any{"name", "ilike", "worker"}}}, nil)); n != 40 {
		t.Errorf("%d partners created, want 40", n)
	}
	if s.Requests() != 8*15+1 {
		t.Errorf("Requests() = %d", s.Requests())
	}
}

// TestNoPanics throws odd values at every method and route: the fake must
// answer like Odoo (an error, never a crash or an internal error).
func TestNoPanics(t *testing.T) {
	odd := []any{nil, true, false, 0, -1, 1.5, 1e300, "", "x", "name", []any{}, []any{nil}, []any{[]any{}},
		[]any{"|"}, []any{"!", "!"}, []any{[]any{"name"}}, []any{[]any{"name", "=", map[string]any{}}},
		[]any{[]any{"id", "child_of", "x"}}, []any{[]any{"parent_id.bogus", "=", 1}}, []any{[]any{"category_id", "any", "x"}},
		map[string]any{}, map[string]any{"name": []any{1}}, map[string]any{"category_id": []any{[]any{9, 9}}},
		map[string]any{"child_ids": []any{[]any{0, 0, "x"}}}, []any{1, 2, 3}, []any{"a", "b"},
		map[string]any{"parent_id": "x", "date": 1}}
	for _, version := range []string{"18.0", "19.0"} {
		c := newTC(t, version)
		var methodNames []string
		for name := range methods {
			methodNames = append(methodNames, name)
		}
		for _, model := range []string{"res.partner", "sale.order"} {
			for _, method := range methodNames {
				for _, a := range odd {
					for _, args := range [][]any{{a}, {[]any{1}, a, a}} {
						r := c.kw(AdminUID, AdminPassword, model, method, args, map[string]any{"context": a})
						if strings.Contains(r.errMsg(), "fakeodoo internal error") {
							t.Fatalf("%s %s.%s(%s): %s", version, model, method, pyRepr(args), r.errMsg())
						}
					}
					r := c.kw(AdminUID, AdminPassword, model, method, []any{}, map[string]any{"domain": a, "fields": a, "vals": a, "order": a, "limit": a})
					if strings.Contains(r.errMsg(), "fakeodoo internal error") {
						t.Fatalf("%s %s.%s kwargs %s: %s", version, model, method, pyRepr(a), r.errMsg())
					}
					if version == "19.0" {
						for _, body := range []any{map[string]any{"ids": a, "domain": a, "vals": a, "vals_list": a, "fields": a, "context": a}} {
							st, v := c.json2(AdminKey, model, method, body)
							if m, ok := v.(map[string]any); ok && strings.Contains(fmt.Sprint(m["message"]), "fakeodoo internal error") || st == 0 {
								t.Fatalf("%s.%s JSON-2 %s: %d %v", model, method, pyRepr(body), st, v)
							}
						}
					}
				}
			}
		}
		for _, body := range []string{``, `null`, `[]`, `"x"`, `{"params":5}`, `{"params":{"service":5}}`, `{"params":{"service":"object","method":"execute_kw","args":5}}`,
			`{"params":{"service":"object","method":"execute_kw","args":["odoo",2,"admin",5,6,7,8,9]}}`, `{"params":{"service":"common","method":"login","args":[1,2,3]}}`,
			`{"params":{"service":"object","method":"execute","args":[null,null,null]}}`, `{"params":{"service":"db","method":"db_exist","args":[]}}`} {
			st, _, b := c.post("/jsonrpc", "application/json", []byte(body), nil)
			if st != 200 && st != 400 || strings.Contains(string(b), "internal error") {
				t.Errorf("%s: %d %s", body, st, b)
			}
		}
	}
}

func TestAddUserPanicsOnBadLogin(t *testing.T) {
	s := New(Options{})
	defer func() {
		if recover() == nil {
			t.Error("duplicate login accepted")
		}
	}()
	s.AddUser(User{Login: DemoLogin, Password: "x"})
}
