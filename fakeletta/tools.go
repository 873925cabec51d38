package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// toolRec is one Letta tool (organisation-wide, unique by name).
type toolRec struct {
	ID          string
	Name        string
	Description string
	ToolType    string
	Tags        []string
	SourceCode  string
	JSONSchema  map[string]any
	Metadata    map[string]any
	ServerName  string // external_mcp: server of the mcp:<name> tag
	ServerID    string
	Health      Health
	seq         int64
	created     time.Time
}

var toolTypes = []string{
	"custom", "letta_core", "letta_memory_core", "letta_multi_agent_core", "letta_sleeptime_core",
	"letta_voice_sleeptime_core", "letta_builtin", "letta_files_core", "external_composio",
	"external_langchain", "external_mcp",
}

// baseTool describes one of Letta's built-in tools.
type baseTool struct {
	name, toolType, description string
	params                      map[string]any
	required                    []any
}

var baseTools = []baseTool{
	{"send_message", "letta_core", "Sends a message to the human user.",
		map[string]any{"message": map[string]any{"type": "string", "description": "Message contents. All unicode (including emojis) are supported."}}, []any{"message"}},
	{"conversation_search", "letta_core", "Search prior conversation history using case-insensitive string matching.",
		map[string]any{"query": map[string]any{"type": "string", "description": "String to search for."}}, []any{"query"}},
	{"core_memory_append", "letta_memory_core", "Append to the contents of core memory.",
		map[string]any{"label": map[string]any{"type": "string"}, "content": map[string]any{"type": "string"}}, []any{"label", "content"}},
	{"core_memory_replace", "letta_memory_core", "Replace the contents of core memory.",
		map[string]any{"label": map[string]any{"type": "string"}, "old_content": map[string]any{"type": "string"}, "new_content": map[string]any{"type": "string"}}, []any{"label", "old_content", "new_content"}},
	{"memory_replace", "letta_memory_core", "The memory_replace command allows you to replace a specific string in a memory block with a new string.",
		map[string]any{"label": map[string]any{"type": "string"}, "old_str": map[string]any{"type": "string"}, "new_str": map[string]any{"type": "string"}}, []any{"label", "old_str", "new_str"}},
	{"memory_insert", "letta_memory_core", "The memory_insert command allows you to insert text at a specific location in a memory block.",
		map[string]any{"label": map[string]any{"type": "string"}, "new_str": map[string]any{"type": "string"}, "insert_line": map[string]any{"type": "integer"}}, []any{"label", "new_str"}},
}

// createBaseTools registers Letta's built-in tools, as a fresh server does.
func (s *Server) createBaseTools() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range baseTools {
		seq, now := s.nextSeq()
		t := &toolRec{
			ID: newID("tool"), Name: b.name, Description: b.description, ToolType: b.toolType,
			Tags: []string{b.toolType}, seq: seq, created: now,
			JSONSchema: map[string]any{
				"name": b.name, "description": b.description,
				"parameters": map[string]any{"type": "object", "properties": b.params, "required": b.required},
			},
		}
		s.tools[t.ID] = t
	}
}

// baseToolNames are the built-in tools Letta attaches to a new agent
// (include_base_tools, calculate_base_tools at each version).
func baseToolNames(agentType string) []string {
	switch agentType {
	case "memgpt_v2_agent":
		return []string{"send_message", "conversation_search", "memory_replace", "memory_insert"}
	case "letta_v1_agent":
		return []string{"conversation_search", "memory_replace", "memory_insert"}
	case "react_agent", "workflow_agent":
		return nil
	default:
		return []string{"send_message", "conversation_search", "core_memory_append", "core_memory_replace"}
	}
}

func (s *Server) toolByName(name string) *toolRec {
	for _, t := range s.tools {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// toolJSON renders a Tool as the version serialises it.
func (s *Server) toolJSON(t *toolRec) map[string]any {
	var metadata any
	if t.Metadata != nil {
		metadata = t.Metadata
	} else {
		metadata = map[string]any{}
	}
	sourceCode := any(nil)
	sourceType := any(nil)
	if t.SourceCode != "" {
		sourceCode, sourceType = t.SourceCode, "python"
	}
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	m := map[string]any{
		"id":                        t.ID,
		"tool_type":                 t.ToolType,
		"description":               nilIfEmpty(t.Description),
		"source_type":               sourceType,
		"name":                      t.Name,
		"tags":                      tags,
		"source_code":               sourceCode,
		"json_schema":               t.JSONSchema,
		"args_json_schema":          nil,
		"return_char_limit":         50000,
		"pip_requirements":          nil,
		"npm_requirements":          nil,
		"default_requires_approval": nil,
		"created_by_id":             defaultUserID,
		"last_updated_by_id":        defaultUserID,
		"metadata_":                 metadata,
	}
	if s.isNew {
		m["enable_parallel_execution"] = false
		m["project_id"] = nil
	}
	return m
}

// sortTools orders tools by creation, newest first unless ascending.
func sortTools(list []*toolRec, ascending bool) {
	sort.Slice(list, func(i, j int) bool {
		if ascending {
			return list[i].seq < list[j].seq
		}
		return list[i].seq > list[j].seq
	})
}

func splitCSV(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// listTools serves GET /v1/tools/.
func (c *reqCtx) listTools() {
	q := c.r.URL.Query()
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	onlyLetta, ok := c.queryBool("return_only_letta_tools", false)
	if !ok {
		return
	}
	typeFilter, exclude := splitCSV(q["tool_types"]), splitCSV(q["exclude_tool_types"])
	for _, tt := range append(append([]string{}, typeFilter...), exclude...) {
		if !slices.Contains(toolTypes, tt) {
			msg := fmt.Sprintf("Invalid tool_type '%s'. Must be one of: %s", tt, strings.Join(toolTypes, ", "))
			if c.s.isNew {
				c.detail(http.StatusBadRequest, msg)
			} else {
				c.detail(http.StatusInternalServerError, "400: "+msg)
			}
			return
		}
	}
	names := append([]string{}, q["names"]...)
	if n := q.Get("name"); q.Has("name") {
		names = append([]string{n}, names...)
	}
	ids := splitCSV(q["tool_ids"])
	search := strings.ToLower(q.Get("search"))
	ascending := c.s.isNew && q.Get("order") == "asc"

	c.s.mu.Lock()
	var list []*toolRec
	for _, t := range c.s.tools {
		switch {
		case len(typeFilter) > 0 && !slices.Contains(typeFilter, t.ToolType),
			len(exclude) > 0 && slices.Contains(exclude, t.ToolType),
			len(names) > 0 && !slices.Contains(names, t.Name),
			len(ids) > 0 && !slices.Contains(ids, t.ID),
			q.Has("search") && !strings.Contains(strings.ToLower(t.Name), search),
			onlyLetta && !strings.HasPrefix(t.ToolType, "letta_"):
			continue
		}
		list = append(list, t)
	}
	list = pageTools(list, c.s.tools[q.Get("after")], c.s.tools[q.Get("before")], ascending)
	if limit >= 0 && len(list) > limit {
		list = list[:limit]
	}
	out := make([]any, len(list))
	for i, t := range list {
		out[i] = c.s.toolJSON(t)
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// pageTools sorts by creation and applies cursor paging (unknown cursors are
// ignored, as in Letta).
func pageTools(list []*toolRec, after, before *toolRec, ascending bool) []*toolRec {
	sortTools(list, ascending)
	out := list[:0:0]
	for _, t := range list {
		if after != nil && ((ascending && t.seq <= after.seq) || (!ascending && t.seq >= after.seq)) {
			continue
		}
		if before != nil && ((ascending && t.seq >= before.seq) || (!ascending && t.seq <= before.seq)) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// getTool serves GET /v1/tools/{tool_id}.
func (c *reqCtx) getTool() {
	id := c.params["tool_id"]
	if c.s.isNew && !toolIDPattern.MatchString(id) {
		c.s.validationFailed(c.w, []ValidationIssue{pathIDIssue("tool_id", id)})
		return
	}
	c.s.mu.Lock()
	t := c.s.tools[id]
	var out map[string]any
	if t != nil {
		out = c.s.toolJSON(t)
	}
	c.s.mu.Unlock()
	if t == nil {
		c.detail(http.StatusNotFound, fmt.Sprintf("Tool with id %s not found.", id))
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// deleteTool serves DELETE /v1/tools/{tool_id}; the tool is detached from
// every agent.
func (c *reqCtx) deleteTool() {
	id := c.params["tool_id"]
	if c.s.isNew && !toolIDPattern.MatchString(id) {
		c.s.validationFailed(c.w, []ValidationIssue{pathIDIssue("tool_id", id)})
		return
	}
	c.s.mu.Lock()
	_, ok := c.s.tools[id]
	if ok {
		c.s.removeToolLocked(id)
	}
	c.s.mu.Unlock()
	if !ok {
		c.detail(http.StatusNotFound, fmt.Sprintf("Tool with id %s not found.", id))
		return
	}
	writeJSON(c.w, http.StatusOK, nil)
}

// removeToolLocked deletes a tool with its agent attachments and mappings.
func (s *Server) removeToolLocked(id string) {
	delete(s.tools, id)
	for _, a := range s.agents {
		a.ToolIDs = slices.DeleteFunc(a.ToolIDs, func(x string) bool { return x == id })
	}
	for sid, ids := range s.serverTool {
		s.serverTool[sid] = slices.DeleteFunc(ids, func(x string) bool { return x == id })
	}
}

// upsertMCPToolLocked creates or updates (same id) the Letta tool for an MCP
// tool, as tool_manager.create_mcp_tool_async does.
func (s *Server) upsertMCPToolLocked(lt listedTool, serverName, serverID string) (*toolRec, bool) {
	schema, health, _, ok := toolJSONSchema(lt, s.isNew)
	if !ok {
		return nil, false
	}
	t := s.toolByName(lt.Name)
	if t == nil {
		seq, now := s.nextSeq()
		t = &toolRec{ID: newID("tool"), Name: lt.Name, seq: seq, created: now}
		s.tools[t.ID] = t
	}
	t.ToolType = "external_mcp"
	t.Description = lt.Description
	t.Tags = []string{"mcp:" + serverName}
	t.SourceCode = fmt.Sprintf("def %s(**kwargs):\n    raise RuntimeError(\"Something went wrong - we should never be using the persisted source code for MCP. Please reach out to Letta team\")", lt.Name)
	t.JSONSchema = schema
	t.Metadata = map[string]any{"mcp": map[string]any{"server_name": serverName, "server_id": serverID}}
	t.ServerName, t.ServerID, t.Health = serverName, serverID, health
	return t, true
}
