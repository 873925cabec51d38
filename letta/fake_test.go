package letta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/letta/lettaspec"
)

// Server versions the fake pretends to be, and the spec each is checked
// against.
const (
	vOld = "0.11.7" // spec lettaspec.Old (0.11.7-era file)
	vNew = "0.16.8" // spec lettaspec.New
)

var versions = []string{vOld, vNew}

// specValidator loads (once per binary, cached by lettaspec) the spec for a
// server version, or skips the test when ../shared/letta is absent.
func specValidator(t *testing.T, serverVersion string) *lettaspec.Validator {
	t.Helper()
	dir, err := lettaspec.FindDir()
	if err != nil {
		t.Skip("../shared/letta not found: Letta's OpenAPI specs live beside the checkout; see README")
	}
	v, err := lettaspec.LoadWithOptions(dir, lettaspec.ForServerVersion(serverVersion), lettaspec.Options{
		RejectUnknownQuery: true,
		// Documented deviation: OLD's GET /v1/agents/{id}/tools declares no
		// parameter (unpaginated) and ignores them; the client sends limit
		// to every version because NEW paginates with a default of 10.
		AllowQuery: map[string][]string{"GET /v1/agents/{agent_id}/tools": {"limit"}},
	})
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	return v
}

// oldTagMissing lists what the 0.11.7-era spec declares but the 0.11.7 tag
// does not have (../shared/letta/SOURCES.md, letta.md intro): the fake
// pretending to be 0.11.7 refuses them, so the client must not use them.
// (`secrets` on agents is also missing from the tag but is sent on purpose:
// OLD ignores unknown body fields, and NEW needs it.)
var oldTagMissing = struct {
	routes []string
	query  map[string][]string
}{
	routes: []string{
		"POST /v1/tools/mcp/servers/{mcp_server_name}/resync",
		"GET /v1/agents/search", "POST /v1/agents/search",
		"GET /v1/models/embeddings",
	},
	query: map[string][]string{
		"GET /v1/tools/":  {"before", "order", "order_by"},
		"GET /v1/agents/": {"order", "order_by"},
	},
}

// checkOldTag reports a use of something the 0.11.7 tag lacks.
func checkOldTag(c call) error {
	route := c.Method + " " + c.Route
	for _, r := range oldTagMissing.routes {
		if r == route {
			return fmt.Errorf("%s does not exist in Letta 0.11.7", route)
		}
	}
	for _, q := range oldTagMissing.query[route] {
		if _, ok := c.Query[q]; ok {
			return fmt.Errorf("%s: query parameter %s does not exist in Letta 0.11.7", route, q)
		}
	}
	return nil
}

// call is one request the fake received.
type call struct {
	Method string
	Path   string // escaped path
	Route  string // spec path template
	Query  url.Values
	Header http.Header
	Body   []byte
	Params map[string]string
}

func (c call) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("%s %s: body %q: %v", c.Method, c.Path, c.Body, err)
	}
	return m
}

// reply is a canned answer.
type reply struct {
	status int
	body   any    // JSON-encoded; nil and raw == "" → no body
	raw    string // raw body (error bodies of any shape)
	sse    func(w io.Writer, flush func())
	// noValidate skips response validation (error bodies the spec does not
	// describe, e.g. NEW's 422 with a string detail).
	noValidate bool
}

// fakeLetta is an httptest server that validates every request against the
// spec of the version it pretends to be, answers canned replies, and
// validates 2xx JSON replies against the same spec.
type fakeLetta struct {
	t        *testing.T
	version  string
	spec     *lettaspec.Validator
	srv      *httptest.Server
	mu       sync.Mutex
	handlers map[string]func(c call) reply
	calls    []call
}

func newFake(t *testing.T, version string) *fakeLetta {
	t.Helper()
	f := &fakeLetta{t: t, version: version, spec: specValidator(t, version), handlers: map[string]func(call) reply{}}
	f.on("GET /v1/health/", func(call) reply {
		return reply{body: map[string]any{"version": version, "status": "ok"}}
	})
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// on sets the handler of a route ("METHOD /spec/path/{param}").
func (f *fakeLetta) on(route string, h func(c call) reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, _, err := f.spec.FindRoute(strings.Fields(route)[0], strings.Fields(route)[1]); err != nil {
		f.t.Fatalf("fake route %q is not in spec %s: %v", route, f.spec.Version(), err)
	}
	f.handlers[route] = h
}

func (f *fakeLetta) client(t *testing.T, opts Options) *Client {
	t.Helper()
	c, err := New(f.srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// callsTo returns the calls of a route ("METHOD /template"), or all calls
// when route is "".
func (f *fakeLetta) callsTo(route string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if route == "" || c.Method+" "+c.Route == route {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeLetta) routesCalled() []string {
	var out []string
	for _, c := range f.callsTo("") {
		out = append(out, c.Method+" "+c.Route)
	}
	return out
}

func (f *fakeLetta) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := f.spec.ValidateRequest(r); err != nil {
		f.t.Errorf("fake Letta %s: request not valid per spec %s:\n%v", f.version, f.spec.Version(), err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"detail":"request failed spec validation"}`)
		return
	}
	rt, params, _ := f.spec.FindRoute(r.Method, r.URL.EscapedPath())
	c := call{Method: r.Method, Path: r.URL.EscapedPath(), Route: rt.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Params: params}
	if !isNew(f.version) {
		if err := checkOldTag(c); err != nil {
			f.t.Errorf("fake Letta %s: %v", f.version, err)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	h := f.handlers[r.Method+" "+rt.Path]
	f.mu.Unlock()
	if h == nil {
		f.t.Errorf("fake Letta %s: unexpected call %s %s", f.version, r.Method, rt.Path)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"detail":"Not Found"}`)
		return
	}
	rep := h(c)
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	if rep.sse != nil {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(rep.status)
		fl, _ := w.(http.Flusher)
		flush := func() {
			if fl != nil {
				fl.Flush()
			}
		}
		flush()
		rep.sse(w, flush)
		return
	}
	var out []byte
	switch {
	case rep.raw != "":
		out = []byte(rep.raw)
	case rep.body != nil:
		var err error
		if out, err = json.Marshal(rep.body); err != nil {
			f.t.Errorf("fake: marshal reply: %v", err)
		}
	}
	h2 := http.Header{}
	if len(out) > 0 {
		h2.Set("Content-Type", "application/json")
		w.Header().Set("Content-Type", "application/json")
	}
	if rep.status >= 200 && rep.status < 300 && !rep.noValidate {
		if err := f.spec.ValidateResponse(r, rep.status, h2, out); err != nil {
			f.t.Errorf("fake Letta %s: canned reply not valid per spec %s:\n%v", f.version, f.spec.Version(), err)
		}
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(out)
}

// ---- canned objects (shapes from the specs and letta.md §5) ----

func uuidID(prefix string, n int) string {
	return fmt.Sprintf("%s-%08x-0000-4000-8000-%012x", prefix, n, n)
}

func isNew(version string) bool { return version != vOld }

func llmConfig(handle string) map[string]any {
	provider, model, _ := strings.Cut(handle, "/")
	return map[string]any{
		"model": model, "model_endpoint_type": provider, "model_endpoint": "https://api.openai.com/v1",
		"context_window": 128000, "handle": handle, "provider_name": provider, "provider_category": "base",
		"temperature": 0.7, "max_tokens": 4096, "put_inner_thoughts_in_kwargs": true,
	}
}

func embeddingConfig(handle string) map[string]any {
	provider, model, _ := strings.Cut(handle, "/")
	return map[string]any{
		"embedding_endpoint_type": provider, "embedding_endpoint": "https://api.openai.com/v1",
		"embedding_model": model, "embedding_dim": 1536, "embedding_chunk_size": 300, "handle": handle,
	}
}

// newModel is a NEW /v1/models/ entry.
func newModel(handle, providerType string) map[string]any {
	m := llmConfig(handle)
	_, name, _ := strings.Cut(handle, "/")
	m["name"] = name
	m["display_name"] = name
	m["provider_type"] = providerType
	m["max_context_window"] = 128000
	m["model_type"] = "llm"
	return m
}

func newEmbeddingModel(handle string) map[string]any {
	m := embeddingConfig(handle)
	provider, name, _ := strings.Cut(handle, "/")
	m["name"] = name
	m["display_name"] = name
	m["provider_type"] = provider
	m["provider_name"] = provider
	m["model_type"] = "embedding"
	return m
}

func toolObj(n int, name, server string) map[string]any {
	t := map[string]any{
		"id": uuidID("tool", n), "tool_type": "external_mcp", "name": name, "description": "Odoo tool " + name,
		"source_type": "python", "source_code": "def " + name + "(**kwargs):\n    raise RuntimeError('MCP')",
		"json_schema": map[string]any{
			"name": name, "description": "Odoo tool " + name,
			"parameters":          map[string]any{"type": "object", "properties": map[string]any{"model": map[string]any{"type": "string"}}, "required": []any{"model"}},
			"mcp:SCHEMA_STATUS":   "STRICT_COMPLIANT",
			"mcp:SCHEMA_WARNINGS": []any{},
		},
		"args_json_schema": nil, "return_char_limit": 50000, "pip_requirements": nil,
		"created_by_id": uuidID("user", 1), "last_updated_by_id": uuidID("user", 1),
	}
	if server != "" {
		t["tags"] = []any{"mcp:" + server}
		t["metadata_"] = map[string]any{"mcp": map[string]any{"server_name": server}}
	} else {
		t["tool_type"] = "letta_core"
		t["tags"] = []any{}
	}
	return t
}

func envVarList(agentID string, env map[string]string) []any {
	var out []any
	i := 0
	for k, v := range env {
		i++
		out = append(out, map[string]any{"id": uuidID("agent-env", i), "key": k, "value": v, "agent_id": agentID, "description": nil})
	}
	if out == nil {
		out = []any{}
	}
	return out
}

// agentState builds an AgentState of the given server version.
func agentState(version, id, name string, tools []any, env map[string]string) map[string]any {
	if tools == nil {
		tools = []any{}
	}
	blocks := []any{
		map[string]any{"id": uuidID("block", 1), "label": "persona", "value": "I am Odoo's assistant.", "limit": 20000},
		map[string]any{"id": uuidID("block", 2), "label": "human", "value": "An Odoo user.", "limit": 20000},
	}
	a := map[string]any{
		"id": id, "name": name, "system": "You are an Odoo assistant.", "agent_type": "memgpt_v2_agent",
		"llm_config": llmConfig("openai/gpt-4o-mini"), "embedding_config": embeddingConfig("openai/text-embedding-3-small"),
		"memory": map[string]any{"blocks": blocks}, "tools": tools, "sources": []any{},
		"tags": []any{"odoo-mcp"}, "metadata": map[string]any{"thread_id": "42"},
		"tool_exec_environment_variables": envVarList(id, env),
		"created_at":                      "2025-09-04T10:00:01.120000Z", "updated_at": "2025-09-04T10:00:01.120000Z",
		"description": nil,
	}
	if isNew(version) {
		a["agent_type"] = "letta_v1_agent"
		a["blocks"] = blocks
		a["model"] = "openai/gpt-4o-mini"
		a["embedding"] = "openai/text-embedding-3-small"
		a["secrets"] = envVarList(id, env)
	}
	return a
}

func oldMCPConfig(name, typ, u string, headers map[string]string) map[string]any {
	return map[string]any{"server_name": name, "type": typ, "server_url": u, "auth_header": nil, "auth_token": nil, "custom_headers": headers}
}

func newMCPServerObj(n int, name, u string, headers map[string]string) map[string]any {
	return map[string]any{"id": uuidID("mcp_server", n), "server_name": name, "mcp_server_type": "streamable_http", "server_url": u, "auth_header": nil, "auth_token": nil, "custom_headers": headers}
}

func mcpTool(name, status string) map[string]any {
	return map[string]any{
		"name": name, "title": name, "description": "tool " + name,
		"inputSchema": map[string]any{"type": "object", "properties": map[string]any{"model": map[string]any{"type": "string"}}, "required": []any{"model"}, "additionalProperties": false},
		"annotations": nil,
		"health":      map[string]any{"status": status, "reasons": []any{}},
	}
}
