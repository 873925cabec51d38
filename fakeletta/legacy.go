package fakeletta

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Legacy MCP routes under /v1/tools/mcp/servers: the only API of OLD, still
// served by NEW (which then auto-syncs on PUT, normalises schemas and
// refuses private URLs when connecting).

var mcpServerTypes = []string{"sse", "stdio", "streamable_http"}

// legacyListServers serves GET /v1/tools/mcp/servers: {name: raw config}.
func (c *reqCtx) legacyListServers() {
	c.s.mu.Lock()
	out := map[string]any{}
	for _, srv := range c.s.sortedServers() {
		out[srv.Name] = c.s.legacyConfigJSON(srv, false)
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

func (c *reqCtx) allLegacyConfigs() []any {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	out := []any{}
	for _, srv := range c.s.sortedServers() {
		out = append(out, c.s.legacyConfigJSON(srv, true))
	}
	return out
}

// legacyRegister serves PUT /v1/tools/mcp/servers. The body is a union of
// stdio, SSE and streamable-HTTP configs; without "type" it is an SSE server.
func (c *reqCtx) legacyRegister() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	s := c.s
	srv := &mcpServerRec{ID: newID("mcp_server")}
	typ := f.str("type")
	_, hasCommand := f.m["command"]
	_, hasArgs := f.m["args"]
	if hasCommand && hasArgs && (typ == nil || *typ == "stdio") {
		srv.Type = "stdio"
		srv.Name = f.requiredStr("server_name")
		srv.Command = f.requiredStr("command")
		srv.Args, _ = f.strList("args")
		srv.Env, _ = f.strMap("env")
	} else {
		sub := &fields{m: f.m, loc: []any{"body", "StreamableHTTPServerConfig"}}
		srv.Name = sub.requiredStr("server_name")
		srv.URL = sub.requiredStr("server_url")
		authHeader, authToken := sub.str("auth_header"), sub.str("auth_token")
		srv.CustomHeaders, _ = sub.strMap("custom_headers")
		f.issues = append(f.issues, sub.issues...)
		srv.Type = "sse"
		if typ != nil {
			if !slices.Contains(mcpServerTypes, *typ) {
				f.add("enum", f.at("type"), "Input should be 'sse', 'stdio' or 'streamable_http'", *typ)
			}
			srv.Type = *typ
		}
		srv.Token = resolveToken(authHeader, authToken, srv.CustomHeaders)
		if s.isNew && len(srv.CustomHeaders) == 0 {
			srv.CustomHeaders = nil
		}
	}
	if c.failed(f) {
		return
	}
	s.mu.Lock()
	if s.serverByName(srv.Name) != nil {
		s.mu.Unlock()
		if s.isNew {
			c.detail(http.StatusConflict, "A unique constraint was violated for MCPServer. Check your input for duplicates.")
		} else {
			c.detail(http.StatusConflict, map[string]any{
				"code":        "MCPServerNameAlreadyExistsError",
				"message":     fmt.Sprintf("MCP server with name '%s' already exists", srv.Name),
				"server_name": srv.Name,
			})
		}
		return
	}
	srv.seq, _ = s.nextSeq()
	s.servers[srv.ID] = srv
	snap := snapshotServer(srv)
	s.mu.Unlock()
	if s.isNew {
		// 0.12.0+: tools are synced (without a server↔tool mapping).
		s.autoSync(c.r.Context(), snap, false)
	}
	writeJSON(c.w, http.StatusOK, c.allLegacyConfigs())
}

// legacyUpdate serves PATCH /v1/tools/mcp/servers/{mcp_server_name}. OLD
// writes a missing custom_headers as NULL (the headers are wiped); NEW only
// changes what the body sets.
func (c *reqCtx) legacyUpdate() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	s := c.s
	name := c.params["mcp_server_name"]
	// Which member of the Update union the body validates as.
	sse := []string{"server_url", "token", "custom_headers"}
	streamable := []string{"server_url", "auth_header", "auth_token", "custom_headers"}
	stdio := []string{"stdio_config"}
	if s.isNew {
		sse, streamable, stdio = append(sse, "server_name"), append(streamable, "server_name"), append(stdio, "server_name")
	}
	only := func(allowed []string) bool {
		for k := range f.m {
			if !slices.Contains(allowed, k) {
				return false
			}
		}
		return true
	}
	if !only(stdio) && !only(sse) && !only(streamable) {
		sub := &fields{m: f.m, loc: []any{"body", "UpdateStreamableHTTPMCPServer"}}
		sub.forbidExtra(streamable...)
		c.failed(sub)
		return
	}
	serverURL := f.str("server_url")
	newName := f.str("server_name")
	headers, hasHeaders := f.strMap("custom_headers")
	token := f.str("token")
	if c.failed(f) {
		return
	}
	if s.isNew && serverURL != nil && !s.opts.AllowPrivateURLs {
		if err := CheckMCPServerURL(c.r.Context(), *serverURL, false); err != nil {
			s.validationFailed(c.w, []ValidationIssue{valueError([]any{"body", "server_url"}, err.Error(), *serverURL)})
			return
		}
	}
	s.mu.Lock()
	srv := s.serverByName(name)
	if srv == nil {
		s.mu.Unlock()
		c.detail(http.StatusNotFound, map[string]any{
			"code":            "MCPServerNotFoundError",
			"message":         fmt.Sprintf("MCP server %s not found", name),
			"mcp_server_name": name,
		})
		return
	}
	if f.has("server_url") {
		if serverURL != nil {
			srv.URL = *serverURL
		} else if !s.isNew {
			srv.URL = ""
		}
	}
	if token != nil {
		srv.Token = strings.TrimPrefix(*token, "Bearer ")
	}
	switch {
	case hasHeaders && headers != nil:
		srv.CustomHeaders = headers
	case !s.isNew || f.isNull("custom_headers"):
		srv.CustomHeaders = nil // OLD: omitted means NULL
	}
	if s.isNew && newName != nil {
		srv.Name = *newName
	}
	out := s.legacyConfigJSON(srv, true)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// legacyDelete serves DELETE /v1/tools/mcp/servers/{mcp_server_name}. OLD
// keeps the server's tools (still attached, failing when called); NEW deletes
// them.
func (c *reqCtx) legacyDelete() {
	name := c.params["mcp_server_name"]
	c.s.mu.Lock()
	srv := c.s.serverByName(name)
	if srv != nil {
		c.s.deleteServerLocked(srv)
	}
	c.s.mu.Unlock()
	if srv == nil {
		c.detail(http.StatusBadRequest, "MCP server with id None not found.")
		return
	}
	writeJSON(c.w, http.StatusOK, c.allLegacyConfigs())
}

// mcpToolJSON is an MCPTool of a live listing.
func mcpToolJSON(lt listedTool) map[string]any {
	m := map[string]any{
		"name":         lt.Name,
		"title":        nilIfEmpty(lt.Title),
		"description":  nilIfEmpty(lt.Description),
		"inputSchema":  lt.InputSchema,
		"outputSchema": nil,
		"annotations":  lt.Annotations,
		"_meta":        nil,
		"health":       nil,
	}
	if lt.OutputSchema != nil {
		m["outputSchema"] = lt.OutputSchema
	}
	if lt.Meta != nil {
		m["_meta"] = lt.Meta
	}
	if lt.HasHealth {
		reasons := lt.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		m["health"] = map[string]any{"status": string(lt.Health), "reasons": reasons}
	}
	return m
}

// liveList lists a server's tools by name for the legacy routes. It returns
// the tools or writes the version's error response and returns ok=false.
func (c *reqCtx) liveList(name, agentID string) ([]listedTool, *mcpServerRec, bool) {
	s := c.s
	s.mu.Lock()
	srv := s.serverByName(name)
	var snap *mcpServerRec
	if srv != nil {
		snap = snapshotServer(srv)
	}
	s.mu.Unlock()
	if snap == nil {
		if !s.isNew {
			return nil, nil, true // OLD swallows every error: 200 []
		}
		c.detail(http.StatusNotFound, "MCPServer with id=None not found.")
		return nil, nil, false
	}
	listed, err := s.listTools(c.r.Context(), s.target(snap, nil, agentID))
	if err == nil {
		return listed, snap, true
	}
	if !s.isNew {
		return nil, snap, true
	}
	c.mcpListError(err)
	return nil, snap, false
}

// mcpListError answers NEW's error for a failed live listing.
func (c *reqCtx) mcpListError(err error) {
	var blocked *errURLBlocked
	if errors.As(err, &blocked) {
		c.detail(http.StatusBadRequest, blocked.Error())
		return
	}
	writeJSON(c.w, http.StatusBadGateway, map[string]any{"error": map[string]any{
		"type":    "mcp_connection_error",
		"message": "Failed to connect to MCP server.",
		"detail":  err.Error(),
	}})
}

// legacyListServerTools serves GET /v1/tools/mcp/servers/{name}/tools: a
// live tools/list with each tool's schema health.
func (c *reqCtx) legacyListServerTools() {
	listed, _, ok := c.liveList(c.params["mcp_server_name"], "")
	if !ok {
		return
	}
	out := make([]any, 0, len(listed))
	for _, lt := range listed {
		out = append(out, mcpToolJSON(lt))
	}
	writeJSON(c.w, http.StatusOK, out)
}

// legacyAddTool serves POST /v1/tools/mcp/servers/{name}/{tool}: upserts one
// Letta tool (same id on repeat). OLD refuses INVALID schemas with 400; NEW
// adds them anyway. Neither creates NEW's server↔tool mapping.
func (c *reqCtx) legacyAddTool() {
	s := c.s
	name, toolName := c.params["mcp_server_name"], c.params["mcp_tool_name"]
	s.mu.Lock()
	exists := s.serverByName(name) != nil
	s.mu.Unlock()
	if !exists {
		c.detail(http.StatusBadRequest, fmt.Sprintf("MCP server '%s' not found", name))
		return
	}
	listed, srv, ok := c.liveList(name, "")
	if !ok {
		return
	}
	if srv == nil { // deleted meanwhile
		c.detail(http.StatusBadRequest, fmt.Sprintf("MCP server '%s' not found", name))
		return
	}
	for _, lt := range listed {
		if lt.Name != toolName {
			continue
		}
		if !s.isNew && lt.HasHealth && lt.Health == Invalid {
			c.detail(http.StatusBadRequest, fmt.Sprintf("Tool %s cannot be attached, JSON schema is invalid.Reasons: %s", toolName, strings.Join(lt.Reasons, ", ")))
			return
		}
		s.mu.Lock()
		t, ok := s.upsertMCPToolLocked(lt, srv.Name, srv.ID)
		var out map[string]any
		if ok {
			out = s.toolJSON(t)
		}
		s.mu.Unlock()
		if !ok {
			s.internalError(c.w) // OLD: assertion on type/properties failed
			return
		}
		writeJSON(c.w, http.StatusOK, out)
		return
	}
	// Letta returns None for a Tool response model: a 500.
	s.internalError(c.w)
}

// legacyResync serves POST /v1/tools/mcp/servers/{name}/resync (NEW).
func (c *reqCtx) legacyResync() {
	name := c.params["mcp_server_name"]
	c.s.mu.Lock()
	srv := c.s.serverByName(name)
	var snap *mcpServerRec
	if srv != nil {
		snap = snapshotServer(srv)
	}
	c.s.mu.Unlock()
	if snap == nil {
		c.detail(http.StatusNotFound, "MCPServer with id=None not found.")
		return
	}
	c.resync(snap, false)
}

// resync re-lists a server's tools (X-Agent-Id from ?agent_id=, no env vars)
// and applies the differences.
func (c *reqCtx) resync(srv *mcpServerRec, mapping bool) {
	s := c.s
	agentID := c.r.URL.Query().Get("agent_id")
	listed, err := s.listTools(c.r.Context(), s.target(srv, nil, agentID))
	if err != nil {
		c.detail(http.StatusNotFound, map[string]any{
			"code":    "MCPServerUnavailable",
			"message": fmt.Sprintf("Could not connect to MCP server %s to resync tools", srv.Name),
			"error":   err.Error(),
		})
		return
	}
	s.mu.Lock()
	res := s.syncToolsLocked(srv, listed, true, mapping)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, res)
}
