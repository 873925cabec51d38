package realletta_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
)

// TestRestartKeepsThreads: odoo-mcp keeps no state of its own. Stopped and
// started again (on another address, so it re-registers its MCP URL) against
// the same Letta and Odoo, it finds every thread and the agent calls its
// tools through the new address.
func TestRestartKeepsThreads(t *testing.T) {
	for _, version := range loopbackVersions {
		t.Run(version, func(t *testing.T) {
			l := realletta.Shared(t, version)
			odoo := newOdoo(t)
			first := startOdooMCP(t, odoo.URL, l)
			waitForLog(t, first, "registered with Letta", 2*time.Minute)
			ids := []string{"restart-a-" + strings.ReplaceAll(version, ".", "-"), "restart-b-" + strings.ReplaceAll(version, ".", "-")}
			agents := map[string]string{}
			for _, id := range ids {
				th := declare(t, first, id, `{"model":"`+realletta.Model+`","tools":["odoo_record_retriever"]}`, http.StatusCreated)
				agents[id] = th.AgentID
			}
			before := agentToken(t, l, agents[ids[0]])
			first.Stop()

			second := startOdooMCP(t, odoo.URL, l)
			waitForLog(t, second, "registered with Letta", 2*time.Minute)
			t.Cleanup(func() {
				for _, id := range ids {
					do(t, http.MethodDelete, second.URL+"/api/v1/threads/"+id, admin, "")
				}
			})
			status, body := do(t, http.MethodGet, second.URL+"/api/v1/threads", admin, "")
			if status != http.StatusOK {
				t.Fatalf("GET threads after restart: %d %s", status, body)
			}
			var list struct {
				Threads []struct {
					ThreadID string `json:"thread_id"`
					AgentID  string `json:"agent_id"`
				} `json:"threads"`
			}
			json.Unmarshal(body, &list)
			found := map[string]string{}
			for _, th := range list.Threads {
				found[th.ThreadID] = th.AgentID
			}
			for _, id := range ids {
				if found[id] != agents[id] {
					t.Errorf("after restart thread %s has agent %q, want %q (threads %s)", id, found[id], agents[id], body)
				}
			}

			if after := agentToken(t, l, agents[ids[0]]); after != before {
				t.Errorf("the agent's token changed across odoo-mcp's restart (empty now: %v)", after == "")
			}
			var servers json.RawMessage
			if version == "0.11.7" {
				getJSON(t, l, "/v1/tools/mcp/servers", &servers)
			} else {
				getJSON(t, l, "/v1/mcp-servers/", &servers)
			}
			t.Logf("Letta's MCP servers after the restart: %s", servers)
			key := "after the restart on " + version
			l.LLM.Script(key, fakellm.CallTool("odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []any{"name"}, "limit": 1}), fakellm.Say("still here"))
			status, body = do(t, http.MethodPost, second.URL+"/api/v1/threads/"+ids[0]+"/messages", admin, `{"content":"`+key+`"}`, "Accept", "application/json")
			if status != http.StatusOK {
				t.Fatalf("message after restart: %d %s", status, body)
			}
			var reply struct {
				Content   string `json:"content"`
				ToolCalls []struct {
					Name   string `json:"name"`
					Status string `json:"status"`
					Result string `json:"result"`
				} `json:"tool_calls"`
				FinishReason string `json:"finish_reason"`
			}
			if err := json.Unmarshal(body, &reply); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if len(reply.ToolCalls) == 1 && knownMCPClientFlake(version, map[string]any{"status": reply.ToolCalls[0].Status, "content": reply.ToolCalls[0].Result}) {
				t.Logf("Letta %s's MCP client failed the call on its own (known): %s", version, body)
				return
			}
			if len(reply.ToolCalls) != 1 || reply.ToolCalls[0].Status != "success" || !strings.Contains(reply.ToolCalls[0].Result, `"records"`) ||
				reply.Content != "still here" || reply.FinishReason != "stop" {
				// Show what Letta holds: an empty token was 0.16's
				// ciphertext heuristic (see letta/threads lettaTakesForCiphertext).
				t.Errorf("reply after restart: %s\nthe agent's token in Letta now: %d characters", body, len(agentToken(t, l, agents[ids[0]])))
			}
		})
	}
}
