package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// NEW's /v1/mcp-servers API (0.13+).

// serverConfig is the parsed "config" of a create or update request.
type serverConfig struct {
	Type          string
	URL           *string
	URLPresent    bool
	AuthHeader    *string
	AuthToken     *string
	CustomHeaders map[string]string
	Command       *string
	Args          []string
	Env           map[string]string
}

// parseServerConfig reads the discriminated config union; issues are added to f.
func (c *reqCtx) parseServerConfig(f *fields, update bool) serverConfig {
	var cfg serverConfig
	raw, present := f.m["config"]
	if !present {
		f.add("missing", f.at("config"), "Field required", f.m)
		return cfg
	}
	m, ok := raw.(map[string]any)
	if !ok {
		f.add("model_attributes_type", f.at("config"), "Input should be a valid dictionary or object to extract fields from", raw)
		return cfg
	}
	tag, ok := m["mcp_server_type"].(string)
	if !ok {
		f.issues = append(f.issues, ValidationIssue{
			Type: "union_tag_not_found", Loc: f.at("config"), Input: m,
			Msg: "Unable to extract tag using discriminator 'mcp_server_type'",
			Ctx: map[string]any{"discriminator": "'mcp_server_type'"},
		})
		return cfg
	}
	if !slices.Contains(mcpServerTypes, tag) {
		f.issues = append(f.issues, ValidationIssue{
			Type: "union_tag_invalid", Loc: f.at("config"), Input: m,
			Msg: fmt.Sprintf("Input tag '%s' found using 'mcp_server_type' does not match any of the expected tags: <MCPServerType.STDIO: 'stdio'>, <MCPServerType.SSE: 'sse'>, <MCPServerType.STREAMABLE_HTTP: 'streamable_http'>", tag),
			Ctx: map[string]any{"discriminator": "'mcp_server_type'", "tag": tag, "expected_tags": "<MCPServerType.STDIO: 'stdio'>, <MCPServerType.SSE: 'sse'>, <MCPServerType.STREAMABLE_HTTP: 'streamable_http'>"},
		})
		return cfg
	}
	cfg.Type = tag
	sub := &fields{m: m, loc: append(f.at("config"), tag)}
	if tag == "stdio" {
		sub.forbidExtra("mcp_server_type", "command", "args", "env")
		if update {
			cfg.Command = sub.str("command")
		} else {
			cmd := sub.requiredStr("command")
			cfg.Command = &cmd
		}
		var hasArgs bool
		cfg.Args, hasArgs = sub.strList("args")
		if !hasArgs && !update {
			sub.add("missing", sub.at("args"), "Field required", m)
		}
		cfg.Env, _ = sub.strMap("env")
	} else {
		sub.forbidExtra("mcp_server_type", "server_url", "auth_header", "auth_token", "custom_headers")
		_, cfg.URLPresent = m["server_url"]
		if update {
			if !cfg.URLPresent {
				sub.add("missing", sub.at("server_url"), "Field required", m)
			}
			cfg.URL = sub.str("server_url")
		} else {
			u := sub.requiredStr("server_url")
			cfg.URL = &u
		}
		cfg.AuthHeader, cfg.AuthToken = sub.str("auth_header"), sub.str("auth_token")
		cfg.CustomHeaders, _ = sub.strMap("custom_headers")
		if cfg.URL != nil && len(sub.issues) == 0 && !c.s.opts.AllowPrivateURLs {
			if err := CheckMCPServerURL(c.r.Context(), *cfg.URL, false); err != nil {
				sub.issues = append(sub.issues, valueError(sub.at("server_url"), err.Error(), *cfg.URL))
			}
		}
	}
	f.issues = append(f.issues, sub.issues...)
	return cfg
}

// createServer serves POST /v1/mcp-servers/: registers the server, then
// syncs its tools (best effort, INVALID schemas skipped) with mappings.
func (c *reqCtx) createServer() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	f.forbidExtra("server_name", "config")
	name := f.requiredStr("server_name")
	cfg := c.parseServerConfig(f, false)
	if c.failed(f) {
		return
	}
	s := c.s
	srv := &mcpServerRec{ID: newID("mcp_server"), Name: name, Type: cfg.Type}
	if cfg.Type == "stdio" {
		srv.Command, srv.Args, srv.Env = *cfg.Command, cfg.Args, cfg.Env
	} else {
		srv.URL = *cfg.URL
		srv.Token = resolveToken(cfg.AuthHeader, cfg.AuthToken, cfg.CustomHeaders)
		if len(cfg.CustomHeaders) > 0 {
			srv.CustomHeaders = cfg.CustomHeaders
		}
	}
	s.mu.Lock()
	if s.serverByName(name) != nil {
		s.mu.Unlock()
		c.detail(http.StatusConflict, "A unique constraint was violated for MCPServer. Check your input for duplicates.")
		return
	}
	srv.seq, _ = s.nextSeq()
	s.servers[srv.ID] = srv
	snap := snapshotServer(srv)
	s.mu.Unlock()
	s.autoSync(c.r.Context(), snap, true)
	writeJSON(c.w, http.StatusOK, newServerJSON(snap))
}

// listServers serves GET /v1/mcp-servers/ (every server, no paging).
func (c *reqCtx) listServers() {
	c.s.mu.Lock()
	out := []any{}
	for _, srv := range c.s.sortedServers() {
		out = append(out, newServerJSON(srv))
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// serverByID returns a copy of the server of the path, or answers 404.
func (c *reqCtx) serverByID() *mcpServerRec {
	id := c.params["mcp_server_id"]
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if srv := c.s.servers[id]; srv != nil {
		return snapshotServer(srv)
	}
	c.detail(http.StatusNotFound, fmt.Sprintf("MCPServer with id=%s not found.", id))
	return nil
}

// getServer serves GET /v1/mcp-servers/{mcp_server_id}.
func (c *reqCtx) getServer() {
	if srv := c.serverByID(); srv != nil {
		writeJSON(c.w, http.StatusOK, newServerJSON(srv))
	}
}

// updateServer serves PATCH /v1/mcp-servers/{mcp_server_id}; only the values
// the body sets (non-null) change.
func (c *reqCtx) updateServer() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	f.forbidExtra("server_name", "config")
	newName := f.str("server_name")
	cfg := c.parseServerConfig(f, true)
	if c.failed(f) {
		return
	}
	s := c.s
	id := c.params["mcp_server_id"]
	s.mu.Lock()
	srv := s.servers[id]
	if srv == nil {
		s.mu.Unlock()
		c.detail(http.StatusNotFound, fmt.Sprintf("MCPServer with id=%s not found.", id))
		return
	}
	if newName != nil && *newName != srv.Name {
		if other := s.serverByName(*newName); other != nil {
			s.mu.Unlock()
			c.detail(http.StatusConflict, fmt.Sprintf("MCP server with name '%s' already exists", *newName))
			return
		}
		srv.Name = *newName
	}
	if cfg.Type == "stdio" {
		if cfg.Command != nil && cfg.Args != nil {
			srv.Command, srv.Args, srv.Env = *cfg.Command, cfg.Args, cfg.Env
		}
	} else {
		if cfg.URL != nil {
			srv.URL = *cfg.URL
		}
		if cfg.AuthToken != nil {
			srv.Token = strings.TrimPrefix(*cfg.AuthToken, "Bearer ")
		}
		if cfg.CustomHeaders != nil {
			srv.CustomHeaders = cfg.CustomHeaders
		}
	}
	out := newServerJSON(srv)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// deleteServer serves DELETE /v1/mcp-servers/{mcp_server_id}: 204, and the
// server's tools are deleted with their mappings.
func (c *reqCtx) deleteServer() {
	id := c.params["mcp_server_id"]
	c.s.mu.Lock()
	srv := c.s.servers[id]
	if srv != nil {
		c.s.deleteServerLocked(srv)
	}
	c.s.mu.Unlock()
	if srv == nil {
		c.detail(http.StatusBadRequest, fmt.Sprintf("MCP server with id %s not found.", id))
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// listServerTools serves GET /v1/mcp-servers/{id}/tools: the synced tools
// (server↔tool mapping), not a live listing.
func (c *reqCtx) listServerTools() {
	id := c.params["mcp_server_id"]
	c.s.mu.Lock()
	out := []any{}
	for _, tid := range c.s.serverTool[id] {
		if t := c.s.tools[tid]; t != nil {
			out = append(out, c.s.toolJSON(t))
		}
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// getServerTool serves GET /v1/mcp-servers/{id}/tools/{tool_id}.
func (c *reqCtx) getServerTool() {
	id, tid := c.params["mcp_server_id"], c.params["tool_id"]
	c.s.mu.Lock()
	var out map[string]any
	if slices.Contains(c.s.serverTool[id], tid) {
		if t := c.s.tools[tid]; t != nil {
			out = c.s.toolJSON(t)
		}
	}
	c.s.mu.Unlock()
	if out == nil {
		c.s.internalError(c.w) // Letta returns None for a Tool response model
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// runServerTool serves POST /v1/mcp-servers/{id}/tools/{tool_id}/run: the
// tool runs without any env vars (only template defaults).
func (c *reqCtx) runServerTool() {
	var args map[string]any
	if len(strings.TrimSpace(string(c.body))) > 0 {
		f := c.decodeBody()
		if f == nil {
			return
		}
		f.forbidExtra("args")
		args, _ = f.object("args")
		if c.failed(f) {
			return
		}
	}
	if args == nil {
		args = map[string]any{}
	}
	srv := c.serverByID()
	if srv == nil {
		return
	}
	c.s.mu.Lock()
	t := c.s.tools[c.params["tool_id"]]
	name := ""
	if t != nil {
		name = t.Name
	}
	c.s.mu.Unlock()
	if t == nil {
		c.detail(http.StatusNotFound, fmt.Sprintf("Tool with id=%s not found.", c.params["tool_id"]))
		return
	}
	res := c.s.callTool(c.r.Context(), c.s.target(srv, map[string]string{}, ""), name, args)
	writeJSON(c.w, http.StatusOK, map[string]any{
		"status": res.Status, "func_return": res.Return, "agent_state": nil,
		"stdout": nil, "stderr": nil, "sandbox_config_fingerprint": nil,
	})
}

// refreshServer serves PATCH /v1/mcp-servers/{id}/refresh?agent_id=.
func (c *reqCtx) refreshServer() {
	if srv := c.serverByID(); srv != nil {
		c.resync(srv, true)
	}
}
