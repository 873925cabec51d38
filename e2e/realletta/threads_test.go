package realletta_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
)

// loopbackVersions are the versions that accept odoo-mcp on a loopback URL.
var loopbackVersions = []string{"0.16.6", "0.11.7"}

type call struct {
	name string
	args map[string]any
}

// sixCalls calls each of the six tools once, on a partner named after the
// test, with arguments as their schemas ask (domains as JSON text).
func sixCalls(partner string) []call {
	domain := `[["name", "=", "` + partner + `"]]`
	return []call{
		{"odoo_model_inspector", map[string]any{"model": "res.partner", "field_limit": 3}},
		{"odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": partner}}}},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "domain": domain, "fields": []any{"name"}, "limit": 5}},
		{"odoo_record_updater", map[string]any{"model": "res.partner", "domain": domain, "values": []any{map[string]any{"field": "phone", "value": "+32 2 555 01 00"}}}},
		{"odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "name_search", "kwargs": []any{map[string]any{"name": "name", "value": partner}}}},
		{"odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": domain}},
	}
}

// script makes the model call each tool in turn, then answer quoting the
// retriever's result.
func script(llm *fakellm.Server, key string, calls []call) {
	var steps []fakellm.Step
	for _, c := range calls {
		steps = append(steps, fakellm.CallTool(c.name, c.args))
	}
	steps = append(steps, fakellm.Quote(func(t fakellm.Turn) string {
		for _, r := range t.Results {
			if r.Name == "odoo_record_retriever" {
				return "The retriever said: " + r.Content
			}
		}
		return fmt.Sprintf("no retriever result among %d results", len(t.Results))
	}))
	llm.Script(key, steps...)
}

type thread struct {
	AgentID string   `json:"agent_id"`
	Model   string   `json:"model"`
	Tools   []string `json:"tools"`
	Created bool     `json:"created"`
	Changed []string `json:"changed"`
}

func declare(t *testing.T, p *odooMCP, id, body string, want int) thread {
	t.Helper()
	status, b := do(t, http.MethodPut, p.URL+"/api/v1/threads/"+id, admin, body)
	if status != want {
		t.Fatalf("PUT thread %s: %d %s, want %d", id, status, b, want)
	}
	var th thread
	if err := json.Unmarshal(b, &th); err != nil || th.AgentID == "" {
		t.Fatalf("thread: %v %s", err, b)
	}
	return th
}

// agentToken reads the agent's ODOO_MCP_TOKEN as Letta holds it.
func agentToken(t *testing.T, l *realletta.Server, agentID string) string {
	t.Helper()
	var a struct {
		Env []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"tool_exec_environment_variables"`
		Secrets []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"secrets"`
	}
	getJSON(t, l, "/v1/agents/"+agentID, &a)
	for _, e := range append(a.Env, a.Secrets...) {
		if e.Key == "ODOO_MCP_TOKEN" && e.Value != "" {
			return e.Value
		}
	}
	t.Errorf("agent %s has no ODOO_MCP_TOKEN in Letta (env %+v, secrets %d)", agentID, a.Env, len(a.Secrets))
	return ""
}

// TestThreadRoundTrip: the thread API end to end on the real Letta: declare
// with the six tools, a message whose scripted model calls each of them
// through Letta's own MCP client back into odoo-mcp (with the agent's
// token, substituted by Letta into the header template), the streamed
// events, then delete: agent gone, token refused.
func TestThreadRoundTrip(t *testing.T) {
	for _, version := range loopbackVersions {
		t.Run(version, func(t *testing.T) {
			l := realletta.Shared(t, version)
			p := startOdooMCP(t, newOdoo(t).URL, l)
			waitForLog(t, p, "registered with Letta", 2*time.Minute)

			id := "rt-" + strings.ReplaceAll(version, ".", "-")
			th := declare(t, p, id, `{"model":"`+realletta.Model+`","tools":["`+strings.Join(sixTools, `","`)+`"],"system":"You help with Odoo."}`, http.StatusCreated)
			if !th.Created || th.Model != realletta.Model || len(th.Tools) != 6 {
				t.Fatalf("declared %+v", th)
			}
			// Converge: the same declaration changes nothing; a narrower one detaches.
			if again := declare(t, p, id, `{"model":"`+realletta.Model+`","tools":["`+strings.Join(sixTools, `","`)+`"],"system":"You help with Odoo."}`, http.StatusOK); len(again.Changed) != 0 || again.AgentID != th.AgentID {
				t.Errorf("re-declaring changed %v (agent %s → %s)", again.Changed, th.AgentID, again.AgentID)
			}
			var agentTools []lettaTool
			getJSON(t, l, "/v1/agents/"+th.AgentID+"/tools?limit=100", &agentTools)
			attached := 0
			for _, tl := range agentTools {
				if tl.ToolType == "external_mcp" {
					attached++
				}
			}
			if attached != 6 {
				t.Errorf("Letta's agent has %d MCP tools attached, want 6", attached)
			}

			partner := "Real Letta " + version
			key := "run the six tools for " + version
			calls := sixCalls(partner)
			script(l.LLM, key, calls)
			status, body := do(t, http.MethodPost, p.URL+"/api/v1/threads/"+id+"/messages", admin, `{"content":"Please `+key+`."}`)
			if status != http.StatusOK {
				t.Fatalf("POST message: %d %s", status, body)
			}
			tr := readTurn(t, body)
			names, gotCalls, returns, usage := tr.events, tr.calls, tr.returns, tr.usage
			var done map[string]any
			if len(tr.dones) > 0 {
				done = tr.dones[len(tr.dones)-1]
			}
			if len(gotCalls) != len(calls) {
				t.Fatalf("%d tool_call events, want %d: %v\n%s", len(gotCalls), len(calls), names, body)
			}
			flaked := map[string]bool{}
			for i, c := range calls {
				if gotCalls[i].name != c.name || !sameJSON(gotCalls[i].args, c.args) {
					t.Errorf("tool_call %d = %s %v, want %s %v", i, gotCalls[i].name, gotCalls[i].args, c.name, c.args)
				}
				r := returns[c.name]
				if r != nil && knownMCPClientFlake(version, r) {
					flaked[c.name] = true
					t.Logf("Letta %s's MCP client failed %s on its own (known, see knownMCPClientFlake): %v", version, c.name, r["content"])
					continue
				}
				if r == nil || r["status"] != "success" {
					t.Errorf("tool_return of %s = %v, want success", c.name, r)
				}
			}
			retrieved, _ := returns["odoo_record_retriever"]["content"].(string)
			// The partner exists only if the creator's call got through.
			if !flaked["odoo_record_retriever"] && !flaked["odoo_record_creator"] && !strings.Contains(retrieved, partner) {
				t.Errorf("the retriever's result lacks the created partner: %s", retrieved)
			}
			if want := "The retriever said: " + retrieved; tr.answer != want {
				t.Errorf("answer %q, want %q", tr.answer, want)
			}
			if usage == nil || usage["total_tokens"].(float64) <= 0 {
				t.Errorf("usage event %v", usage)
			}
			if done == nil || names[len(names)-1] != "done" || done["finish_reason"] != "stop" {
				t.Errorf("stream does not end with done/stop: %v (%v)", names, done)
			}

			// Each call reached odoo-mcp with the agent's thread token (the
			// listing token, the header's default, refuses every call): its
			// audit line names the thread and the agent.
			for _, c := range calls {
				if !flaked[c.name] && !auditedFor(p.Logs(), c.name, id, th.AgentID) {
					t.Errorf("no audit line of %s for thread %s, agent %s: Letta did not call with the agent's token", c.name, id, th.AgentID)
				}
			}

			// What Letta fed the model: the six results, as odoo-mcp's JSON text.
			reqs := l.LLM.ChatRequests()
			last := reqs[len(reqs)-1]
			var fed []string
			for _, m := range last.Messages {
				if m.Role == "tool" {
					fed = append(fed, m.ResultText())
				}
			}
			if !flaked["odoo_record_retriever"] && !containsText(fed, retrieved) {
				t.Errorf("the model was not fed the retriever's result %q", retrieved)
			}

			// Delete: the agent is gone from Letta and its token refused.
			token := agentToken(t, l, th.AgentID)
			if status, body := do(t, http.MethodDelete, p.URL+"/api/v1/threads/"+id, admin, ""); status != http.StatusNoContent {
				t.Fatalf("DELETE: %d %s", status, body)
			}
			if status, body := do(t, http.MethodGet, l.URL+"/v1/agents/"+th.AgentID, "", ""); status != http.StatusNotFound {
				t.Errorf("the deleted thread's agent: %d %s, want 404", status, body)
			}
			deadline := time.Now().Add(15 * time.Second)
			for {
				status, body := do(t, http.MethodPost, p.URL+"/mcp", "Bearer "+token, initialize,
					"Accept", "application/json, text/event-stream", "X-Agent-Id", th.AgentID)
				if status == http.StatusUnauthorized {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the deleted thread's token still works: %d %s", status, body)
				}
				time.Sleep(200 * time.Millisecond)
			}
			if u := l.LLM.Unknown(); len(u) > 0 {
				t.Errorf("Letta called routes the scripted model does not serve: %v", u)
			}
		})
	}
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"realletta","version":"1"}}}`

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var x, y any
	json.Unmarshal(ja, &x)
	json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

// knownMCPClientFlake says whether a tool return is the failure real Letta
// 0.11.7's own MCP client produces now and then: a session stalls 30 s
// (its connect timeout) before initialize or before the tools/list that
// follows a call, and the call fails with "unhandled errors in a TaskGroup"
// or, when the stalled session's stream is torn down, "BrokenResourceError".
// Seen in about one call in nine under load, with odoo-mcp answering SSE or
// JSON alike and no request reaching odoo-mcp during the stall: Letta's
// (0.16 replaced that client), not odoo-mcp's. Tolerated on 0.11.x only.
func knownMCPClientFlake(version string, ret map[string]any) bool {
	content, _ := ret["content"].(string)
	return strings.HasPrefix(version, "0.11.") && ret["status"] == "error" &&
		(strings.Contains(content, "unhandled errors in a TaskGroup") || strings.Contains(content, "BrokenResourceError"))
}

// auditedFor says whether odoo-mcp logged a successful call of tool for
// the thread and agent.
func auditedFor(logs, tool, thread, agent string) bool {
	for _, line := range strings.Split(logs, "\n") {
		var l struct {
			Msg, Tool, Thread, Agent, Outcome string
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "tool call" && l.Tool == tool && l.Thread == thread && l.Agent == agent && l.Outcome == "ok" {
			return true
		}
	}
	return false
}

func containsText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
