package letta

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const mcpURL = "https://odoo-mcp.example.com/mcp"

var mcpHeaders = map[string]string{"Authorization": "Bearer {{ ODOO_API_KEY | system-api-key }}"}

// oldLetta is a small stateful OLD (0.11.7) MCP registry on top of the fake.
type oldLetta struct {
	mu      sync.Mutex
	servers map[string]map[string]any // name → config
	live    []any                     // MCPTool list the MCP server exposes
	tools   map[string]map[string]any // Letta tools by name
}

func installOld(f *fakeLetta, live []any) *oldLetta {
	o := &oldLetta{servers: map[string]map[string]any{}, live: live, tools: map[string]map[string]any{}}
	f.on("GET /v1/tools/mcp/servers", func(call) reply {
		o.mu.Lock()
		defer o.mu.Unlock()
		out := map[string]any{}
		for k, v := range o.servers {
			out[k] = v
		}
		return reply{body: out}
	})
	f.on("PUT /v1/tools/mcp/servers", func(c call) reply {
		o.mu.Lock()
		defer o.mu.Unlock()
		b := c.json(f.t)
		name := b["server_name"].(string)
		if _, dup := o.servers[name]; dup {
			return reply{status: 409, raw: `{"detail":{"code":"MCPServerNameAlreadyExistsError","message":"exists","server_name":"` + name + `"}}`}
		}
		o.servers[name] = b
		var all []any
		for _, v := range o.servers {
			// Answer with templates resolved to their defaults, like OLD.
			resolved := map[string]any{}
			for k, x := range v {
				resolved[k] = x
			}
			if h, ok := v["custom_headers"].(map[string]any); ok {
				rh := map[string]any{}
				for k, x := range h {
					rh[k] = strings.ReplaceAll(x.(string), "{{ ODOO_API_KEY | system-api-key }}", "system-api-key")
				}
				resolved["custom_headers"] = rh
			}
			all = append(all, resolved)
		}
		return reply{body: all}
	})
	f.on("PATCH /v1/tools/mcp/servers/{mcp_server_name}", func(c call) reply {
		o.mu.Lock()
		defer o.mu.Unlock()
		name := c.Params["mcp_server_name"]
		old, ok := o.servers[name]
		if !ok {
			return reply{status: 404, raw: `{"detail":{"code":"MCPServerNotFoundError","message":"not found","server_name":"` + name + `"}}`}
		}
		b := c.json(f.t)
		// OLD PATCH writes omitted fields as NULL (§1.4).
		for _, k := range []string{"server_url", "auth_header", "auth_token", "custom_headers"} {
			old[k] = b[k]
		}
		return reply{body: old}
	})
	f.on("DELETE /v1/tools/mcp/servers/{mcp_server_name}", func(c call) reply {
		o.mu.Lock()
		defer o.mu.Unlock()
		delete(o.servers, c.Params["mcp_server_name"])
		all := []any{}
		for _, v := range o.servers {
			all = append(all, v)
		}
		return reply{body: all}
	})
	f.on("GET /v1/tools/mcp/servers/{mcp_server_name}/tools", func(c call) reply {
		return reply{body: o.live}
	})
	f.on("POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}", func(c call) reply {
		o.mu.Lock()
		defer o.mu.Unlock()
		name := c.Params["mcp_tool_name"]
		for _, x := range o.live {
			m := x.(map[string]any)
			if m["name"] != name {
				continue
			}
			if m["health"].(map[string]any)["status"] == "INVALID" {
				return reply{status: 400, raw: `{"detail":"Tool ` + name + ` cannot be attached, JSON schema is invalid.Reasons: x"}`}
			}
			t, ok := o.tools[name]
			if !ok {
				t = toolObj(len(o.tools)+1, name, c.Params["mcp_server_name"])
				o.tools[name] = t
			}
			return reply{body: t}
		}
		return reply{status: 500, raw: `{"detail":"An unexpected error occurred"}`}
	})
	return o
}

func TestEnsureMCPServerOld(t *testing.T) {
	live := []any{mcpTool("odoo_search", "STRICT_COMPLIANT"), mcpTool("odoo_create", "NON_STRICT_ONLY"), mcpTool("odoo_broken", "INVALID")}
	cfg := MCPServerConfig{Name: "odoo", URL: mcpURL, Headers: mcpHeaders, ExpectedTools: []string{"odoo_search", "odoo_create", "odoo_gone"}}
	tests := []struct {
		name     string
		existing map[string]any
		want     []string // routes called after detection
		created  bool
		updated  bool
	}{
		{
			name: "new registration",
			want: []string{"GET /v1/tools/mcp/servers", "PUT /v1/tools/mcp/servers",
				"GET /v1/tools/mcp/servers/{mcp_server_name}/tools",
				"POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}", "POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}"},
			created: true,
		},
		{
			name:     "unchanged",
			existing: oldMCPConfig("odoo", "streamable_http", mcpURL, mcpHeaders),
			want: []string{"GET /v1/tools/mcp/servers", "GET /v1/tools/mcp/servers/{mcp_server_name}/tools",
				"POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}", "POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}"},
		},
		{
			name:     "headers changed",
			existing: oldMCPConfig("odoo", "streamable_http", mcpURL, map[string]string{"Authorization": "Bearer old"}),
			want: []string{"GET /v1/tools/mcp/servers", "PATCH /v1/tools/mcp/servers/{mcp_server_name}", "GET /v1/tools/mcp/servers/{mcp_server_name}/tools",
				"POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}", "POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}"},
			updated: true,
		},
		{
			name:     "sse transport replaced",
			existing: oldMCPConfig("odoo", "sse", mcpURL, mcpHeaders),
			want: []string{"GET /v1/tools/mcp/servers", "DELETE /v1/tools/mcp/servers/{mcp_server_name}", "PUT /v1/tools/mcp/servers",
				"GET /v1/tools/mcp/servers/{mcp_server_name}/tools",
				"POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}", "POST /v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}"},
			created: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, vOld)
			o := installOld(f, live)
			if tt.existing != nil {
				o.servers["odoo"] = tt.existing
			}
			c := f.client(t, Options{})
			srv, err := c.EnsureMCPServer(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := f.routesCalled()[1:] // after GET /v1/health/
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if srv.Created != tt.created || srv.Updated != tt.updated || srv.ID != "" || srv.Name != "odoo" || srv.URL != mcpURL {
				t.Errorf("server = %+v", srv)
			}
			if !reflect.DeepEqual(srv.Headers, mcpHeaders) {
				t.Errorf("headers = %v (want the templates as sent, not OLD's resolved echo)", srv.Headers)
			}
			if len(srv.Tools) != 2 || srv.Tools[0].Name != "odoo_search" || srv.Tools[1].Name != "odoo_create" {
				t.Errorf("tools = %+v", srv.Tools)
			}
			if len(srv.Skipped) != 1 || srv.Skipped[0].Name != "odoo_broken" {
				t.Errorf("skipped = %+v", srv.Skipped)
			}
			if !reflect.DeepEqual(srv.Missing, []string{"odoo_gone"}) {
				t.Errorf("missing = %v", srv.Missing)
			}
			// Registration always carries the transport and the full config.
			for _, cl := range append(f.callsTo("PUT /v1/tools/mcp/servers"), f.callsTo("PATCH /v1/tools/mcp/servers/{mcp_server_name}")...) {
				b := cl.json(t)
				if cl.Method == "PUT" && b["type"] != "streamable_http" {
					t.Errorf("PUT without streamable_http type: %v", b)
				}
				for _, k := range []string{"server_url", "auth_header", "auth_token", "custom_headers"} {
					if _, ok := b[k]; !ok {
						t.Errorf("%s body lacks %s: %v", cl.Method, k, b)
					}
				}
				if !reflect.DeepEqual(b["custom_headers"], map[string]any{"Authorization": mcpHeaders["Authorization"]}) {
					t.Errorf("custom_headers = %v", b["custom_headers"])
				}
			}
			if h := o.servers["odoo"]["custom_headers"]; !reflect.DeepEqual(h, map[string]any{"Authorization": mcpHeaders["Authorization"]}) && !reflect.DeepEqual(h, mcpHeaders) {
				t.Errorf("stored headers = %v", h)
			}
		})
	}
}

// newLetta is a small stateful NEW (0.16.8) registry.
type newLetta struct {
	mu        sync.Mutex
	servers   []map[string]any
	synced    []any // tools linked to the server
	liveNames []string
	dropFirst bool // initial sync drops the last tool (issue #3285)
	refreshes int
}

func installNew(f *fakeLetta, liveNames []string, dropFirst bool) *newLetta {
	n := &newLetta{liveNames: liveNames, dropFirst: dropFirst}
	sync := func(all bool) {
		n.synced = nil
		names := n.liveNames
		if !all && len(names) > 0 {
			names = names[:len(names)-1]
		}
		for i, name := range names {
			n.synced = append(n.synced, toolObj(i+1, name, "odoo"))
		}
	}
	f.on("GET /v1/mcp-servers/", func(call) reply {
		n.mu.Lock()
		defer n.mu.Unlock()
		out := []any{}
		for _, s := range n.servers {
			out = append(out, s)
		}
		return reply{body: out}
	})
	f.on("POST /v1/mcp-servers/", func(c call) reply {
		n.mu.Lock()
		defer n.mu.Unlock()
		b := c.json(f.t)
		cfg := b["config"].(map[string]any)
		for _, s := range n.servers {
			if s["server_name"] == b["server_name"] {
				return reply{status: 409, raw: `{"detail":"MCP server with name odoo already exists"}`}
			}
		}
		s := newMCPServerObj(len(n.servers)+1, b["server_name"].(string), cfg["server_url"].(string), nil)
		s["custom_headers"] = cfg["custom_headers"]
		n.servers = append(n.servers, s)
		sync(!n.dropFirst)
		return reply{body: s}
	})
	f.on("PATCH /v1/mcp-servers/{mcp_server_id}", func(c call) reply {
		n.mu.Lock()
		defer n.mu.Unlock()
		b := c.json(f.t)
		for _, s := range n.servers {
			if s["id"] == c.Params["mcp_server_id"] {
				cfg := b["config"].(map[string]any)
				for _, k := range []string{"server_url", "auth_header", "auth_token", "custom_headers"} {
					if v, ok := cfg[k]; ok {
						s[k] = v
					}
				}
				return reply{body: s}
			}
		}
		return reply{status: 404, raw: `{"detail":"MCP server not found"}`}
	})
	f.on("PATCH /v1/mcp-servers/{mcp_server_id}/refresh", func(c call) reply {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.refreshes++
		before := len(n.synced)
		sync(true)
		var added []any
		for _, x := range n.synced[before:] {
			added = append(added, x.(map[string]any)["name"])
		}
		if added == nil {
			added = []any{}
		}
		return reply{body: map[string]any{"deleted": []any{}, "updated": []any{}, "added": added}}
	})
	f.on("GET /v1/mcp-servers/{mcp_server_id}/tools", func(c call) reply {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.synced == nil {
			return reply{body: []any{}}
		}
		return reply{body: n.synced}
	})
	f.on("DELETE /v1/mcp-servers/{mcp_server_id}", func(c call) reply { return reply{status: 204} })
	return n
}

func TestEnsureMCPServerNew(t *testing.T) {
	live := []string{"odoo_search", "odoo_create", "odoo_update"}
	tests := []struct {
		name      string
		existing  map[string]any
		dropFirst bool
		expected  []string
		want      []string
		refreshes int
		created   bool
		updated   bool
	}{
		{
			name: "created, sync complete",
			want: []string{"GET /v1/mcp-servers/", "POST /v1/mcp-servers/", "GET /v1/mcp-servers/{mcp_server_id}/tools"},
			// no ExpectedTools: nothing to check, no refresh
			created: true,
		},
		{
			name: "created, initial sync dropped a tool", dropFirst: true, expected: live,
			want: []string{"GET /v1/mcp-servers/", "POST /v1/mcp-servers/", "GET /v1/mcp-servers/{mcp_server_id}/tools",
				"PATCH /v1/mcp-servers/{mcp_server_id}/refresh", "GET /v1/mcp-servers/{mcp_server_id}/tools"},
			refreshes: 1, created: true,
		},
		{
			name: "unchanged", existing: newMCPServerObj(1, "odoo", mcpURL, mcpHeaders), expected: live,
			want:      []string{"GET /v1/mcp-servers/", "PATCH /v1/mcp-servers/{mcp_server_id}/refresh", "GET /v1/mcp-servers/{mcp_server_id}/tools"},
			refreshes: 1,
		},
		{
			name: "url changed", existing: newMCPServerObj(1, "odoo", "https://old.example.com/mcp", mcpHeaders), expected: live,
			want: []string{"GET /v1/mcp-servers/", "PATCH /v1/mcp-servers/{mcp_server_id}",
				"PATCH /v1/mcp-servers/{mcp_server_id}/refresh", "GET /v1/mcp-servers/{mcp_server_id}/tools"},
			refreshes: 1, updated: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, vNew)
			n := installNew(f, live, tt.dropFirst)
			if tt.existing != nil {
				n.servers = append(n.servers, tt.existing)
			}
			c := f.client(t, Options{})
			srv, err := c.EnsureMCPServer(context.Background(), MCPServerConfig{Name: "odoo", URL: mcpURL, Headers: mcpHeaders, ExpectedTools: tt.expected})
			if err != nil {
				t.Fatal(err)
			}
			got := f.routesCalled()[1:]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if n.refreshes != tt.refreshes || srv.Created != tt.created || srv.Updated != tt.updated {
				t.Errorf("refreshes %d created %v updated %v", n.refreshes, srv.Created, srv.Updated)
			}
			if srv.ID != uuidID("mcp_server", 1) || srv.URL != mcpURL || !reflect.DeepEqual(srv.Headers, mcpHeaders) {
				t.Errorf("server = %+v", srv)
			}
			if len(srv.Tools) != 3 || len(srv.Missing) != 0 {
				t.Errorf("tools %d missing %v", len(srv.Tools), srv.Missing)
			}
			for _, cl := range append(f.callsTo("POST /v1/mcp-servers/"), f.callsTo("PATCH /v1/mcp-servers/{mcp_server_id}")...) {
				b := cl.json(t)
				cfg, _ := b["config"].(map[string]any)
				if b["server_name"] != "odoo" || cfg["mcp_server_type"] != "streamable_http" || cfg["server_url"] != mcpURL {
					t.Errorf("%s body = %v", cl.Method, b)
				}
				if !reflect.DeepEqual(cfg["custom_headers"], map[string]any{"Authorization": mcpHeaders["Authorization"]}) {
					t.Errorf("custom_headers = %v", cfg["custom_headers"])
				}
			}
		})
	}
}

func TestMCPServerBuildingBlocks(t *testing.T) {
	t.Run("new conflict and delete", func(t *testing.T) {
		f := newFake(t, vNew)
		n := installNew(f, nil, false)
		n.servers = append(n.servers, newMCPServerObj(1, "odoo", mcpURL, nil))
		c := f.client(t, Options{})
		ctx := context.Background()
		_, err := c.CreateMCPServer(ctx, MCPServerConfig{Name: "odoo", URL: mcpURL})
		if !IsConflict(err) {
			t.Fatalf("err = %v, want 409", err)
		}
		list, err := c.ListMCPServers(ctx)
		if err != nil || len(list) != 1 || list[0].ID != uuidID("mcp_server", 1) || list[0].Type != "streamable_http" {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if err := c.DeleteMCPServer(ctx, list[0]); err != nil {
			t.Fatal(err)
		}
		b := f.callsTo("POST /v1/mcp-servers/")[0].json(t)
		if cfg := b["config"].(map[string]any); cfg["custom_headers"] != nil {
			t.Errorf("empty headers sent as %v", cfg["custom_headers"])
		}
	})
	t.Run("old rename unsupported, live tools, add", func(t *testing.T) {
		f := newFake(t, vOld)
		o := installOld(f, []any{mcpTool("a", "STRICT_COMPLIANT")})
		o.servers["odoo"] = oldMCPConfig("odoo", "streamable_http", mcpURL, nil)
		c := f.client(t, Options{})
		ctx := context.Background()
		list, err := c.ListMCPServers(ctx)
		if err != nil || len(list) != 1 || list[0].Name != "odoo" {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if _, err := c.UpdateMCPServer(ctx, list[0], MCPServerConfig{Name: "other", URL: mcpURL}); err == nil {
			t.Error("rename accepted on OLD")
		}
		lt, err := c.ListMCPServerLiveTools(ctx, "odoo")
		if err != nil || len(lt) != 1 || lt[0].Health.Status != "STRICT_COMPLIANT" || len(lt[0].InputSchema) == 0 {
			t.Fatalf("live = %+v, %v", lt, err)
		}
		tool, err := c.AddMCPTool(ctx, "odoo", "a")
		if err != nil || tool.ToolType != "external_mcp" {
			t.Fatalf("add = %+v, %v", tool, err)
		}
		if _, err := c.AddMCPTool(ctx, "odoo", "nope"); StatusCode(err) != 500 {
			t.Errorf("unknown tool err = %v", err)
		}
		// OLD server tools = external_mcp tools tagged mcp:odoo.
		f.on("GET /v1/tools/", func(c call) reply {
			if c.Query.Get("after") != "" {
				return reply{body: []any{}}
			}
			return reply{body: []any{toolObj(1, "a", "odoo"), toolObj(2, "b", "other")}}
		})
		tools, err := c.ListMCPServerTools(ctx, list[0])
		if err != nil || len(tools) != 1 || tools[0].Name != "a" {
			t.Fatalf("server tools = %+v, %v", tools, err)
		}
		if q := f.callsTo("GET /v1/tools/")[0].Query; q.Get("tool_types") != "external_mcp" {
			t.Errorf("query = %v", q)
		}
	})
	t.Run("new live listing 502", func(t *testing.T) {
		f := newFake(t, vNew)
		f.on("GET /v1/tools/mcp/servers/{mcp_server_name}/tools", func(call) reply {
			return reply{status: 502, raw: `{"error":{"type":"mcp_connection_error","message":"Failed to connect to MCP server.","detail":"refused"}}`}
		})
		_, err := f.client(t, Options{}).ListMCPServerLiveTools(context.Background(), "odoo")
		var ae *APIError
		if StatusCode(err) != 502 || !asAPIError(err, &ae) || ae.Code != "mcp_connection_error" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("private URL on 0.16.7+", func(t *testing.T) {
		for ver, blocked := range map[string]bool{"0.16.8": true, "0.16.7": true, "0.16.6": false} {
			f := newFake(t, vNew)
			installNew(f, []string{"a"}, false)
			c := f.client(t, Options{ServerVersion: ver})
			_, err := c.EnsureMCPServer(context.Background(), MCPServerConfig{Name: "odoo", URL: "http://localhost:8080/mcp"})
			if errors.Is(err, ErrPrivateMCPURL) != blocked {
				t.Errorf("%s: err = %v", ver, err)
			}
			if blocked && len(f.callsTo("")) != 0 {
				t.Errorf("%s: called Letta anyway: %v", ver, f.routesCalled())
			}
		}
	})
	t.Run("config checked", func(t *testing.T) {
		c, _ := New("http://127.0.0.1:1", Options{ServerVersion: vNew})
		if _, err := c.EnsureMCPServer(context.Background(), MCPServerConfig{Name: "odoo"}); err == nil {
			t.Error("config without URL accepted")
		}
	})
}

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }
