package letta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// TypeApprovalResponse is a stored answer to an approval request (history
// only; the stream skips it): for client tools it carries their results.
const TypeApprovalResponse = "approval_response_message"

// ListMessages reads one page of an agent's history: GET
// /v1/agents/{id}/messages?before=…&limit=…. Both versions answer the
// newest `limit` stored messages older than the message `before` ("" for
// the newest), oldest first: 0.11.7 always, 0.16.8 with its default
// order=desc too, whatever its description says (the router lists
// descending, then reverses the list; checked in both versions' sources,
// server.get_agent_recall_async). `limit` counts Letta's stored messages,
// each of which may become several LettaMessages (reasoning, tool calls)
// sharing its id, or none. A `before` that names no message is a 404.
// Returned are the types decodeMessage knows, plus approval responses
// (Event.Returns: the tool results they carry).
func (c *Client) ListMessages(ctx context.Context, agentID, before string, limit int) ([]Event, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if before != "" {
		q.Set("before", before)
	}
	var raws []json.RawMessage
	if err := c.do(ctx, http.MethodGet, escapedPath("/v1/agents/%s/messages", agentID), q, nil, &raws); err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(raws))
	for _, raw := range raws {
		ev, known, err := decodeMessage(raw)
		if err != nil {
			continue
		}
		if !known {
			if ev.Type != TypeApprovalResponse {
				continue
			}
			ev.Returns = approvalReturns(raw)
		}
		ev.Joined = ev.Text
		out = append(out, ev)
	}
	return out, nil
}

// approvalReturns reads the tool results of an approval response (0.16:
// "approvals" items of type "tool"; approve/deny items carry none).
func approvalReturns(raw json.RawMessage) []ToolReturn {
	var w struct {
		Approvals []struct {
			Type       string          `json:"type"`
			ToolCallID string          `json:"tool_call_id"`
			Status     string          `json:"status"`
			ToolReturn json.RawMessage `json:"tool_return"`
		} `json:"approvals"`
	}
	if json.Unmarshal(raw, &w) != nil {
		return nil
	}
	var out []ToolReturn
	for _, a := range w.Approvals {
		if a.Type != "tool" || a.ToolCallID == "" {
			continue
		}
		tr := ToolReturn{ToolCallID: a.ToolCallID, Status: a.Status}
		var s string
		if json.Unmarshal(a.ToolReturn, &s) == nil {
			tr.Return = s
		} else if len(a.ToolReturn) > 0 && string(a.ToolReturn) != "null" {
			tr.Return = string(a.ToolReturn)
		}
		out = append(out, tr)
	}
	return out
}
