package letta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// MCPServerTypeStreamableHTTP is the only transport odoo-mcp registers.
// It is always sent: a legacy PUT without `type` registers an SSE server.
const MCPServerTypeStreamableHTTP = "streamable_http"

// MCPServerConfig is the full configuration of an MCP server registration.
// Headers go to custom_headers (templates like
// "Bearer {{ ODOO_API_KEY | system-api-key }}" allowed); auth_header and
// auth_token are always left null (with both set Letta drops the token).
type MCPServerConfig struct {
	Name    string
	URL     string
	Headers map[string]string
	// ExpectedTools, if set, are tool names that must exist after
	// EnsureMCPServer; on NEW a missing one triggers one refresh (Letta's
	// initial sync may drop tools, issue #3285). Still-missing names are
	// reported in MCPServer.Missing.
	ExpectedTools []string
}

// MCPServer is a registered MCP server. ID is set on NEW (the
// /v1/mcp-servers/ routes address servers by id); OLD addresses them by Name.
type MCPServer struct {
	ID         string
	Name       string
	Type       string
	URL        string
	Headers    map[string]string
	AuthHeader string
	AuthToken  string
	Raw        json.RawMessage

	// Set by EnsureMCPServer.
	Created bool          // registered by this call
	Updated bool          // configuration rewritten by this call
	Tools   []Tool        // the server's Letta tools after the sync
	Skipped []SkippedTool // tools Letta would not add (OLD: INVALID schema)
	Missing []string      // ExpectedTools absent from Tools
}

// SkippedTool is an MCP tool that was not added as a Letta tool.
type SkippedTool struct {
	Name   string
	Reason string
}

// MCPTool is a tool as the MCP server lists it (live listing through the
// legacy route), with Letta's strict-mode health rating.
type MCPTool struct {
	Name        string          `json:"name"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"inputSchema,omitempty"`
	Health      *MCPToolHealth  `json:"health,omitempty"`
}

// MCPToolHealth is Letta's rating: STRICT_COMPLIANT, NON_STRICT_ONLY or
// INVALID, with reasons.
type MCPToolHealth struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
}

// SyncResult summarises SyncMCPServerTools. On NEW it is the refresh
// summary (tool names). On OLD every tool listed by the server is upserted:
// Added names them all (OLD cannot tell new from updated), Tools holds the
// Letta tools; tools that vanished from the MCP server are left alone.
type SyncResult struct {
	Added   []string
	Updated []string
	Deleted []string
	Tools   []Tool
	Skipped []SkippedTool
}

type wireMCPServer struct {
	ID            string            `json:"id"`
	ServerName    string            `json:"server_name"`
	Type          string            `json:"type"`
	MCPServerType string            `json:"mcp_server_type"`
	ServerURL     *string           `json:"server_url"`
	AuthHeader    *string           `json:"auth_header"`
	AuthToken     *string           `json:"auth_token"`
	CustomHeaders map[string]string `json:"custom_headers"`
}

// UnmarshalJSON decodes an OLD config or a NEW server object.
func (s *MCPServer) UnmarshalJSON(b []byte) error {
	var w wireMCPServer
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = MCPServer{
		ID: w.ID, Name: w.ServerName, Type: firstNonEmpty(w.MCPServerType, w.Type),
		URL: deref(w.ServerURL), Headers: w.CustomHeaders,
		AuthHeader: deref(w.AuthHeader), AuthToken: deref(w.AuthToken),
		Raw: append(json.RawMessage(nil), b...),
	}
	return nil
}

func (c *Client) useMCPServersAPI(ctx context.Context) (bool, error) {
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return false, err
	}
	return v.HasMCPServersAPI(), nil
}

// ListMCPServers lists registered MCP servers (NEW GET /v1/mcp-servers/;
// OLD GET /v1/tools/mcp/servers, an object keyed by name, with raw
// templates), sorted by name.
func (c *Client) ListMCPServers(ctx context.Context) ([]MCPServer, error) {
	isNew, err := c.useMCPServersAPI(ctx)
	if err != nil {
		return nil, err
	}
	var out []MCPServer
	if isNew {
		if err := c.do(ctx, http.MethodGet, "/v1/mcp-servers/", nil, nil, &out); err != nil {
			return nil, err
		}
	} else {
		var m map[string]MCPServer
		if err := c.do(ctx, http.MethodGet, "/v1/tools/mcp/servers", nil, nil, &m); err != nil {
			return nil, err
		}
		for name, s := range m {
			if s.Name == "" {
				s.Name = name
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func nullableHeaders(h map[string]string) any {
	if len(h) == 0 {
		return nil
	}
	return h
}

// CreateMCPServer registers a streamable-HTTP MCP server. NEW: POST
// /v1/mcp-servers/ (Letta syncs its tools, best effort). OLD: PUT
// /v1/tools/mcp/servers (no tool is created: see SyncMCPServerTools). A
// duplicate name is a 409 (IsConflict).
func (c *Client) CreateMCPServer(ctx context.Context, cfg MCPServerConfig) (*MCPServer, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	isNew, err := c.useMCPServersAPI(ctx)
	if err != nil {
		return nil, err
	}
	if isNew {
		body := map[string]any{
			"server_name": cfg.Name,
			"config":      newStreamableConfig(cfg),
		}
		var s MCPServer
		if err := c.do(ctx, http.MethodPost, "/v1/mcp-servers/", nil, body, &s); err != nil {
			return nil, err
		}
		return &s, nil
	}
	body := map[string]any{
		"server_name":    cfg.Name,
		"type":           MCPServerTypeStreamableHTTP,
		"server_url":     cfg.URL,
		"auth_header":    nil,
		"auth_token":     nil,
		"custom_headers": nullableHeaders(cfg.Headers),
	}
	// The answer lists every server with templates resolved to their
	// defaults: keep the configuration as sent instead.
	var all []MCPServer
	if err := c.do(ctx, http.MethodPut, "/v1/tools/mcp/servers", nil, body, &all); err != nil {
		return nil, err
	}
	s := cfg.server()
	for _, a := range all {
		if a.Name == cfg.Name {
			s.Raw = a.Raw
		}
	}
	return &s, nil
}

func newStreamableConfig(cfg MCPServerConfig) map[string]any {
	return map[string]any{
		"mcp_server_type": MCPServerTypeStreamableHTTP,
		"server_url":      cfg.URL,
		"auth_header":     nil,
		"auth_token":      nil,
		"custom_headers":  nullableHeaders(cfg.Headers),
	}
}

func (cfg MCPServerConfig) check() error {
	if cfg.Name == "" || cfg.URL == "" {
		return errors.New("letta: MCP server config needs a name and a URL")
	}
	return nil
}

func (cfg MCPServerConfig) server() MCPServer {
	return MCPServer{Name: cfg.Name, Type: MCPServerTypeStreamableHTTP, URL: cfg.URL, Headers: cfg.Headers}
}

// UpdateMCPServer rewrites srv's configuration with cfg, always in full:
// OLD's PATCH stores an omitted custom_headers as NULL (letta.md §1.4), and
// auth_header/auth_token are cleared. NEW: PATCH /v1/mcp-servers/{id};
// OLD: PATCH /v1/tools/mcp/servers/{name} (cannot rename).
func (c *Client) UpdateMCPServer(ctx context.Context, srv MCPServer, cfg MCPServerConfig) (*MCPServer, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	isNew, err := c.useMCPServersAPI(ctx)
	if err != nil {
		return nil, err
	}
	if isNew {
		if srv.ID == "" {
			return nil, errors.New("letta: update MCP server: missing id")
		}
		body := map[string]any{"server_name": cfg.Name, "config": newStreamableConfig(cfg)}
		var s MCPServer
		if err := c.do(ctx, http.MethodPatch, escapedPath("/v1/mcp-servers/%s", srv.ID), nil, body, &s); err != nil {
			return nil, err
		}
		return &s, nil
	}
	if cfg.Name != srv.Name {
		return nil, fmt.Errorf("letta: rename MCP server %q to %q: %w", srv.Name, cfg.Name, ErrUnsupported)
	}
	body := map[string]any{
		"server_url":     cfg.URL,
		"auth_header":    nil,
		"auth_token":     nil,
		"custom_headers": nullableHeaders(cfg.Headers),
	}
	if err := c.do(ctx, http.MethodPatch, escapedPath("/v1/tools/mcp/servers/%s", srv.Name), nil, body, nil); err != nil {
		return nil, err
	}
	s := cfg.server()
	return &s, nil
}

// DeleteMCPServer unregisters srv. NEW also deletes its tools; OLD leaves
// them (still attached, failing when called).
func (c *Client) DeleteMCPServer(ctx context.Context, srv MCPServer) error {
	isNew, err := c.useMCPServersAPI(ctx)
	if err != nil {
		return err
	}
	if isNew {
		return c.do(ctx, http.MethodDelete, escapedPath("/v1/mcp-servers/%s", srv.ID), nil, nil, nil)
	}
	return c.do(ctx, http.MethodDelete, escapedPath("/v1/tools/mcp/servers/%s", srv.Name), nil, nil, nil)
}

// ListMCPServerTools returns the Letta tools of srv: NEW GET
// /v1/mcp-servers/{id}/tools (what was synced, not live); OLD the
// external_mcp tools tagged "mcp:<name>".
func (c *Client) ListMCPServerTools(ctx context.Context, srv MCPServer) ([]Tool, error) {
	isNew, err := c.useMCPServersAPI(ctx)
	if err != nil {
		return nil, err
	}
	if isNew {
		var tools []Tool
		if err := c.do(ctx, http.MethodGet, escapedPath("/v1/mcp-servers/%s/tools", srv.ID), nil, nil, &tools); err != nil {
			return nil, err
		}
		return tools, nil
	}
	all, err := c.ListToolsByType(ctx, ToolTypeExternalMCP)
	if err != nil {
		return nil, err
	}
	var tools []Tool
	for _, t := range all {
		if t.MCPServerName() == srv.Name {
			tools = append(tools, t)
		}
	}
	return tools, nil
}

// ListMCPServerLiveTools asks Letta to list the MCP server's tools live
// (GET /v1/tools/mcp/servers/{name}/tools, both versions). OLD answers []
// when it cannot connect; NEW a 502.
func (c *Client) ListMCPServerLiveTools(ctx context.Context, serverName string) ([]MCPTool, error) {
	var tools []MCPTool
	if err := c.do(ctx, http.MethodGet, escapedPath("/v1/tools/mcp/servers/%s/tools", serverName), nil, nil, &tools); err != nil {
		return nil, err
	}
	return tools, nil
}

// AddMCPTool creates (or updates: upsert by name) the Letta tool of one MCP
// tool: POST /v1/tools/mcp/servers/{server}/{tool}. This is how OLD gets
// tools; on NEW it works but creates no server↔tool link, so NEW uses
// SyncMCPServerTools. OLD answers 400 for an INVALID schema.
func (c *Client) AddMCPTool(ctx context.Context, serverName, toolName string) (*Tool, error) {
	return doInto[Tool](ctx, c, http.MethodPost, escapedPath("/v1/tools/mcp/servers/%s/%s", serverName, toolName), nil, nil)
}

// SyncMCPServerTools brings srv's Letta tools in line with what the MCP
// server lists. NEW: PATCH /v1/mcp-servers/{id}/refresh (deletes vanished
// tools, updates schemas, adds new ones; INVALID ones skipped silently).
// OLD: live listing, then AddMCPTool for each tool not rated INVALID; a 400
// on add is recorded as skipped.
func (c *Client) SyncMCPServerTools(ctx context.Context, srv MCPServer) (*SyncResult, error) {
	isNew, err := c.useMCPServersAPI(ctx)
	if err != nil {
		return nil, err
	}
	if isNew {
		var r struct {
			Deleted []string `json:"deleted"`
			Updated []string `json:"updated"`
			Added   []string `json:"added"`
		}
		if err := c.do(ctx, http.MethodPatch, escapedPath("/v1/mcp-servers/%s/refresh", srv.ID), nil, nil, &r); err != nil {
			return nil, err
		}
		return &SyncResult{Added: r.Added, Updated: r.Updated, Deleted: r.Deleted}, nil
	}
	live, err := c.ListMCPServerLiveTools(ctx, srv.Name)
	if err != nil {
		return nil, err
	}
	res := &SyncResult{}
	for _, mt := range live {
		if mt.Health != nil && mt.Health.Status == "INVALID" {
			res.Skipped = append(res.Skipped, SkippedTool{Name: mt.Name, Reason: "INVALID schema: " + strings.Join(mt.Health.Reasons, "; ")})
			continue
		}
		t, err := c.AddMCPTool(ctx, srv.Name, mt.Name)
		if err != nil {
			if StatusCode(err) == http.StatusBadRequest {
				var ae *APIError
				errors.As(err, &ae)
				res.Skipped = append(res.Skipped, SkippedTool{Name: mt.Name, Reason: ae.Detail})
				continue
			}
			return nil, fmt.Errorf("letta: add MCP tool %s/%s: %w", srv.Name, mt.Name, err)
		}
		res.Added = append(res.Added, t.Name)
		res.Tools = append(res.Tools, *t)
	}
	return res, nil
}

// EnsureMCPServer makes Letta hold exactly cfg for the server cfg.Name and
// have its tools, whatever the version:
//
//   - missing → created; differing URL, headers or auth fields → updated in
//     full (OLD: a server of another transport is deleted and re-created);
//   - tools: NEW refreshes (unless it has just been created, which syncs),
//     and refreshes once more if ExpectedTools are missing; OLD upserts
//     every listed tool (idempotent);
//   - the result carries the server's Letta tools, skipped tools and
//     missing expected names;
//   - on Letta 0.16.7+ a URL whose host is a private IP literal or a
//     reserved name fails early with ErrPrivateMCPURL.
func (c *Client) EnsureMCPServer(ctx context.Context, cfg MCPServerConfig) (*MCPServer, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return nil, err
	}
	isNew := v.HasMCPServersAPI()
	if v.BlocksPrivateMCPURLs() {
		// Letta would refuse it at registration (literal private IPs,
		// reserved names) with a less telling validation error. Names that
		// merely resolve to private addresses are left to Letta.
		if reason, err := MCPURLBlockReason(cfg.URL); err != nil {
			return nil, err
		} else if reason != "" {
			return nil, fmt.Errorf("%w (Letta %s): %s", ErrPrivateMCPURL, v, reason)
		}
	}
	servers, err := c.ListMCPServers(ctx)
	if err != nil {
		return nil, fmt.Errorf("letta: ensure MCP server %q: %w", cfg.Name, err)
	}
	var existing *MCPServer
	for i := range servers {
		if servers[i].Name == cfg.Name {
			existing = &servers[i]
			break
		}
	}
	var srv *MCPServer
	created, updated := false, false
	switch {
	case existing == nil:
		srv, err = c.CreateMCPServer(ctx, cfg)
		created = true
	case existing.sameAs(cfg):
		srv = existing
	case !isNew && existing.Type != MCPServerTypeStreamableHTTP:
		if err = c.DeleteMCPServer(ctx, *existing); err == nil {
			srv, err = c.CreateMCPServer(ctx, cfg)
			created = true
		}
	default:
		srv, err = c.UpdateMCPServer(ctx, *existing, cfg)
		updated = true
		if err == nil && srv.ID == "" {
			srv.ID = existing.ID
		}
	}
	if err != nil {
		return nil, fmt.Errorf("letta: ensure MCP server %q: %w", cfg.Name, err)
	}
	srv.Created, srv.Updated = created, updated

	if isNew {
		refreshed := false
		if !created {
			if _, err := c.SyncMCPServerTools(ctx, *srv); err != nil {
				return nil, fmt.Errorf("letta: ensure MCP server %q: refresh tools: %w", cfg.Name, err)
			}
			refreshed = true
		}
		if srv.Tools, err = c.ListMCPServerTools(ctx, *srv); err != nil {
			return nil, fmt.Errorf("letta: ensure MCP server %q: %w", cfg.Name, err)
		}
		if missing := missingTools(cfg.ExpectedTools, srv.Tools); len(missing) > 0 && !refreshed {
			if _, err := c.SyncMCPServerTools(ctx, *srv); err != nil {
				return nil, fmt.Errorf("letta: ensure MCP server %q: refresh tools: %w", cfg.Name, err)
			}
			if srv.Tools, err = c.ListMCPServerTools(ctx, *srv); err != nil {
				return nil, fmt.Errorf("letta: ensure MCP server %q: %w", cfg.Name, err)
			}
		}
	} else {
		res, err := c.SyncMCPServerTools(ctx, *srv)
		if err != nil {
			return nil, fmt.Errorf("letta: ensure MCP server %q: %w", cfg.Name, err)
		}
		srv.Tools, srv.Skipped = res.Tools, res.Skipped
	}
	srv.Missing = missingTools(cfg.ExpectedTools, srv.Tools)
	return srv, nil
}

func missingTools(expected []string, tools []Tool) []string {
	var missing []string
	for _, name := range expected {
		if !slices.ContainsFunc(tools, func(t Tool) bool { return t.Name == name }) {
			missing = append(missing, name)
		}
	}
	return missing
}

// sameAs reports whether s already holds cfg (headers compared trimmed, as
// NEW stores them; auth fields must be empty).
func (s *MCPServer) sameAs(cfg MCPServerConfig) bool {
	if s.URL != cfg.URL || s.Type != MCPServerTypeStreamableHTTP || s.AuthHeader != "" || s.AuthToken != "" {
		return false
	}
	if len(s.Headers) != len(cfg.Headers) {
		return false
	}
	norm := func(h map[string]string) map[string]string {
		m := make(map[string]string, len(h))
		for k, v := range h {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return m
	}
	a, b := norm(s.Headers), norm(cfg.Headers)
	for k, v := range b {
		if w, ok := a[k]; !ok || w != v {
			return false
		}
	}
	return true
}
