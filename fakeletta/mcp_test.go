package fakeletta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpHit is one HTTP request the test MCP server received.
type mcpHit struct {
	HTTPMethod string
	RPCMethod  string // JSON-RPC method ("" for GET/DELETE or responses)
	Tool       string // tools/call name
	Auth       string
	AgentID    string
	Session    string
}

type mcpRecorder struct {
	mu   sync.Mutex
	hits []mcpHit
}

func (r *mcpRecorder) all() []mcpHit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

func (r *mcpRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits = nil
}

func (r *mcpRecorder) rpc(method string) []mcpHit {
	var out []mcpHit
	for _, h := range r.all() {
		if h.RPCMethod == method {
			out = append(out, h)
		}
	}
	return out
}

type echoIn struct {
	Text string `json:"text" jsonschema:"text to echo"`
}

type echoOut struct {
	Echo string `json:"echo" jsonschema:"the echoed text"`
}

// newTestMCP starts a go-sdk MCP server over streamable HTTP that records
// the headers of every request. Tools: echo (typed, input and output
// schema), bad (structured result that violates its outputSchema), fails
// (isError result) and invalid (an input schema Letta rates INVALID).
func newTestMCP(t *testing.T) (*mcp.Server, string, *mcpRecorder) {
	t.Helper()
	srv := mcp.NewServer(&mcp.Implementation{Name: "odoo-test", Version: "1.0.0"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Echo a text."},
		func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
			return nil, echoOut{Echo: in.Text}, nil
		})
	srv.AddTool(&mcp.Tool{
		Name:         "bad",
		Description:  "Returns a result that violates its output schema.",
		InputSchema:  map[string]any{"type": "object", "properties": map[string]any{}, "additionalProperties": false},
		OutputSchema: map[string]any{"type": "object", "properties": map[string]any{"count": map[string]any{"type": "integer"}}, "required": []any{"count"}, "additionalProperties": false},
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "three"}}, StructuredContent: map[string]any{"count": "three"}}, nil
	})
	srv.AddTool(&mcp.Tool{
		Name:        "fails",
		InputSchema: map[string]any{"type": "object", "properties": map[string]any{}, "additionalProperties": false},
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "boom"}, &mcp.TextContent{Text: "again"}}}, nil
	})
	srv.AddTool(&mcp.Tool{
		Name:        "invalid",
		InputSchema: map[string]any{"type": "object", "properties": map[string]any{"values": map[string]any{"type": "array", "items": map[string]any{}}}, "additionalProperties": false},
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil
	})
	url, rec := serveMCP(t, srv)
	return srv, url, rec
}

// serveMCP serves an MCP server on httptest and records requests.
func serveMCP(t *testing.T, srv *mcp.Server) (string, *mcpRecorder) {
	t.Helper()
	rec := &mcpRecorder{}
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		_ = json.Unmarshal(body, &msg)
		rec.mu.Lock()
		rec.hits = append(rec.hits, mcpHit{
			HTTPMethod: r.Method, RPCMethod: msg.Method, Tool: msg.Params.Name,
			Auth: r.Header.Get("Authorization"), AgentID: r.Header.Get("X-Agent-Id"), Session: r.Header.Get("Mcp-Session-Id"),
		})
		rec.mu.Unlock()
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/mcp", rec
}

const tokenTemplate = "Bearer {{ ODOO_MCP_TOKEN | placeholder }}"

// registerOdoo registers the test MCP server the version's preferred way and
// makes sure the Letta tools exist; it returns the tool ids by name.
func registerOdoo(t *testing.T, h *harness, url string, toolNames ...string) map[string]string {
	t.Helper()
	headers := map[string]any{"Authorization": tokenTemplate}
	if h.fake.Version() == VersionOld {
		configs := h.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{
			"server_name": "odoo", "type": "streamable_http", "server_url": url, "custom_headers": headers,
		}).list(t)
		if got := configs[0].(map[string]any)["custom_headers"].(map[string]any)["Authorization"]; got != "Bearer placeholder" {
			t.Errorf("PUT response shows %v, want the default substituted", got)
		}
		for _, name := range toolNames {
			h.expect(200, "POST", "/v1/tools/mcp/servers/odoo/"+name, nil)
		}
	} else {
		h.expect(200, "POST", "/v1/mcp-servers/", map[string]any{
			"server_name": "odoo",
			"config":      map[string]any{"mcp_server_type": "streamable_http", "server_url": url, "custom_headers": headers},
		})
	}
	ids := map[string]string{}
	for _, tool := range h.fake.Tools() {
		if tool.ToolType == "external_mcp" {
			ids[tool.Name] = tool.ID
		}
	}
	return ids
}

func TestMCPRegistrationOld(t *testing.T) {
	_, url, rec := newTestMCP(t)
	h := newHarness(t, Options{Version: VersionOld})
	h.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{
		"server_name": "odoo", "type": "streamable_http", "server_url": url,
		"custom_headers": map[string]any{"Authorization": tokenTemplate},
	})
	if len(h.fake.Tools()) != len(baseTools) {
		t.Error("OLD registration must not create tools")
	}
	raw := h.expect(200, "GET", "/v1/tools/mcp/servers", nil).obj(t)["odoo"].(map[string]any)
	if raw["custom_headers"].(map[string]any)["Authorization"] != tokenTemplate || raw["type"] != "streamable_http" {
		t.Errorf("listed config %v", raw)
	}
	r := h.expect(409, "PUT", "/v1/tools/mcp/servers", map[string]any{"server_name": "odoo", "type": "streamable_http", "server_url": url})
	if r.obj(t)["detail"].(map[string]any)["code"] != "MCPServerNameAlreadyExistsError" {
		t.Errorf("duplicate: %s", r.body)
	}

	listed := h.expect(200, "GET", "/v1/tools/mcp/servers/odoo/tools", nil).list(t)
	health := map[string]string{}
	for _, l := range listed {
		m := l.(map[string]any)
		health[m["name"].(string)] = m["health"].(map[string]any)["status"].(string)
	}
	if fmt.Sprint(health) != "map[bad:STRICT_COMPLIANT echo:STRICT_COMPLIANT fails:STRICT_COMPLIANT invalid:INVALID]" {
		t.Errorf("health = %v", health)
	}
	for _, hit := range rec.rpc("tools/list") {
		if hit.Auth != "Bearer placeholder" || hit.AgentID != "" {
			t.Errorf("listing sent Authorization %q, X-Agent-Id %q", hit.Auth, hit.AgentID)
		}
	}
	if got := h.expect(200, "GET", "/v1/tools/mcp/servers/nope/tools", nil).list(t); len(got) != 0 {
		t.Error("OLD listing of an unknown server must be []")
	}

	tool := h.expect(200, "POST", "/v1/tools/mcp/servers/odoo/echo", nil).obj(t)
	again := h.expect(200, "POST", "/v1/tools/mcp/servers/odoo/echo", nil).obj(t)
	if tool["id"] != again["id"] || tool["tool_type"] != "external_mcp" || fmt.Sprint(tool["tags"]) != "[mcp:odoo]" {
		t.Errorf("added tool %v / %v", tool, again["id"])
	}
	js := tool["json_schema"].(map[string]any)
	if js[schemaStatusKey] != "STRICT_COMPLIANT" || !slices.Contains(js["parameters"].(map[string]any)["required"].([]any), any("request_heartbeat")) {
		t.Errorf("json_schema %v", js)
	}
	r = h.expect(400, "POST", "/v1/tools/mcp/servers/odoo/invalid", nil)
	if r.obj(t)["detail"] != "Tool invalid cannot be attached, JSON schema is invalid.Reasons: root.properties.values.items: Missing 'type'" {
		t.Errorf("INVALID add: %s", r.body)
	}
	h.expect(500, "POST", "/v1/tools/mcp/servers/odoo/nope", nil)
	h.expect(400, "POST", "/v1/tools/mcp/servers/nope/echo", nil)

	// PATCH without custom_headers wipes them (letta.md §1.4).
	upd := h.expect(200, "PATCH", "/v1/tools/mcp/servers/odoo", map[string]any{"server_url": url}).obj(t)
	if upd["custom_headers"] != nil || h.fake.MCPServers()[0].CustomHeaders != nil {
		t.Errorf("OLD PATCH kept omitted headers: %v", upd)
	}
	rec.reset()
	h.expect(200, "GET", "/v1/tools/mcp/servers/odoo/tools", nil)
	if hits := rec.rpc("tools/list"); len(hits) != 1 || hits[0].Auth != "" {
		t.Errorf("after the wipe the listing sent %+v", hits)
	}
	upd = h.expect(200, "PATCH", "/v1/tools/mcp/servers/odoo", map[string]any{"server_url": url, "custom_headers": map[string]any{"Authorization": tokenTemplate}}).obj(t)
	if upd["custom_headers"].(map[string]any)["Authorization"] != "Bearer placeholder" {
		t.Errorf("full PATCH: %v", upd)
	}
	r = h.expect(404, "PATCH", "/v1/tools/mcp/servers/nope", map[string]any{"server_url": url})
	if r.obj(t)["detail"].(map[string]any)["code"] != "MCPServerNotFoundError" {
		t.Errorf("unknown PATCH: %s", r.body)
	}

	// Without "type" the legacy PUT registers an SSE server, which cannot talk
	// to a streamable-HTTP endpoint: OLD's listing swallows the failure.
	configs := h.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{"server_name": "untyped", "server_url": url}).list(t)
	if configs[1].(map[string]any)["type"] != "sse" {
		t.Errorf("untyped registration %v", configs[1])
	}
	if got := h.expect(200, "GET", "/v1/tools/mcp/servers/untyped/tools", nil).list(t); len(got) != 0 {
		t.Errorf("SSE listing of a streamable server gave %d tools", len(got))
	}
	h.expect(200, "DELETE", "/v1/tools/mcp/servers/untyped", nil)

	// DELETE keeps the tools.
	if left := h.expect(200, "DELETE", "/v1/tools/mcp/servers/odoo", nil).list(t); len(left) != 0 {
		t.Errorf("remaining configs %v", left)
	}
	h.expect(400, "DELETE", "/v1/tools/mcp/servers/odoo", nil)
	if toolIDByName(t, h, "echo") != tool["id"] {
		t.Error("OLD DELETE must keep the server's tools")
	}
}

func TestMCPRegistrationNew(t *testing.T) {
	srv, url, rec := newTestMCP(t)
	h := newHarness(t, Options{Version: VersionNew, AllowPrivateURLs: true})
	created := h.expect(200, "POST", "/v1/mcp-servers/", map[string]any{
		"server_name": "odoo",
		"config":      map[string]any{"mcp_server_type": "streamable_http", "server_url": url, "custom_headers": map[string]any{"Authorization": tokenTemplate}},
	}).obj(t)
	id := created["id"].(string)
	if !strings.HasPrefix(id, "mcp_server-") || created["custom_headers"].(map[string]any)["Authorization"] != tokenTemplate || created["auth_token"] != nil {
		t.Errorf("created %v", created)
	}
	synced := map[string]bool{}
	for _, tool := range h.expect(200, "GET", "/v1/mcp-servers/"+id+"/tools", nil).list(t) {
		synced[tool.(map[string]any)["name"].(string)] = true
	}
	if fmt.Sprint(synced) != "map[bad:true echo:true fails:true]" {
		t.Errorf("auto-synced tools %v (INVALID must be skipped)", synced)
	}
	for _, hit := range rec.rpc("tools/list") {
		if hit.Auth != "Bearer placeholder" || hit.AgentID != "" {
			t.Errorf("sync sent Authorization %q X-Agent-Id %q", hit.Auth, hit.AgentID)
		}
	}
	h.expect(409, "POST", "/v1/mcp-servers/", map[string]any{"server_name": "odoo", "config": map[string]any{"mcp_server_type": "streamable_http", "server_url": url}})
	r := h.expect(422, "POST", "/v1/mcp-servers/", map[string]any{"server_name": "x", "config": map[string]any{"mcp_server_type": "streamable_http", "server_url": url, "bogus": 1}})
	if !strings.Contains(r.obj(t)["detail"].(string), "'extra_forbidden'") {
		t.Errorf("extra field: %s", r.body)
	}
	h.expect(422, "POST", "/v1/mcp-servers/", map[string]any{"server_name": "x", "config": map[string]any{"server_url": url}})

	if got := h.expect(200, "GET", "/v1/mcp-servers/"+id, nil).obj(t); got["server_name"] != "odoo" {
		t.Errorf("get %v", got)
	}
	if got := h.expect(200, "GET", "/v1/mcp-servers/", nil).list(t); len(got) != 1 {
		t.Errorf("list %v", got)
	}
	// PATCH keeps what the body omits.
	upd := h.expect(200, "PATCH", "/v1/mcp-servers/"+id, map[string]any{"config": map[string]any{"mcp_server_type": "streamable_http", "server_url": url}}).obj(t)
	if upd["custom_headers"] == nil {
		t.Error("NEW PATCH must keep omitted custom_headers")
	}
	h.expect(422, "PATCH", "/v1/mcp-servers/"+id, map[string]any{"config": map[string]any{"mcp_server_type": "streamable_http"}})
	// NEW's legacy PATCH no longer wipes omitted headers; explicit null does.
	legacyUpd := h.expect(200, "PATCH", "/v1/tools/mcp/servers/odoo", map[string]any{"server_url": url}).obj(t)
	if legacyUpd["custom_headers"].(map[string]any)["Authorization"] != "Bearer placeholder" {
		t.Errorf("NEW legacy PATCH %v", legacyUpd)
	}
	h.expect(200, "PATCH", "/v1/tools/mcp/servers/odoo", map[string]any{"server_url": url, "custom_headers": nil})
	if h.fake.MCPServers()[0].CustomHeaders != nil {
		t.Error("explicit null must clear the headers")
	}
	h.expect(200, "PATCH", "/v1/tools/mcp/servers/odoo", map[string]any{"custom_headers": map[string]any{"Authorization": tokenTemplate}})

	// Legacy live listing still works and is normalised.
	for _, l := range h.expect(200, "GET", "/v1/tools/mcp/servers/odoo/tools", nil).list(t) {
		m := l.(map[string]any)
		if m["name"] == "invalid" && m["health"].(map[string]any)["status"] != "INVALID" {
			t.Errorf("invalid tool health %v", m["health"])
		}
	}
	h.expect(404, "GET", "/v1/tools/mcp/servers/nope/tools", nil)

	// refresh picks up added and removed tools; agent_id only adds X-Agent-Id.
	mcp.AddTool(srv, &mcp.Tool{Name: "later"}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
		return nil, echoOut{Echo: in.Text}, nil
	})
	srv.RemoveTools("fails")
	rec.reset()
	agentID := "agent-11111111-1111-4111-8111-111111111111"
	res := h.expect(200, "PATCH", "/v1/mcp-servers/"+id+"/refresh?agent_id="+agentID, nil).obj(t)
	if fmt.Sprint(res["added"], res["deleted"]) != "[later] [fails]" {
		t.Errorf("refresh result %v", res)
	}
	if hits := rec.rpc("tools/list"); len(hits) != 1 || hits[0].AgentID != agentID || hits[0].Auth != "Bearer placeholder" {
		t.Errorf("refresh listing %+v", hits)
	}

	run := h.expect(200, "POST", "/v1/mcp-servers/"+id+"/tools/"+synced2id(t, h, "echo")+"/run", map[string]any{"args": map[string]any{"text": "yo"}}).obj(t)
	if run["status"] != "success" || run["func_return"] != `{"echo":"yo"}` {
		t.Errorf("run %v", run)
	}

	// Legacy PUT on NEW syncs tools but creates no mapping.
	h.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{"server_name": "legacy", "type": "streamable_http", "server_url": url})
	var legacyID string
	for _, s := range h.fake.MCPServers() {
		if s.Name == "legacy" {
			legacyID = s.ID
		}
	}
	if got := h.expect(200, "GET", "/v1/mcp-servers/"+legacyID+"/tools", nil).list(t); len(got) != 0 {
		t.Errorf("legacy PUT created mappings: %d", len(got))
	}

	// DELETE answers 204 and removes the server's tools.
	r = h.expect(204, "DELETE", "/v1/mcp-servers/"+legacyID, nil)
	if len(r.body) != 0 {
		t.Errorf("204 with body %s", r.body)
	}
	h.expect(400, "DELETE", "/v1/mcp-servers/"+legacyID, nil)
	for _, tool := range h.fake.Tools() {
		if tool.ServerID == legacyID {
			t.Errorf("tool %s of a deleted server survived", tool.Name)
		}
	}
}

func synced2id(t *testing.T, h *harness, name string) string {
	t.Helper()
	return toolIDByName(t, h, name)
}

func TestPrivateURLBlock(t *testing.T) {
	h := newHarness(t, Options{Version: VersionNew})
	cases := map[string]string{
		"http://127.0.0.1:9/mcp":        "Non-public IP not allowed: 127.0.0.1",
		"http://localhost:8080/mcp":     "Blocked internal hostname: localhost",
		"http://odoo.svc.cluster.local": "Blocked internal hostname: odoo.svc.cluster.local",
	}
	for url, msg := range cases {
		body := map[string]any{"server_name": "odoo", "config": map[string]any{"mcp_server_type": "streamable_http", "server_url": url}}
		detail := h.expect(422, "POST", "/v1/mcp-servers/", body).obj(t)["detail"].(string)
		if !strings.Contains(detail, "Value error, "+msg) || !strings.Contains(detail, "('body', 'config', 'streamable_http', 'server_url')") {
			t.Errorf("%s: detail %s", url, detail)
		}
	}
	// The legacy PUT registers it, but every connection is refused.
	h.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{"server_name": "odoo", "type": "streamable_http", "server_url": "http://127.0.0.1:9/mcp"})
	r := h.expect(400, "GET", "/v1/tools/mcp/servers/odoo/tools", nil)
	if r.obj(t)["detail"] != "Non-public IP not allowed: 127.0.0.1" {
		t.Errorf("listing a private URL: %s", r.body)
	}
	h.expect(422, "PATCH", "/v1/tools/mcp/servers/odoo", map[string]any{"server_url": "http://10.0.0.1/mcp"})
	// OLD has no such check.
	old := newHarness(t, Options{Version: VersionOld})
	old.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{"server_name": "odoo", "type": "streamable_http", "server_url": "http://127.0.0.1:9/mcp"})
}

// streamCall sends one message through the stream route and parses the SSE
// answer.
func streamCall(t *testing.T, h *harness, agentID, text string, tokens bool) []sseEvent {
	t.Helper()
	r := h.expect(200, "POST", "/v1/agents/"+agentID+"/messages/stream", map[string]any{
		"messages":      []any{map[string]any{"role": "user", "content": text}},
		"stream_tokens": tokens, "include_pings": true,
	})
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	return parseSSE(t, r.body)
}

// toolReturn finds the tool_return_message of a stream.
func toolReturn(t *testing.T, events []sseEvent) map[string]any {
	t.Helper()
	for _, e := range events {
		if e.Event == "" && e.Data != "[DONE]" {
			if m := e.obj(t); m["message_type"] == "tool_return_message" {
				return m
			}
		}
	}
	t.Fatal("no tool_return_message")
	return nil
}

func TestToolCallsThroughMCP(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			_, url, rec := newTestMCP(t)
			h := newHarness(t, Options{Version: v, AllowPrivateURLs: true})
			ids := registerOdoo(t, h, url, "echo", "bad", "fails")
			env := map[string]any{"ODOO_MCP_TOKEN": "abc"}
			agentID := h.createAgent(map[string]any{"tool_exec_environment_variables": env, "secrets": env})
			for _, name := range []string{"echo", "bad", "fails"} {
				h.expect(200, "PATCH", "/v1/agents/"+agentID+"/tools/attach/"+ids[name], nil)
			}
			rec.reset()

			events := streamCall(t, h, agentID, `call echo {"text":"hi","request_heartbeat":true}`, false)
			want := []string{"reasoning_message", "tool_call_message", "tool_return_message", "reasoning_message", "assistant_message", "stop_reason", "usage_statistics", "[DONE]"}
			if v == VersionNew {
				want = append([]string{"ping"}, want...)
			}
			if got := messageTypes(t, events); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("event sequence\n%v\nwant\n%v", got, want)
			}
			ret := toolReturn(t, events)
			if ret["status"] != "success" || ret["tool_return"] != `{"echo":"hi"}` {
				t.Errorf("tool return %v", ret)
			}
			if v == VersionNew {
				if list, ok := ret["tool_returns"].([]any); !ok || len(list) != 1 {
					t.Errorf("NEW tool_returns %v", ret["tool_returns"])
				}
			}
			last := events[len(events)-4].obj(t)
			if last["message_type"] != "assistant_message" || last["content"] != `echo returned: {"echo":"hi"}` {
				t.Errorf("assistant %v", last)
			}
			if events[len(events)-3].obj(t)["stop_reason"] != "end_turn" || events[len(events)-2].obj(t)["step_count"] != 2.0 {
				t.Errorf("end events %v %v", events[len(events)-3].Data, events[len(events)-2].Data)
			}

			// What the MCP server saw: one session per operation, the agent's
			// token and X-Agent-Id on the call and on the follow-up listing.
			calls := rec.rpc("tools/call")
			if len(calls) != 1 || calls[0].Auth != "Bearer abc" || calls[0].AgentID != agentID || calls[0].Tool != "echo" {
				t.Fatalf("tools/call hits %+v", calls)
			}
			var order []string
			for _, hit := range rec.all() {
				if hit.RPCMethod != "" {
					order = append(order, hit.RPCMethod)
					if hit.Auth != "Bearer abc" || hit.AgentID != agentID {
						t.Errorf("%s sent Authorization %q X-Agent-Id %q", hit.RPCMethod, hit.Auth, hit.AgentID)
					}
				}
			}
			if fmt.Sprint(order) != "[initialize notifications/initialized tools/call tools/list]" {
				t.Errorf("session order %v", order)
			}
			if lists := rec.rpc("tools/list"); len(lists) != 1 || lists[0].Session != calls[0].Session {
				t.Errorf("the output-schema check must list tools in the call's session: %+v", lists)
			}
			var args map[string]any
			msgs := h.fake.Messages(agentID)
			for _, m := range msgs {
				if m.Type == "tool_call_message" {
					_ = json.Unmarshal([]byte(m.Arguments), &args)
				}
			}
			if args["text"] != "hi" || len(msgs) != 6 || msgs[0].Type != "user_message" {
				t.Errorf("history %+v", msgs)
			}

			// outputSchema mismatch → error tool return.
			ret = toolReturn(t, streamCall(t, h, agentID, "call bad {}", false))
			wantMsg := "Invalid structured content returned by tool bad: "
			if v == VersionOld {
				wantMsg = "Error executing function bad: RuntimeError: " + wantMsg
			}
			if ret["status"] != "error" || !strings.HasPrefix(ret["tool_return"].(string), wantMsg) {
				t.Errorf("mismatch return %v", ret)
			}
			// isError → error status (OLD joins the text parts, NEW keeps the first).
			ret = toolReturn(t, streamCall(t, h, agentID, "call fails {}", false))
			wantText := "boom again"
			if v == VersionNew {
				wantText = "boom"
			}
			if ret["status"] != "error" || ret["tool_return"] != wantText {
				t.Errorf("isError return %v", ret)
			}
			// Input validation failure is also an isError result.
			if ret = toolReturn(t, streamCall(t, h, agentID, "call echo {}", false)); ret["status"] != "error" {
				t.Errorf("bad arguments return %v", ret)
			}
			// A tool that is not attached is never called.
			rec.reset()
			events = streamCall(t, h, agentID, "call invalid {}\ncall echo {\"text\":\"x\"}", false)
			if len(rec.rpc("tools/call")) != 1 {
				t.Error("unattached tool was called")
			}
			var content string
			for _, e := range events {
				if e.Data != "[DONE]" && e.Event == "" && e.obj(t)["message_type"] == "assistant_message" {
					content = e.obj(t)["content"].(string)
				}
			}
			if content != "I don't have a tool named invalid.\necho returned: {\"echo\":\"x\"}" {
				t.Errorf("answer %q", content)
			}
		})
	}
}

func TestTokenStreaming(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			_, url, _ := newTestMCP(t)
			h := newHarness(t, Options{Version: v, AllowPrivateURLs: true})
			ids := registerOdoo(t, h, url, "echo")
			agentID := h.createAgent(map[string]any{"tool_ids": []any{ids["echo"]}})
			events := streamCall(t, h, agentID, `call echo {"text":"hello token world"}`, true)
			types := messageTypes(t, events)
			want := "[reasoning_message tool_call_message tool_return_message reasoning_message assistant_message stop_reason usage_statistics [DONE]]"
			if v == VersionNew {
				want = "[ping " + want[1:]
			}
			if got := fmt.Sprint(compact(types)); got != want {
				t.Fatalf("compacted types %s, want %s", got, want)
			}
			if len(types) <= len(compact(types)) {
				t.Error("token streaming produced no fragments")
			}
			// Fragments of one part share id and otid; joining them by otid
			// rebuilds the part.
			joined := map[string]string{}
			names := map[string]string{}
			for _, e := range events {
				if e.Event != "" || e.Data == "[DONE]" {
					continue
				}
				m := e.obj(t)
				otid, _ := m["otid"].(string)
				switch m["message_type"] {
				case "tool_call_message":
					tc := m["tool_call"].(map[string]any)
					joined[otid] += tc["arguments"].(string)
					if n, ok := tc["name"].(string); ok {
						names[otid] += n
					}
					if v == VersionNew {
						if _, isObj := m["tool_calls"].(map[string]any); !isObj {
							t.Errorf("NEW fragment tool_calls must be one delta object: %v", m["tool_calls"])
						}
					}
				case "assistant_message":
					joined[otid] += m["content"].(string)
				}
			}
			var sawArgs, sawAnswer bool
			for otid, text := range joined {
				want := `{"text":"hello token world"}`
				if v == VersionOld {
					want = `{"text":"hello token world","request_heartbeat":true}` // as real 0.11.7 shows it
				}
				if text == want && names[otid] == "echo" {
					sawArgs = true
				}
				if text == `echo returned: {"echo":"hello token world"}` {
					sawAnswer = true
				}
			}
			if !sawArgs || !sawAnswer {
				t.Errorf("joined fragments %q (names %v)", joined, names)
			}
		})
	}
}

func TestAgentToolsPagingNew(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "many", Version: "1"}, nil)
	for i := 1; i <= 12; i++ {
		mcp.AddTool(srv, &mcp.Tool{Name: fmt.Sprintf("t%02d", i)}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
			return nil, echoOut{Echo: in.Text}, nil
		})
	}
	url, _ := serveMCP(t, srv)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v, AllowPrivateURLs: true})
			var names []string
			for i := 1; i <= 12; i++ {
				names = append(names, fmt.Sprintf("t%02d", i))
			}
			ids := registerOdoo(t, h, url, names...)
			var all []any
			for _, n := range names {
				all = append(all, ids[n])
			}
			agentID := h.createAgent(map[string]any{"tool_ids": all, "include_base_tools": false})
			page := h.expect(200, "GET", "/v1/agents/"+agentID+"/tools", nil).list(t)
			if v == VersionOld {
				if len(page) != 12 {
					t.Errorf("OLD agent tools = %d, want all 12", len(page))
				}
				return
			}
			if len(page) != 10 {
				t.Fatalf("NEW default page = %d, want 10", len(page))
			}
			if got := h.expect(200, "GET", "/v1/agents/"+agentID+"/tools?limit=50", nil).list(t); len(got) != 12 {
				t.Errorf("limit=50 gave %d", len(got))
			}
			// after compares ids while the order is by creation time.
			last := page[len(page)-1].(map[string]any)["id"].(string)
			next := h.expect(200, "GET", "/v1/agents/"+agentID+"/tools?after="+last, nil).list(t)
			var want []string
			for i := 12; i >= 1; i-- {
				if id := ids[fmt.Sprintf("t%02d", i)]; id > last && len(want) < 10 {
					want = append(want, id)
				}
			}
			var got []string
			for _, x := range next {
				got = append(got, x.(map[string]any)["id"].(string))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after page %v, want %v", got, want)
			}
		})
	}
}
