package letta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ToolTypeExternalMCP is the tool_type of tools backed by an MCP server.
const ToolTypeExternalMCP = "external_mcp"

// toolPageSize is the page size of tool listings.
const toolPageSize = 500

// Tool is a Letta tool (the id is what attach needs). Fields beyond these
// stay in Raw.
type Tool struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	ToolType    string          `json:"tool_type,omitempty"`
	Tags        []string        `json:"tags,omitempty"`
	JSONSchema  json.RawMessage `json:"json_schema,omitempty"`
	Metadata    json.RawMessage `json:"metadata_,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object.
func (t *Tool) UnmarshalJSON(b []byte) error {
	type plain Tool
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Tool(p)
	t.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// SchemaStatus returns the strict-mode rating Letta stored for an MCP tool
// (json_schema "mcp:SCHEMA_STATUS": STRICT_COMPLIANT, NON_STRICT_ONLY or
// INVALID), or "".
func (t Tool) SchemaStatus() string {
	var s struct {
		Status string `json:"mcp:SCHEMA_STATUS"`
	}
	_ = json.Unmarshal(t.JSONSchema, &s)
	return s.Status
}

// MCPServerName returns the server named by the tool's "mcp:<server>" tag
// (how Letta finds the MCP server of a tool at execution), or "".
func (t Tool) MCPServerName() string {
	for _, tag := range t.Tags {
		if name, ok := strings.CutPrefix(tag, "mcp:"); ok {
			return name
		}
	}
	return ""
}

// ListTools lists Letta tools (GET /v1/tools/), all pages. A non-empty name
// filters on the exact tool name (tools are unique by name per
// organisation, so at most one is expected).
func (c *Client) ListTools(ctx context.Context, name string) ([]Tool, error) {
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	return c.listTools(ctx, q)
}

// ListToolsByType lists the tools of the given tool_type (e.g.
// ToolTypeExternalMCP), all pages.
func (c *Client) ListToolsByType(ctx context.Context, toolType string) ([]Tool, error) {
	q := url.Values{}
	q.Set("tool_types", toolType)
	return c.listTools(ctx, q)
}

func (c *Client) listTools(ctx context.Context, q url.Values) ([]Tool, error) {
	return listAll(ctx, c, "/v1/tools/", q, toolPageSize, func(t Tool) string { return t.ID })
}

// GetTool returns one tool (GET /v1/tools/{id}).
func (c *Client) GetTool(ctx context.Context, toolID string) (*Tool, error) {
	return doInto[Tool](ctx, c, http.MethodGet, escapedPath("/v1/tools/%s", toolID), nil, nil)
}

// AttachTool attaches a tool to an agent (idempotent). The answer (an
// AgentState for legacy callers, null for v1 callers on NEW) is ignored.
func (c *Client) AttachTool(ctx context.Context, agentID, toolID string) error {
	return c.do(ctx, http.MethodPatch, escapedPath("/v1/agents/%s/tools/attach/%s", agentID, toolID), nil, nil, nil)
}

// DetachTool detaches a tool from an agent. The answer is ignored.
func (c *Client) DetachTool(ctx context.Context, agentID, toolID string) error {
	return c.do(ctx, http.MethodPatch, escapedPath("/v1/agents/%s/tools/detach/%s", agentID, toolID), nil, nil, nil)
}

// agentToolsFirstLimit is the first limit asked of GET /v1/agents/{id}/tools.
const agentToolsFirstLimit = 200

// maxAgentToolsLimit bounds the growing limit of ListAgentTools.
const maxAgentToolsLimit = 12800

// ListAgentTools returns every tool attached to an agent.
//
// OLD answers the whole list and ignores query parameters. NEW paginates
// with a default limit of 10, and paging with `after` can skip tools
// (letta.md §1.9: ids compared while sorting by creation time). So the
// client never pages with a cursor: it asks one page with an explicit
// limit, and while the page comes back full it asks again with a doubled
// limit. The limit is sent to every version (OLD ignores it).
func (c *Client) ListAgentTools(ctx context.Context, agentID string) ([]Tool, error) {
	path := escapedPath("/v1/agents/%s/tools", agentID)
	for limit := agentToolsFirstLimit; ; limit *= 2 {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		var tools []Tool
		if err := c.do(ctx, http.MethodGet, path, q, nil, &tools); err != nil {
			return nil, err
		}
		if len(tools) < limit {
			return tools, nil
		}
		if limit >= maxAgentToolsLimit {
			return nil, fmt.Errorf("letta: GET %s: more than %d tools", path, maxAgentToolsLimit)
		}
	}
}
