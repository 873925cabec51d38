package letta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Client tools and approvals (Letta 0.16.2 and later, Letta Cloud).
//
// A request may carry client_tools: tool schemas the caller runs itself.
// When the model calls one (or a tool with a requires_approval rule), the
// run pauses: an approval_request_message, then stop_reason
// "requires_approval". The caller answers with an approval message (the
// first message of the next request) that covers exactly the pending calls:
// a ToolResult per client tool, a Decision per tool awaiting approval.

// ClientTool is one entry of client_tools. Parameters is a JSON Schema
// object, passed to the model as given.
type ClientTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// ApprovalItem answers one pending call: a client tool's result
// (ToolResult) or a decision on a server tool (Decision).
type ApprovalItem struct {
	ToolCallID string
	decision   bool
	Approve    bool
	Reason     string
	Return     string
	IsError    bool
}

// ToolResult is a client tool's result for a pending call.
func ToolResult(toolCallID, text string, isError bool) ApprovalItem {
	return ApprovalItem{ToolCallID: toolCallID, Return: text, IsError: isError}
}

// Decision approves or denies a pending call of a server tool; Letta runs
// an approved call itself and turns a denial into an error result carrying
// the reason.
func Decision(toolCallID string, approve bool, reason string) ApprovalItem {
	return ApprovalItem{ToolCallID: toolCallID, decision: true, Approve: approve, Reason: reason}
}

// IsDecision reports whether the item is a Decision.
func (a ApprovalItem) IsDecision() bool { return a.decision }

func (a ApprovalItem) body() map[string]any {
	if a.decision {
		m := map[string]any{"type": "approval", "tool_call_id": a.ToolCallID, "approve": a.Approve}
		if a.Reason != "" {
			m["reason"] = a.Reason
		}
		return m
	}
	status := "success"
	if a.IsError {
		status = "error"
	}
	return map[string]any{"type": "tool", "tool_call_id": a.ToolCallID, "tool_return": a.Return, "status": status}
}

// PendingApprovalPrefix starts the message Letta gives a user message sent
// while a run is paused (PendingApprovalError): HTTP 409 on POST …/messages,
// an error frame on …/messages/stream.
const PendingApprovalPrefix = "CONFLICT: Cannot send a new message"

// NoApprovalPending is in the error Letta gives an approval when nothing is
// pending and the calls were not answered before.
const NoApprovalPending = "No tool call is currently awaiting approval"

// SetToolApproval turns Letta's per-tool approval switch on or off for one
// of the agent's tools (PATCH /v1/agents/{id}/tools/approval/{tool_name},
// 0.16.x): with it on, Letta pauses before calling the tool.
func (c *Client) SetToolApproval(ctx context.Context, agentID, toolName string, on bool) error {
	path := escapedPath("/v1/agents/%s/tools/approval/%s", agentID, toolName)
	return c.do(ctx, http.MethodPatch, path, nil, map[string]any{"requires_approval": on}, nil)
}

// IncludePendingApproval asks GET/list agents for pending_approval
// (ListAgentsOptions.Include; Agent.Pending).
const IncludePendingApproval = "agent.pending_approval"

// The other relationships include=… names (NEW). A request with include
// gets only the relationships it names.
const (
	IncludeSecrets = "agent.secrets"
	IncludeTags    = "agent.tags"
	IncludeTools   = "agent.tools"
	IncludeBlocks  = "agent.blocks"
)

// decodeAgentApprovals fills Pending and ApprovalTools from an AgentState.
func decodeAgentApprovals(a *Agent, raw []byte) {
	var w struct {
		Pending *struct {
			ToolCalls json.RawMessage `json:"tool_calls"`
			ToolCall  json.RawMessage `json:"tool_call"`
		} `json:"pending_approval"`
		ToolRules []struct {
			ToolName string `json:"tool_name"`
			Type     string `json:"type"`
		} `json:"tool_rules"`
	}
	if json.Unmarshal(raw, &w) != nil {
		return
	}
	if w.Pending != nil {
		one, many := decodeToolCalls(w.Pending.ToolCall, w.Pending.ToolCalls)
		if len(many) == 0 && one != nil {
			many = []ToolCall{*one}
		}
		a.Pending = many
	}
	for _, r := range w.ToolRules {
		if r.Type == "requires_approval" {
			a.ApprovalTools = append(a.ApprovalTools, r.ToolName)
		}
	}
}

// GetAgentInclude is GetAgent asking for more relationships (include=…,
// NEW), e.g. IncludePendingApproval.
func (c *Client) GetAgentInclude(ctx context.Context, agentID string, include ...string) (*Agent, error) {
	q := url.Values{}
	for _, inc := range include {
		q.Add("include", inc)
	}
	return doInto[Agent](ctx, c, http.MethodGet, escapedPath("/v1/agents/%s", agentID), q, nil)
}

// HasClientTools reports whether the server takes client_tools and
// approvals (0.16.2+).
func (v Version) HasClientTools() bool { return v.AtLeast(0, 16, 2) }
