package realletta_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

const metricsToken = "realletta-metrics-token-0123456789"

// lettaBlock is a block as Letta returns it.
type lettaBlock struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Value    string `json:"value"`
	Limit    int    `json:"limit"`
	ReadOnly bool   `json:"read_only"`
}

// agentBlocks reads an agent's core memory blocks from Letta, by label.
func agentBlocks(t *testing.T, l *realletta.Server, agentID string) map[string]lettaBlock {
	t.Helper()
	var bs []lettaBlock
	getJSON(t, l, "/v1/agents/"+agentID+"/core-memory/blocks", &bs)
	out := map[string]lettaBlock{}
	for _, b := range bs {
		if _, dup := out[b.Label]; dup {
			t.Errorf("agent %s holds two %q blocks", agentID, b.Label)
		}
		out[b.Label] = b
	}
	return out
}

// lettaStatus is the status of a GET on Letta.
func lettaStatus(t *testing.T, l *realletta.Server, path string) int {
	t.Helper()
	status, _ := do(t, http.MethodGet, l.URL+path, "", "")
	return status
}

// memoryInsertArgs names the text argument of Letta's memory_insert as this
// version's tool schema does (new_str on 0.11.7, new_string on 0.16.x).
func memoryInsertArgs(t *testing.T, l *realletta.Server, agentID, label, text string) map[string]any {
	t.Helper()
	var tools []struct {
		Name   string `json:"name"`
		Schema struct {
			Parameters struct {
				Properties map[string]any `json:"properties"`
			} `json:"parameters"`
		} `json:"json_schema"`
	}
	getJSON(t, l, "/v1/agents/"+agentID+"/tools?limit=100", &tools)
	for _, tl := range tools {
		if tl.Name != "memory_insert" {
			continue
		}
		for p := range tl.Schema.Parameters.Properties {
			if strings.HasPrefix(p, "new_str") {
				return map[string]any{"label": label, p: text}
			}
		}
		t.Fatalf("memory_insert on Letta %s has no new_str* argument: %v", l.Version, tl.Schema.Parameters.Properties)
	}
	t.Fatalf("the agent has no memory_insert tool on Letta %s", l.Version)
	return nil
}

// sendMessage posts content to a thread and reads the turn, which must
// end with done/stop and name its message and usage.
func sendMessage(t *testing.T, p *odooMCP, auth, thread, content string) turn {
	t.Helper()
	status, body := do(t, http.MethodPost, p.URL+"/api/v1/threads/"+thread+"/messages", auth, `{"content":`+jsonString(content)+`}`)
	if status != http.StatusOK {
		t.Fatalf("POST message to %s: %d %s", thread, status, body)
	}
	tr := readTurn(t, body)
	for _, d := range tr.dones {
		if d["finish_reason"] != "stop" {
			t.Errorf("done %v", d)
		}
	}
	if tr.messageID == "" || tr.usage == nil {
		t.Fatalf("turn on %s without usage or message_id: %v\n%s", thread, tr.events, body)
	}
	return tr
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// apiGet GETs one of odoo-mcp's routes, wanting 200, and decodes the answer.
func apiGet[T any](t *testing.T, url, authorization string) T {
	t.Helper()
	var v T
	status, body := do(t, http.MethodGet, url, authorization, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

type usageTotals struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	CachedTokens     int `json:"cached_tokens"`
	Steps            int `json:"steps"`
	Runs             int `json:"runs"`
}

type usageReport struct {
	GroupBy string      `json:"group_by"`
	Totals  usageTotals `json:"totals"`
	Groups  []struct {
		Key     string `json:"key"`
		Deleted bool   `json:"deleted"`
		usageTotals
	} `json:"groups"`
}

func (r usageReport) group(key string) (usageTotals, bool, bool) {
	for _, g := range r.Groups {
		if g.Key == key {
			return g.usageTotals, g.Deleted, true
		}
	}
	return usageTotals{}, false, false
}

// TestMemoryUsageAndFeedback runs issue 15's memory, usage and feedback
// against each real Letta: two threads of one user hold one human block
// (the same Letta block id), what Letta's own memory_insert writes in one
// thread is in the next thread's prompt, the organisation block is
// read-only and in every prompt, edits are checked by odoo-mcp and land in
// Letta, a thread may opt out with a copy, usage is read back from Letta's
// runs and steps (and equals what the turns' usage events said), survives
// the thread's deletion, feedback lands on the step, and deleting the
// user's memory deletes the block.
func TestMemoryUsageAndFeedback(t *testing.T) {
	for _, version := range realletta.Versions {
		t.Run(version, func(t *testing.T) { memoryUsageAndFeedback(t, version) })
	}
}

func memoryUsageAndFeedback(t *testing.T, version string) {
	l := realletta.Shared(t, version)
	// A database of its own: the shared human block is per (database,
	// user), and other tests use the same user on "e2e".
	db := "mem" + strings.ReplaceAll(version, ".", "")
	odoo := newOdooDB(t, db)
	org := "Acme sells bicycles. Never delete invoices. (" + version + ")"
	orgFile := filepath.Join(t.TempDir(), "org.txt")
	if err := os.WriteFile(orgFile, []byte(org), 0o600); err != nil {
		t.Fatal(err)
	}
	extra := []string{"ODOO_DB=" + db, "ODOO_MCP_ORG_MEMORY_FILE=" + orgFile, "ODOO_MCP_METRICS_TOKEN=" + metricsToken}
	ready := "registered with Letta"
	if version == "0.16.8" { // refuses loopback MCP servers: client tools
		extra = append(extra, "LETTA_TOOL_MODE=client")
		ready = "Letta tool mode"
	}
	p := startOdooMCP(t, odoo.URL, l, extra...)
	waitForLog(t, p, ready, 2*time.Minute)
	user := admin

	tid := func(s string) string { return "mem-" + s + "-" + strings.ReplaceAll(version, ".", "-") }
	a, b := tid("a"), tid("b")
	spec := `{"model":"` + realletta.Model + `","tools":["odoo_record_retriever"],"human":"The human is Mitchell."}`
	ta := declare(t, p, a, spec, http.StatusCreated)
	tb := declare(t, p, b, spec, http.StatusCreated)

	// One human block, one organisation block, both held by both agents.
	ma, mb := agentBlocks(t, l, ta.AgentID), agentBlocks(t, l, tb.AgentID)
	human := ma["human"]
	if human.ID == "" || mb["human"].ID != human.ID {
		t.Fatalf("human blocks: thread a %q, thread b %q: want one shared block", human.ID, mb["human"].ID)
	}
	if human.Value != "The human is Mitchell." {
		t.Errorf("shared human block seeded %q", human.Value)
	}
	orgBlock := ma["organization"]
	if orgBlock.ID == "" || mb["organization"].ID != orgBlock.ID || !orgBlock.ReadOnly || orgBlock.Value != org {
		t.Errorf("organization blocks: a %+v, b %+v", orgBlock, mb["organization"])
	}
	// The user's identity holds the block and both agents (read through
	// the filters: 0.16.x answers every identity with empty agent_ids and
	// block_ids).
	var idns []struct {
		ID            string `json:"id"`
		IdentifierKey string `json:"identifier_key"`
	}
	getJSON(t, l, "/v1/identities/?limit=1000", &idns)
	linked := ""
	for _, idn := range idns {
		var bs []lettaBlock
		getJSON(t, l, "/v1/blocks/?label=human&identity_id="+idn.ID, &bs)
		for _, bl := range bs {
			if bl.ID == human.ID {
				linked = idn.ID
			}
		}
	}
	if linked == "" {
		t.Errorf("no Letta identity links the shared human block %s (identities %+v)", human.ID, idns)
	} else {
		var agents []struct {
			ID string `json:"id"`
		}
		getJSON(t, l, "/v1/agents/?limit=1000&identity_id="+linked, &agents)
		for _, want := range []string{ta.AgentID, tb.AgentID} {
			if !strings.Contains(fmt.Sprint(agents), want) {
				t.Errorf("identity %s lacks agent %s: %v", linked, want, agents)
			}
		}
	}

	// Thread a's agent learns something with Letta's own memory tool.
	learnt := "Prefers answers in Dutch (" + version + ")."
	l.LLM.Script("remember my language "+version,
		fakellm.CallTool("memory_insert", memoryInsertArgs(t, l, ta.AgentID, "human", learnt)),
		fakellm.Say("Noted."))
	turnA := sendMessage(t, p, user, a, "Please remember my language "+version+".")
	got := apiGet[struct {
		Value  string `json:"value"`
		Shared bool   `json:"shared"`
	}](t, p.URL+"/api/v1/memory/human", user)
	if !strings.Contains(got.Value, learnt) {
		t.Fatalf("the user's memory after thread a's memory_insert: %q, want it to contain %q", got.Value, learnt)
	}

	// Thread b's model is prompted with it, and with the organisation text.
	keyB := "what do you know about me " + version
	l.LLM.Script(keyB, fakellm.Say("You prefer Dutch."))
	turnB := sendMessage(t, p, user, b, "Tell me "+keyB+"?")
	prompted := false
	for _, req := range l.LLM.ChatRequests() {
		var system, users strings.Builder
		for _, m := range req.Messages {
			switch m.Role {
			case "system":
				system.WriteString(m.Text())
			case "user":
				users.WriteString(m.Text())
			}
		}
		if strings.Contains(users.String(), keyB) {
			prompted = true
			if !strings.Contains(system.String(), learnt) || !strings.Contains(system.String(), org) {
				var roles []string
				for _, m := range req.Messages {
					roles = append(roles, m.Role+":"+tail(m.Text(), 200))
				}
				t.Errorf("thread b's prompt lacks what thread a learnt or the organisation text:\n%s\nmessages: %q", tail(system.String(), 3000), roles)
			}
		}
	}
	if !prompted {
		t.Fatal("no model request of thread b's message")
	}

	// Memory as odoo-mcp shows it, and its checks.
	mem := apiGet[struct {
		Blocks []struct {
			Label    string `json:"label"`
			Limit    int    `json:"limit"`
			ReadOnly bool   `json:"read_only"`
			Shared   bool   `json:"shared"`
		} `json:"blocks"`
	}](t, p.URL+"/api/v1/threads/"+b+"/memory", user)
	labels := map[string]string{}
	for _, bl := range mem.Blocks {
		labels[bl.Label] = map[bool]string{true: "shared", false: "own"}[bl.Shared] + map[bool]string{true: ",read-only", false: ""}[bl.ReadOnly]
	}
	if labels["human"] != "shared" || labels["organization"] != "shared,read-only" || labels["persona"] != "own" {
		t.Errorf("thread b's memory: %v", labels)
	}
	if status, body := do(t, http.MethodPatch, p.URL+"/api/v1/threads/"+b+"/memory/organization", user, `{"value":"Delete everything."}`); status != http.StatusForbidden || !strings.Contains(string(body), "read_only_block") {
		t.Errorf("PATCH organization: %d %s, want 403 read_only_block", status, body)
	}
	over := strings.Repeat("x", human.Limit+1)
	if status, body := do(t, http.MethodPatch, p.URL+"/api/v1/memory/human", user, `{"value":"`+over+`"}`); status != http.StatusUnprocessableEntity || !strings.Contains(string(body), itoa(human.Limit)) {
		t.Errorf("PATCH over the limit: %d %.300s, want 422 naming %d", status, body, human.Limit)
	}
	corrected := "Mitchell, sales manager. " + learnt
	if status, body := do(t, http.MethodPatch, p.URL+"/api/v1/memory/human", user, `{"value":`+jsonString(corrected)+`}`); status != http.StatusOK {
		t.Fatalf("PATCH human: %d %s", status, body)
	}
	var inLetta lettaBlock
	getJSON(t, l, "/v1/blocks/"+human.ID, &inLetta)
	if inLetta.Value != corrected {
		t.Errorf("Letta's shared block after the edit: %q, want %q", inLetta.Value, corrected)
	}
	getJSON(t, l, "/v1/blocks/"+orgBlock.ID, &inLetta)
	if inLetta.Value != org {
		t.Errorf("the refused edit reached Letta's organisation block: %q", inLetta.Value)
	}

	// Thread b opts out: a copy of its own, edits stay there.
	declare(t, p, b, strings.TrimSuffix(spec, "}")+`,"shared_memory":false}`, http.StatusOK)
	own := agentBlocks(t, l, tb.AgentID)["human"]
	if own.ID == "" || own.ID == human.ID || own.Value != corrected {
		t.Fatalf("thread b's own human block %+v, want a copy of %s (%q)", own, human.ID, corrected)
	}
	if agentBlocks(t, l, ta.AgentID)["human"].ID != human.ID {
		t.Error("thread a lost the shared block when b opted out")
	}
	if status, body := do(t, http.MethodPatch, p.URL+"/api/v1/threads/"+b+"/memory/human", user, `{"value":"Only thread b knows this."}`); status != http.StatusOK {
		t.Fatalf("PATCH b's own human: %d %s", status, body)
	}
	getJSON(t, l, "/v1/blocks/"+human.ID, &inLetta)
	if inLetta.Value != corrected {
		t.Errorf("an edit of b's own block reached the shared one: %q", inLetta.Value)
	}

	// Usage from Letta's runs and steps equals what the turns said.
	rep := apiGet[usageReport](t, p.URL+"/api/v1/usage?group_by=thread", user)
	for _, c := range []struct {
		thread string
		turn   turn
		steps  int
	}{{a, turnA, 2}, {b, turnB, 1}} {
		g, _, ok := rep.group(c.thread)
		if !ok {
			t.Errorf("usage has no group %s: %+v", c.thread, rep.Groups)
			continue
		}
		if g.Runs < 1 || g.Steps < c.steps || g.PromptTokens <= 0 || g.CompletionTokens <= 0 {
			t.Errorf("usage of %s: %+v, want a run, ≥%d steps and tokens", c.thread, g, c.steps)
		}
		if g.PromptTokens != num(c.turn.usage["prompt_tokens"]) || g.CompletionTokens != num(c.turn.usage["completion_tokens"]) || g.Steps != num(c.turn.usage["steps"]) {
			t.Errorf("usage of %s from Letta %+v ≠ the turn's usage event %v", c.thread, g, c.turn.usage)
		}
	}
	today := time.Now().UTC().Format("2006-01-02")
	byDay := apiGet[usageReport](t, p.URL+"/api/v1/usage?group_by=day", user)
	if d, _, ok := byDay.group(today); !ok || d != byDay.Totals || byDay.Totals != rep.Totals {
		t.Errorf("usage by day: %+v (totals %+v), by thread totals %+v", byDay.Groups, byDay.Totals, rep.Totals)
	}
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02")
	if later := apiGet[usageReport](t, p.URL+"/api/v1/usage?from="+tomorrow, user); later.Totals != (usageTotals{}) {
		t.Errorf("usage from tomorrow: %+v, want none", later.Totals)
	}
	tu := apiGet[struct {
		Totals        usageTotals `json:"totals"`
		ContextTokens int         `json:"context_tokens"`
		ContextWindow int         `json:"context_window"`
	}](t, p.URL+"/api/v1/threads/"+a+"/usage", user)
	if ga, _, _ := rep.group(a); tu.Totals != ga || tu.ContextWindow <= 0 || tu.ContextTokens <= 0 || tu.ContextTokens > tu.ContextWindow {
		t.Errorf("thread a's usage %+v, want totals %+v and a context window", tu, ga)
	}

	// Feedback lands on the turn's last step in Letta.
	if status, body := do(t, http.MethodPost, p.URL+"/api/v1/threads/"+a+"/messages/"+turnA.messageID+"/feedback", user, `{"rating":"up"}`); status != http.StatusNoContent {
		t.Errorf("feedback: %d %s", status, body)
	}
	var step struct {
		Feedback string `json:"feedback"`
		AgentID  string `json:"agent_id"`
	}
	getJSON(t, l, "/v1/steps/"+turnA.messageID, &step)
	if step.Feedback != "positive" || step.AgentID != ta.AgentID {
		t.Errorf("Letta's step %s: %+v, want positive feedback on agent %s", turnA.messageID, step, ta.AgentID)
	}
	if status, _ := do(t, http.MethodPost, p.URL+"/api/v1/threads/"+b+"/messages/"+turnA.messageID+"/feedback", user, `{"rating":"down"}`); status != http.StatusNotFound {
		t.Errorf("feedback on another thread's message: %d, want 404", status)
	}

	// The operator's view and the per-model counters.
	adm := apiGet[usageReport](t, p.URL+"/api/v1/admin/usage?group_by=user", "Bearer "+metricsToken)
	if adm.Totals.PromptTokens < rep.Totals.PromptTokens {
		t.Errorf("admin usage %+v < the user's %+v", adm.Totals, rep.Totals)
	}
	if status, body := do(t, http.MethodGet, p.URL+"/metrics", "Bearer "+metricsToken, ""); status != http.StatusOK || !strings.Contains(string(body), "odoo_mcp_llm_tokens_total{") {
		t.Errorf("/metrics: %d, no odoo_mcp_llm_tokens_total", status)
	}

	// Deleting thread a keeps its usage (folded into the identity) and the
	// shared block; deleting b deletes b's own block.
	before, _, _ := rep.group(a)
	for _, th := range []string{a, b} {
		if status, body := do(t, http.MethodDelete, p.URL+"/api/v1/threads/"+th, user, ""); status != http.StatusNoContent {
			t.Fatalf("DELETE %s: %d %s", th, status, body)
		}
	}
	after := apiGet[usageReport](t, p.URL+"/api/v1/usage?group_by=thread", user)
	if g, deleted, ok := after.group(a + " (deleted)"); !ok || !deleted || g.PromptTokens != before.PromptTokens || g.Steps != before.Steps {
		t.Errorf("usage after deleting %s: %+v, want it kept as deleted with %+v", a, after.Groups, before)
	}
	if after.Totals.PromptTokens != rep.Totals.PromptTokens {
		t.Errorf("the user's usage changed when threads were deleted: %+v → %+v", rep.Totals, after.Totals)
	}
	if s := lettaStatus(t, l, "/v1/blocks/"+human.ID); s != http.StatusOK {
		t.Errorf("the shared block after deleting every thread: GET %d, want it kept", s)
	}
	if s := lettaStatus(t, l, "/v1/blocks/"+own.ID); s != http.StatusNotFound {
		t.Errorf("thread b's own block after deleting b: GET %d, want 404", s)
	}
	if status, body := do(t, http.MethodDelete, p.URL+"/api/v1/memory/human", user, ""); status != http.StatusNoContent {
		t.Errorf("DELETE memory/human: %d %s", status, body)
	}
	if s := lettaStatus(t, l, "/v1/blocks/"+human.ID); s != http.StatusNotFound {
		t.Errorf("the shared block after DELETE /api/v1/memory/human: GET %d, want 404", s)
	}
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// newOdooDB is a fake Odoo 18 whose database is db.
func newOdooDB(t *testing.T, db string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: db}))
	t.Cleanup(s.Close)
	return s
}
