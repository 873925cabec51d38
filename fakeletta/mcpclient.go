package fakeletta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// How Letta talks to an MCP server (letta.md §7): a new session for every
// operation — connect, initialize, notifications/initialized, one tools/list
// or tools/call, close — with the resolved custom headers, the stored token
// (only without custom headers) and X-Agent-Id when an agent is known.

// mcpProtocolVersion is what Letta's Python MCP client asks for.
const mcpProtocolVersion = "2025-06-18"

// mcpOpTimeout bounds one MCP operation so that a hanging server cannot
// block a test forever (real Letta has no such bound, issues #3370/#3373).
const mcpOpTimeout = 60 * time.Second

// listedTool is one tool from a live tools/list, with Letta's health.
type listedTool struct {
	Name         string
	Title        string
	Description  string
	InputSchema  map[string]any
	OutputSchema map[string]any
	Annotations  any
	Meta         map[string]any
	HasHealth    bool
	Health       Health
	Reasons      []string
}

// mcpTarget is a connection plan: where to connect and with which headers.
type mcpTarget struct {
	ServerName string
	Type       string // "streamable_http", "sse" or "stdio"
	URL        string
	Headers    map[string]string
}

// target builds the connection plan for a registered server. env is the
// executing agent's variables (nil for listing and syncing).
func (s *Server) target(srv *mcpServerRec, env map[string]string, agentID string) mcpTarget {
	headers := map[string]string{}
	for k, v := range ResolveHeaders(srv.CustomHeaders, env, s.version) {
		headers[k] = v
	}
	if srv.Token != "" && len(srv.CustomHeaders) == 0 {
		token := "Bearer " + srv.Token
		if s.isNew {
			token = sanitizeHeaderValue(token)
		}
		headers["Authorization"] = ResolveValue(token, env)
	}
	if agentID != "" {
		headers["X-Agent-Id"] = agentID
	}
	return mcpTarget{ServerName: srv.Name, Type: srv.Type, URL: srv.URL, Headers: headers}
}

// headerTransport adds fixed headers to every request of an MCP session
// without overriding the ones the MCP client sets itself.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.headers {
		if r.Header.Get(k) == "" {
			r.Header.Set(k, v)
		}
	}
	return t.base.RoundTrip(r)
}

// errMCPConnect marks a failure to open the MCP session.
type errMCPConnect struct {
	url string
	err error
}

func (e *errMCPConnect) Error() string {
	return fmt.Sprintf("Failed to connect to MCP server at '%s'. Please check your configuration and ensure the server is accessible. Error: %v", e.url, e.err)
}

func (e *errMCPConnect) Unwrap() error { return e.err }

// errURLBlocked marks a URL refused by NEW's private-URL check (a ValueError
// in Letta).
type errURLBlocked struct{ err error }

func (e *errURLBlocked) Error() string { return e.err.Error() }

// connect opens one MCP session.
func (s *Server) connect(ctx context.Context, t mcpTarget) (*mcp.ClientSession, error) {
	if s.isNew && !s.opts.AllowPrivateURLs {
		if err := CheckMCPServerURL(ctx, t.URL, true); err != nil {
			return nil, &errURLBlocked{err}
		}
	}
	base := s.opts.HTTPClient
	if base == nil {
		base = http.DefaultClient
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc := *base
	hc.Transport = &headerTransport{base: rt, headers: t.Headers}

	var transport mcp.Transport
	switch t.Type {
	case "streamable_http":
		transport = &mcp.StreamableClientTransport{Endpoint: t.URL, HTTPClient: &hc, MaxRetries: -1, DisableStandaloneSSE: true}
	case "sse":
		transport = &mcp.SSEClientTransport{Endpoint: t.URL, HTTPClient: &hc}
	default:
		return nil, &errMCPConnect{url: t.URL, err: fmt.Errorf("MCP server type %q is not supported by the fake", t.Type)}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "mcp", Version: "0.1.0"}, nil)
	cs, err := client.Connect(ctx, transport, &mcp.ClientSessionOptions{ProtocolVersion: mcpProtocolVersion})
	if err != nil {
		return nil, &errMCPConnect{url: t.URL, err: err}
	}
	return cs, nil
}

// listTools performs one live tools/list (all pages) in a fresh session and
// rates every input schema: OLD on the raw schema, NEW after normalisation
// (the listed inputSchema is then the normalised one, as in Letta).
func (s *Server) listTools(ctx context.Context, t mcpTarget) ([]listedTool, error) {
	ctx, cancel := context.WithTimeout(ctx, mcpOpTimeout)
	defer cancel()
	cs, err := s.connect(ctx, t)
	if err != nil {
		return nil, err
	}
	defer cs.Close()
	var out []listedTool
	cursor := ""
	for {
		res, err := cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, tool := range res.Tools {
			out = append(out, s.rateTool(tool))
		}
		if res.NextCursor == "" {
			return out, nil
		}
		cursor = res.NextCursor
	}
}

func (s *Server) rateTool(tool *mcp.Tool) listedTool {
	lt := listedTool{
		Name:         tool.Name,
		Title:        tool.Title,
		Description:  tool.Description,
		InputSchema:  asJSONObject(tool.InputSchema),
		OutputSchema: asJSONObject(tool.OutputSchema),
		Meta:         asJSONObject(tool.Meta),
	}
	if tool.Annotations != nil {
		lt.Annotations = asJSONObject(tool.Annotations)
	}
	if len(lt.InputSchema) > 0 {
		if s.isNew {
			lt.InputSchema = NormalizeMCPSchema(lt.InputSchema)
		}
		lt.HasHealth = true
		lt.Health, lt.Reasons = ClassifySchema(lt.InputSchema)
	}
	return lt
}

// asJSONObject converts any JSON-marshalable value to a decoded JSON object
// (nil when it is not an object).
func asJSONObject(v any) map[string]any {
	if v == nil {
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		return m
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// toolCallResult is the outcome of one tool execution as Letta reports it.
type toolCallResult struct {
	Return string
	Status string // "success" or "error"
}

// callTool executes one MCP tool in a fresh session the way an agent does,
// then (after a successful call) lists the tools in the same session and
// checks structuredContent against the tool's outputSchema, as the Python
// MCP client does. The error texts follow each version's error path.
func (s *Server) callTool(ctx context.Context, t mcpTarget, name string, args map[string]any) toolCallResult {
	ctx, cancel := context.WithTimeout(ctx, mcpOpTimeout)
	defer cancel()
	cs, err := s.connect(ctx, t)
	if err != nil {
		var blocked *errURLBlocked
		if errors.As(err, &blocked) {
			return s.toolException(name, "ValueError", blocked.Error())
		}
		if s.isNew {
			return s.toolException(name, "LettaMCPConnectionError", err.Error())
		}
		return s.toolException(name, "ConnectionError",
			fmt.Sprintf("Failed to connect to MCP server URL '%s'. Please check your configuration and ensure the server is accessible.", t.URL))
	}
	defer cs.Close()

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return s.mcpCallError(name, "McpError", rpcMessage(err))
	}
	text := joinContent(res.Content)
	if res.IsError {
		if s.isNew {
			// fastmcp raises ToolError(content[0].text); Letta returns str(e).
			if len(res.Content) == 0 {
				return toolCallResult{Return: "list index out of range", Status: "error"}
			}
			first := ""
			if tc, ok := res.Content[0].(*mcp.TextContent); ok {
				first = tc.Text
			}
			return toolCallResult{Return: first, Status: "error"}
		}
		return toolCallResult{Return: text, Status: "error"}
	}
	if msg := s.checkStructured(ctx, cs, name, res); msg != "" {
		return s.mcpCallError(name, "RuntimeError", msg)
	}
	return toolCallResult{Return: text, Status: "success"}
}

// checkStructured lists the tools (first page, as the Python client does)
// and validates structuredContent; it returns the RuntimeError text or "".
func (s *Server) checkStructured(ctx context.Context, cs *mcp.ClientSession, name string, res *mcp.CallToolResult) string {
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		return fmt.Sprintf("Failed to list tools of the MCP server to validate tool %s: %s", name, rpcMessage(err))
	}
	var schema any
	for _, tool := range list.Tools {
		if tool.Name == name {
			schema = tool.OutputSchema
		}
	}
	if schema == nil {
		return ""
	}
	if res.StructuredContent == nil {
		return fmt.Sprintf("Tool %s has an output schema but did not return structured content", name)
	}
	raw, err := json.Marshal(schema)
	if err != nil {
		return fmt.Sprintf("Invalid schema for tool %s: %v", name, err)
	}
	var js jsonschema.Schema
	if err := json.Unmarshal(raw, &js); err != nil {
		return fmt.Sprintf("Invalid schema for tool %s: %v", name, err)
	}
	resolved, err := js.Resolve(nil)
	if err != nil {
		return fmt.Sprintf("Invalid schema for tool %s: %v", name, err)
	}
	var instance any
	if b, err := json.Marshal(res.StructuredContent); err == nil {
		_ = json.Unmarshal(b, &instance)
	}
	if err := resolved.Validate(instance); err != nil {
		return fmt.Sprintf("Invalid structured content returned by tool %s: %v", name, err)
	}
	return ""
}

// mcpCallError maps an exception raised while calling a tool: NEW's MCP
// client catches it and returns str(e); OLD lets it reach the tool
// execution manager, which formats it.
func (s *Server) mcpCallError(name, class, msg string) toolCallResult {
	if s.isNew {
		return toolCallResult{Return: msg, Status: "error"}
	}
	return s.toolException(name, class, msg)
}

// toolException is get_friendly_error_msg of an exception that reached
// Letta's tool execution manager.
func (s *Server) toolException(name, class, msg string) toolCallResult {
	text := fmt.Sprintf("Error executing function %s: %s: %s", name, class, msg)
	if len(text) > 1000 {
		text = text[:1000]
	}
	return toolCallResult{Return: text, Status: "error"}
}

// joinContent maps CallToolResult.content as Letta does: text parts joined
// by one space, other parts stringified, "Empty response from tool" when
// there is nothing.
func joinContent(content []mcp.Content) string {
	parts := make([]string, 0, len(content))
	for _, c := range content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
			continue
		}
		b, _ := json.Marshal(c)
		parts = append(parts, string(b))
	}
	if len(parts) == 0 {
		return "Empty response from tool"
	}
	return strings.Join(parts, " ")
}

func rpcMessage(err error) string {
	var we *jsonrpc.Error
	if errors.As(err, &we) {
		return we.Message
	}
	return err.Error()
}
