package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// listAgentTools serves GET /v1/agents/{agent_id}/tools: OLD returns every
// attached tool; NEW pages them (default limit 10, newest first) and compares
// the after/before cursors with tool ids while sorting by creation time, so
// paging with after can skip tools (letta.md §1.9).
func (c *reqCtx) listAgentTools() {
	if !c.checkAgentID(false) {
		return
	}
	id := c.params["agent_id"]
	q := c.r.URL.Query()
	limit := 0
	if c.s.isNew {
		var ok bool
		if limit, ok = c.queryInt("limit", 10); !ok {
			return
		}
	}
	c.s.mu.Lock()
	a := c.s.agents[id]
	if a == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(id))
		return
	}
	var list []*toolRec
	for _, tid := range a.ToolIDs {
		if t := c.s.tools[tid]; t != nil {
			list = append(list, t)
		}
	}
	if c.s.isNew {
		after, before := q.Get("after"), q.Get("before")
		list = slices.DeleteFunc(list, func(t *toolRec) bool {
			return (before != "" && !(t.ID < before)) || (after != "" && !(t.ID > after))
		})
		sortTools(list, q.Get("order") == "asc")
		if limit > 0 && len(list) > limit {
			list = list[:limit]
		}
	}
	out := make([]any, len(list))
	for i, t := range list {
		out[i] = c.s.toolJSON(t)
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// attachTool serves PATCH /v1/agents/{agent_id}/tools/attach/{tool_id}.
func (c *reqCtx) attachTool() { c.changeTool(true) }

// detachTool serves PATCH /v1/agents/{agent_id}/tools/detach/{tool_id}.
func (c *reqCtx) detachTool() { c.changeTool(false) }

func (c *reqCtx) changeTool(attach bool) {
	agentID, toolID := c.params["agent_id"], c.params["tool_id"]
	if c.s.isNew {
		var issues []ValidationIssue
		if !toolIDPattern.MatchString(toolID) {
			issues = append(issues, pathIDIssue("tool_id", toolID))
		}
		if !agentIDPattern.MatchString(agentID) {
			issues = append(issues, pathIDIssue("agent_id", agentID))
		}
		if len(issues) > 0 {
			c.s.validationFailed(c.w, issues)
			return
		}
	}
	c.s.mu.Lock()
	a := c.s.agents[agentID]
	if a == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(agentID))
		return
	}
	if attach {
		if _, ok := c.s.tools[toolID]; !ok {
			c.s.mu.Unlock()
			c.detail(http.StatusNotFound, fmt.Sprintf("Tool with id=%s not found in organization=%s", toolID, defaultOrgID))
			return
		}
		if !slices.Contains(a.ToolIDs, toolID) {
			a.ToolIDs = append(a.ToolIDs, toolID)
		}
	} else {
		a.ToolIDs = slices.DeleteFunc(a.ToolIDs, func(x string) bool { return x == toolID })
	}
	a.updated = c.s.now().UTC()
	out := c.s.agentJSON(a, allRelations)
	c.s.mu.Unlock()
	if c.v1Client() {
		writeJSON(c.w, http.StatusOK, nil)
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// modifyApproval serves PATCH /v1/agents/{agent_id}/tools/approval/{tool_name}
// (NEW): {"requires_approval": bool} in the body (or, deprecated, the
// query) adds or removes the agent's requires_approval rule for the tool.
// The tool need not be attached. v1 callers get null, others the agent.
func (c *reqCtx) modifyApproval() {
	if !c.checkAgentID(false) {
		return
	}
	agentID, name := c.params["agent_id"], c.params["tool_name"]
	var want *bool
	if len(strings.TrimSpace(string(c.body))) > 0 && strings.TrimSpace(string(c.body)) != "null" {
		f := c.decodeBody()
		if f == nil {
			return
		}
		f.forbidExtra("requires_approval")
		v, ok := f.m["requires_approval"].(bool)
		if !ok {
			f.add("missing", f.at("requires_approval"), "Field required", f.m)
		}
		if c.failed(f) {
			return
		}
		want = &v
	} else if q := c.r.URL.Query().Get("requires_approval"); q != "" {
		v := q == "true" || q == "1"
		want = &v
	}
	if want == nil {
		c.detail(http.StatusUnprocessableEntity, "requires_approval must be provided either in request body or as query parameter")
		return
	}
	c.s.mu.Lock()
	a := c.s.agents[agentID]
	if a == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(agentID))
		return
	}
	has := slices.Contains(a.ApprovalTools, name)
	switch {
	case *want && !has:
		a.ApprovalTools = append(a.ApprovalTools, name)
	case !*want && has:
		a.ApprovalTools = slices.DeleteFunc(a.ApprovalTools, func(x string) bool { return x == name })
	}
	out := c.s.agentJSON(a, allRelations)
	c.s.mu.Unlock()
	if c.v1Client() {
		writeJSON(c.w, http.StatusOK, nil)
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}
