package realletta_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
)

// TestClientToolsRoundTrip: odoo-mcp on a loopback address with nothing but
// LETTA_BASE_URL (no public URL, no signing key) on the real Letta 0.16.8,
// which refuses loopback MCP servers: auto mode picks client tools, nothing
// is registered, and a message whose model calls each of the six tools is
// run by odoo-mcp itself through Letta's pause and resume, streamed as one
// turn.
func TestClientToolsRoundTrip(t *testing.T) {
	const version = "0.16.8"
	l := realletta.Shared(t, version)
	p := startOdooMCP(t, newOdoo(t).URL, l, "LETTA_TOOL_MODE=", "ODOO_MCP_PUBLIC_URL=", "ODOO_MCP_SIGNING_KEY=")
	waitForLog(t, p, "Letta tool mode", 2*time.Minute)
	if !strings.Contains(p.Logs(), `"mode":"client"`) {
		t.Fatalf("auto mode did not choose client tools on Letta %s:\n%s", version, tail(p.Logs(), 4000))
	}

	const id = "client-rt"
	declare(t, p, id, `{"model":"`+realletta.Model+`","tools":["`+strings.Join(sixTools, `","`)+`"]}`, http.StatusCreated)
	partner := "Client tools " + version
	key := "run the six tools as client tools"
	calls := sixCalls(partner)
	script(l.LLM, key, calls)
	status, body := do(t, http.MethodPost, p.URL+"/api/v1/threads/"+id+"/messages", admin, `{"content":"Please `+key+`."}`)
	if status != http.StatusOK {
		t.Fatalf("POST message: %d %s", status, body)
	}
	tr := readTurn(t, body)
	names, gotCalls, returns, dones := tr.events, tr.calls, tr.returns, len(tr.dones)
	for _, d := range tr.dones {
		if d["finish_reason"] != "stop" {
			t.Errorf("done %v", d)
		}
	}
	if len(gotCalls) != len(calls) || dones != 1 || names[len(names)-1] != "done" {
		t.Fatalf("events %v, want %d tool calls and one final done\n%s", names, len(calls), body)
	}
	for i, c := range calls {
		if gotCalls[i].name != c.name || !sameJSON(gotCalls[i].args, c.args) {
			t.Errorf("tool_call %d = %s %v, want %s %v", i, gotCalls[i].name, gotCalls[i].args, c.name, c.args)
		}
		if r := returns[c.name]; r == nil || r["status"] != "success" {
			t.Errorf("tool_return of %s = %v, want success", c.name, r)
		}
		// Run in-process: the audit line names the thread (no agent token
		// was involved) and says how the call came.
		if !auditedFor(p.Logs(), c.name, id, "") {
			t.Errorf("no audit line of %s for thread %s", c.name, id)
		}
	}
	retrieved, _ := returns["odoo_record_retriever"]["content"].(string)
	if !strings.Contains(retrieved, partner) {
		t.Errorf("the retriever's result lacks the created partner: %s", retrieved)
	}
	if want := "The retriever said: " + retrieved; tr.answer != want {
		t.Errorf("answer %q, want %q", tr.answer, want)
	}
	if !strings.Contains(p.Logs(), `"via":"letta_client_tool"`) {
		t.Error("no audit line says the call came as a Letta client tool")
	}
	if strings.Contains(p.Logs(), "registered with Letta") {
		t.Error("client mode registered an MCP server with Letta")
	}
	if status, body := do(t, http.MethodDelete, p.URL+"/api/v1/threads/"+id, admin, ""); status != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", status, body)
	}
}
