package fakeodoo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// tc is a small test client talking to a fake through its http.Handler.
type tc struct {
	t *testing.T
	s *Server
}

func newTC(t *testing.T, version string) *tc {
	t.Helper()
	return &tc{t: t, s: New(Options{Version: version})}
}

// post sends a raw request and returns the status, headers and body.
func (c *tc) post(path, contentType string, body []byte, headers map[string]string) (int, http.Header, []byte) {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	c.s.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, w.Result().Header, b
}

// rpcResp is a decoded JSON-RPC response.
type rpcResp struct {
	raw       map[string]any
	result    any
	hasResult bool
	err       map[string]any // error.data
	code      any
}

func (r rpcResp) errName() string {
	if r.err == nil {
		return ""
	}
	s, _ := r.err["name"].(string)
	return s
}

func (r rpcResp) errMsg() string {
	if r.err == nil {
		return ""
	}
	s, _ := r.err["message"].(string)
	return s
}

func (c *tc) rpc(service, method string, args ...any) rpcResp {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 7,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	status, _, b := c.post("/jsonrpc", "application/json", body, nil)
	if status != http.StatusOK {
		c.t.Fatalf("status %d: %s", status, b)
	}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		c.t.Fatalf("bad JSON %s: %v", b, err)
	}
	r := rpcResp{raw: raw}
	r.result, r.hasResult = raw["result"]
	if e, ok := raw["error"].(map[string]any); ok {
		r.code = e["code"]
		r.err, _ = e["data"].(map[string]any)
	}
	return r
}

// kw calls object.execute_kw as uid with password.
func (c *tc) kw(uid int64, password, model, method string, args []any, kwargs map[string]any) rpcResp {
	c.t.Helper()
	a := []any{c.s.DB(), uid, password, model, method, args}
	if kwargs != nil {
		a = append(a, kwargs)
	}
	return c.rpc("object", "execute_kw", a...)
}

// admin calls execute_kw as the admin and fails the test on an error.
func (c *tc) admin(model, method string, args []any, kwargs map[string]any) any {
	c.t.Helper()
	r := c.kw(AdminUID, AdminPassword, model, method, args, kwargs)
	if r.err != nil {
		c.t.Fatalf("%s.%s: %s: %s", model, method, r.errName(), r.errMsg())
	}
	return r.result
}

// json2 calls POST /json/2/<model>/<method> with a bearer key.
func (c *tc) json2(key, model, method string, body any) (int, any) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	h := map[string]string{}
	if key != "" {
		h["Authorization"] = "bearer " + key
	}
	status, _, out := c.post("/json/2/"+model+"/"+method, "application/json; charset=utf-8", b, h)
	return status, decodeNumbers(out)
}

// names extracts the "name" (or display name) of rows or name_search pairs.
func names(v any) []string {
	var out []string
	for _, row := range v.([]any) {
		switch x := row.(type) {
		case map[string]any:
			s, _ := x["name"].(string)
			out = append(out, s)
		case []any:
			s, _ := x[1].(string)
			out = append(out, s)
		}
	}
	return out
}

func num(v any) int64 {
	i, _ := asInt(v)
	return i
}
