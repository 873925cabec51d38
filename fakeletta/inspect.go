package fakeletta

import (
	"maps"
	"slices"
	"sort"
	"time"
)

// Snapshots for tests. Every accessor returns copies.

// Agent is a snapshot of one agent.
type Agent struct {
	ID        string
	Name      string
	AgentType string
	Tags      []string
	Metadata  map[string]any
	Model     string // chat model handle
	Embedding string // embedding handle ("" if none)
	System    string
	Blocks    []Block
	ToolIDs   []string
	// EnvVars are the agent's variables: OLD tool_exec_environment_variables,
	// NEW secrets (one table in Letta).
	EnvVars   map[string]string
	CreatedAt time.Time
	// ApprovalTools have a requires_approval rule; LastStopReason is how
	// the last run stopped; Pending, whether a run is paused on an approval.
	ApprovalTools  []string
	LastStopReason string
	Pending        bool
	// Prompt is the agent's blocks as its compiled system prompt holds
	// them: what its model sees (see CompiledMemory).
	Prompt []PromptBlock
}

// Block is a core-memory block.
type Block struct {
	ID, Label, Value string
	Limit            int
}

// MCPServer is a snapshot of one registered MCP server.
type MCPServer struct {
	ID            string
	Name          string
	Type          string // streamable_http, sse or stdio
	URL           string
	Token         string            // stored token (no "Bearer ")
	CustomHeaders map[string]string // raw, templates unresolved
	// ToolIDs are the tools linked through NEW's server↔tool mapping (filled
	// by POST /v1/mcp-servers/ and refresh, not by the legacy routes).
	ToolIDs []string
}

// Tool is a snapshot of one Letta tool.
type Tool struct {
	ID          string
	Name        string
	ToolType    string
	Description string
	Tags        []string
	ServerName  string // external_mcp tools
	ServerID    string
	Health      Health // stored mcp:SCHEMA_STATUS of external_mcp tools
	JSONSchema  map[string]any
}

// Message is one message of an agent's history.
type Message struct {
	ID         string
	Type       string // user_message, reasoning_message, tool_call_message, tool_return_message, assistant_message, system_message
	Text       string // content, reasoning or tool return
	ToolName   string
	Arguments  string
	ToolCallID string
	Status     string // tool returns: success or error
	RunID      string
}

// Agents returns every agent, oldest first.
func (s *Server) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*agentRec, 0, len(s.agents))
	for _, a := range s.agents {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	out := make([]Agent, 0, len(list))
	for _, a := range list {
		ag := Agent{
			ID: a.ID, Name: a.Name, AgentType: a.AgentType, Tags: slices.Clone(a.Tags),
			Metadata: deepCopyMap(a.Metadata), Model: a.Model, Embedding: a.Embedding, System: a.System,
			ToolIDs: slices.Clone(a.ToolIDs), EnvVars: a.envMap(), CreatedAt: a.created,
			ApprovalTools: slices.Clone(a.ApprovalTools), LastStopReason: a.LastStopReason, Pending: a.Pending != nil,
			Prompt: slices.Clone(a.Prompt),
		}
		for _, b := range a.Blocks {
			ag.Blocks = append(ag.Blocks, Block{ID: b.ID, Label: b.Label, Value: b.Value, Limit: b.Limit})
		}
		out = append(out, ag)
	}
	return out
}

// Agent returns one agent and whether it exists.
func (s *Server) Agent(id string) (Agent, bool) {
	for _, a := range s.Agents() {
		if a.ID == id {
			return a, true
		}
	}
	return Agent{}, false
}

// MCPServers returns every registered MCP server, oldest first.
func (s *Server) MCPServers() []MCPServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []MCPServer
	for _, srv := range s.sortedServers() {
		out = append(out, MCPServer{
			ID: srv.ID, Name: srv.Name, Type: srv.Type, URL: srv.URL, Token: srv.Token,
			CustomHeaders: maps.Clone(srv.CustomHeaders), ToolIDs: slices.Clone(s.serverTool[srv.ID]),
		})
	}
	return out
}

// Tools returns every tool (built-in ones included), oldest first.
func (s *Server) Tools() []Tool {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*toolRec, 0, len(s.tools))
	for _, t := range s.tools {
		list = append(list, t)
	}
	sortTools(list, true)
	out := make([]Tool, 0, len(list))
	for _, t := range list {
		out = append(out, Tool{
			ID: t.ID, Name: t.Name, ToolType: t.ToolType, Description: t.Description, Tags: slices.Clone(t.Tags),
			ServerName: t.ServerName, ServerID: t.ServerID, Health: t.Health, JSONSchema: deepCopyMap(t.JSONSchema),
		})
	}
	return out
}

// Messages returns an agent's history, oldest first (nil for an unknown
// agent).
func (s *Server) Messages(agentID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return nil
	}
	out := make([]Message, 0, len(a.Messages))
	for _, m := range a.Messages {
		out = append(out, Message{
			ID: m.MessageID, Type: m.Type, Text: m.Text, ToolName: m.ToolName, Arguments: m.ToolArgs,
			ToolCallID: m.ToolCallID, Status: m.Status, RunID: m.RunID,
		})
	}
	return out
}
