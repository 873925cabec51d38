package threads

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// clientEnv is odoo-mcp in client-tools mode with nothing but Letta's URL:
// no public URL, no signing key, no registration.
func clientEnv(t testing.TB, mutate ...func(*Options)) *env {
	return newEnv(t, fakeletta.VersionNew, func(o *envOptions) {
		o.register = false
		o.orch = func(opts *Options) {
			opts.ToolMode, opts.PublicURL, opts.Tokens = ToolModeAuto, "", nil
			for _, m := range mutate {
				m(opts)
			}
		}
	})
}

// content joins a reply's content events.
func content(evs []sseEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		if ev.Name == EventContent {
			b.WriteString(ev.Data["text"].(string))
		}
	}
	return b.String()
}

func last(evs []sseEvent) map[string]any {
	if len(evs) == 0 {
		return nil
	}
	return evs[len(evs)-1].Data
}

// TestClientModeSixTools: each tool runs in odoo-mcp as the thread's user,
// Letta never calls odoo-mcp, and the caller sees one stream per message.
func TestClientModeSixTools(t *testing.T) {
	e := clientEnv(t)
	mode, reason, err := e.orch.ToolMode(context.Background())
	if err != nil || mode != ToolModeClient || !strings.Contains(reason, "0.16.8") {
		t.Fatalf("auto mode on Letta 0.16.8: %q %q %v", mode, reason, err)
	}
	th := e.declare(admin, "six", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	a := e.agent(th.AgentID)
	if len(a.ToolIDs) != 3 || len(a.EnvVars) != 0 { // Letta's three base tools only; no token
		t.Errorf("agent tools %v, env %v", a.ToolIDs, a.EnvVars)
	}
	if len(e.letta.MCPServers()) != 0 {
		t.Errorf("client mode registered an MCP server: %v", e.letta.MCPServers())
	}
	calls := []struct{ tool, args, want string }{
		{"odoo_model_inspector", `{"model":"res.partner"}`, `"model":"res.partner"`},
		{"odoo_record_retriever", `{"model":"res.partner","fields":["name"],"limit":2}`, `"records":[`},
		{"odoo_record_creator", `{"model":"res.partner","fields":[{"field":"name","value":"Client Tools Ltd"}]}`, `"display_name":"Client Tools Ltd"`},
		{"odoo_record_updater", `{"model":"res.partner","domain":[["name","=","Client Tools Ltd"]],"values":[{"field":"phone","value":"+32 2 555"}]}`, `"count":1`},
		{"odoo_model_method_executor", `{"model":"res.partner","method":"name_search","kwargs":[{"name":"name","value":"Client Tools"}]}`, `Client Tools Ltd`},
		{"odoo_record_unlinker", `{"model":"res.partner","domain":[["name","=","Client Tools Ltd"]]}`, `"deleted_count":1`},
	}
	for _, c := range calls {
		_, evs := e.send(admin, "six", "call "+c.tool+" "+c.args)
		got := names(evs)
		want := []string{EventToolCall, EventToolReturn, EventContent, EventUsage, EventDone}
		if !slices.Equal(compactNames(got), want) {
			t.Errorf("%s: events %v, want %v", c.tool, got, want)
			continue
		}
		ret := evs[slices.Index(got, EventToolReturn)].Data
		if ret["status"] != "success" || !strings.Contains(ret["content"].(string), c.want) || ret["name"] != c.tool {
			t.Errorf("%s: tool_return %v", c.tool, ret)
		}
		call := evs[0].Data
		if b, _ := json.Marshal(call["arguments"]); !jsonEqual(string(b), c.args) {
			t.Errorf("%s: tool_call arguments %s", c.tool, b)
		}
		if !strings.HasPrefix(content(evs), c.tool+" returned: ") {
			t.Errorf("%s: content %q", c.tool, content(evs))
		}
		if u := evs[len(evs)-2].Data; u["steps"] != 2.0 || u["total_tokens"].(float64) <= 4000 {
			t.Errorf("%s: usage not summed over the turn: %v", c.tool, u)
		}
		if d := last(evs); d["finish_reason"] != "stop" || d["stop_reason"] != "end_turn" {
			t.Errorf("%s: done %v", c.tool, d)
		}
	}
	// An error result carries the same short text an MCP caller gets.
	_, evs := e.send(admin, "six", `call odoo_record_retriever {"model":"no.such.model"}`)
	ret := evs[slices.Index(names(evs), EventToolReturn)].Data
	if ret["status"] != "error" || !strings.Contains(ret["content"].(string), "no such model") {
		t.Errorf("error result %v", ret)
	}
	// A tool the thread was not given is refused, not run.
	e.declare(admin, "narrow", Spec{Model: chatModel, Tools: &[]string{"odoo_model_inspector"}}, http.StatusCreated)
	_, evs = e.send(admin, "narrow", `call odoo_record_retriever {"model":"res.partner"}`)
	if !strings.Contains(content(evs), "I don't have a tool named odoo_record_retriever") {
		t.Errorf("undeclared tool: %q", content(evs))
	}
	// Nothing secret is stored in Letta: no variable, no token, no key.
	for _, ag := range e.letta.Agents() {
		raw, _ := json.Marshal(ag)
		if strings.Contains(string(raw), "eyJ") || strings.Contains(string(raw), "admin") && strings.Contains(string(raw), "key") {
			t.Errorf("agent %s holds something secret-looking: %s", ag.ID, raw)
		}
	}
}

// TestClientModeParallelCallsAnsweredTogether: two calls in one pause run
// (reads, in parallel) and go back in one resume.
func TestClientModeParallelCallsAnsweredTogether(t *testing.T) {
	e := clientEnv(t)
	th := e.declare(admin, "par", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	e.letta.SetParallelToolCalls(th.AgentID, true)
	before := e.requests(http.MethodPost, "/v1/agents/")
	_, evs := e.send(admin, "par", "call odoo_record_retriever {\"model\":\"res.partner\",\"limit\":1}\nalso odoo_model_inspector {\"model\":\"res.users\"}")
	if got := compactNames(names(evs)); !slices.Equal(got, []string{EventToolCall, EventToolReturn, EventContent, EventUsage, EventDone}) {
		t.Fatalf("events %v", names(evs))
	}
	if n := strings.Count(strings.Join(names(evs), ","), EventToolReturn); n != 2 {
		t.Errorf("%d tool returns", n)
	}
	if got := e.requests(http.MethodPost, "/v1/agents/") - before; got != 2 {
		t.Errorf("%d requests to Letta for one pause with two calls, want 2 (message, one resume)", got)
	}
	if c := content(evs); !strings.Contains(c, "odoo_record_retriever returned") || !strings.Contains(c, "odoo_model_inspector returned") {
		t.Errorf("content %q", c)
	}
	// Without parallel_tool_calls (Letta's default) the same calls come in
	// two pauses: still one stream, one usage, one done.
	e.declare(admin, "seq", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	_, evs = e.send(admin, "seq", "call odoo_record_retriever {\"model\":\"res.partner\",\"limit\":1}\nalso odoo_model_inspector {\"model\":\"res.users\"}")
	want := []string{EventToolCall, EventToolReturn, EventToolCall, EventToolReturn, EventContent, EventUsage, EventDone}
	if got := compactNames(names(evs)); !slices.Equal(got, want) {
		t.Errorf("sequential pauses: %v", names(evs))
	}
	if u := evs[len(evs)-2].Data; u["steps"] != 3.0 {
		t.Errorf("usage over three requests: %v", u)
	}
}

// TestClientModeLoopingModel: past the round limit the calls are answered
// without running and the turn goes on without tools, so the model answers
// and no pause is left behind.
func TestClientModeLoopingModel(t *testing.T) {
	e := clientEnv(t, func(o *Options) { o.MaxToolRounds = 3 })
	e.declare(admin, "loop", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	_, evs := e.send(admin, "loop", `loop odoo_model_inspector {"model":"res.partner"}`)
	var statuses []string
	for _, ev := range evs {
		if ev.Name == EventToolReturn {
			statuses = append(statuses, ev.Data["status"].(string))
		}
	}
	if !slices.Equal(statuses, []string{"success", "success", "success", "error"}) {
		t.Errorf("tool returns %v: %v", statuses, names(evs))
	}
	if d := last(evs); d["finish_reason"] != "tool_round_limit" || d["stop_reason"] != "end_turn" {
		t.Errorf("done %v", d)
	}
	if !strings.Contains(content(evs), "not run: the limit of 3 tool rounds") {
		t.Errorf("the model was not told: %q", content(evs))
	}
	th := e.do(http.MethodGet, "/api/v1/threads/loop", admin, nil).thread(t)
	if e.agent(th.AgentID).Pending {
		t.Error("a pause was left behind")
	}
	_, evs = e.send(admin, "loop", "hello again")
	if d := last(evs); d["finish_reason"] != "stop" || content(evs) != "You said: hello again" {
		t.Errorf("next message: %v %q", names(evs), content(evs))
	}
}

// blockingRunner blocks the first call of a tool until the request ends.
type blockingRunner struct {
	inner   ToolRunner
	started chan struct{}
	once    sync.Once
}

func (b *blockingRunner) RunTool(ctx context.Context, id *auth.Identity, thread, name string, args json.RawMessage) (string, bool, error) {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.started)
		<-ctx.Done()
		return "", true, ctx.Err()
	}
	return b.inner.RunTool(ctx, id, thread, name, args)
}

// TestClientModeCallerLeavesMidRound: the caller disconnects while a tool
// runs; the pause stays in Letta and the next message resolves it (the
// call answered as abandoned, not run again) instead of Letta's 409.
func TestClientModeCallerLeavesMidRound(t *testing.T) {
	br := &blockingRunner{started: make(chan struct{})}
	e := clientEnv(t, func(o *Options) { br.inner = o.Runner; o.Runner = br })
	e.declare(admin, "gone", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.appSrv.URL+"/api/v1/threads/gone/messages",
		strings.NewReader(`{"content":"call odoo_record_creator {\"model\":\"res.partner\",\"fields\":[{\"field\":\"name\",\"value\":\"X\"}]}"}`))
	req.Header.Set("Authorization", admin)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	<-br.started
	cancel()
	_, _ = bufio.NewReader(resp.Body).ReadString(0)
	resp.Body.Close()
	eventually(t, 5e9, "the pause to stay in Letta", func() bool {
		for _, a := range e.letta.Agents() {
			if a.Pending {
				return true
			}
		}
		return false
	})
	th := e.do(http.MethodGet, "/api/v1/threads/gone", admin, nil).thread(t)
	if len(th.PendingApprovals) != 0 {
		t.Errorf("a leftover client call shows as an approval: %v", th.PendingApprovals)
	}
	_, evs := e.send(admin, "gone", "are you there?")
	if d := last(evs); d["finish_reason"] != "stop" {
		t.Fatalf("next message: %v", names(evs))
	}
	if c := content(evs); !strings.Contains(c, "odoo_record_creator failed: Error: odoo-mcp did not finish this call") {
		t.Errorf("content %q", c)
	}
	if n := e.countPartners("X"); n != 0 {
		t.Errorf("the abandoned create ran: %d partners", n)
	}
}

// TestApprovalsClientMode: a write waits for the user; a second replica
// takes the answer; approved runs, denied reaches the agent with the reason.
func TestApprovalsClientMode(t *testing.T) {
	e := clientEnv(t)
	replica := e.newOrchestrator(func(o *Options) { o.ToolMode, o.PublicURL, o.Tokens, o.Runner = ToolModeClient, "", nil, e.runner })
	srv2 := httptest.NewServer(e.appWithThreads(replica))
	t.Cleanup(srv2.Close)
	approve := Approve{"odoo_record_creator"}
	th := e.declare(admin, "ask", Spec{Model: chatModel, Tools: &allTools, Approve: &approve}, http.StatusCreated)
	if !slices.Equal(th.Approve, []string{"odoo_record_creator"}) {
		t.Errorf("approve %v", th.Approve)
	}
	for _, ok := range []bool{true, false} {
		_, evs := e.send(admin, "ask", `call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Asked"}]}`)
		if got := names(evs); !slices.Equal(got, []string{EventToolCall, EventApprovalRequired, EventUsage, EventDone}) || last(evs)["finish_reason"] != "approval_required" {
			t.Fatalf("events %v %v", got, last(evs))
		}
		callID := evs[1].Data["id"].(string)
		if evs[1].Data["name"] != "odoo_record_creator" || evs[1].Data["arguments"].(map[string]any)["model"] != "res.partner" {
			t.Errorf("approval_required %v", evs[1].Data)
		}
		got := e.do(http.MethodGet, "/api/v1/threads/ask", admin, nil).thread(t)
		if len(got.PendingApprovals) != 1 || got.PendingApprovals[0].ID != callID {
			t.Errorf("GET shows %v", got.PendingApprovals)
		}
		// Wrong answers are refused with what is pending.
		r := e.do(http.MethodPost, "/api/v1/threads/ask/approvals", admin, map[string]any{"decisions": []any{map[string]any{"id": "call_x", "approve": true}}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), callID) {
			t.Errorf("unknown call: %d %s", r.status, r.body)
		}
		// The other replica answers.
		body, _ := json.Marshal(map[string]any{"decisions": []any{map[string]any{"id": callID, "approve": ok, "reason": "not today"}}})
		req, _ := http.NewRequest(http.MethodPost, srv2.URL+"/api/v1/threads/ask/approvals", strings.NewReader(string(body)))
		req.Header.Set("Authorization", admin)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			buf.WriteString(sc.Text() + "\n")
		}
		resp.Body.Close()
		evs = parseSSE(t, []byte(buf.String()))
		ret := evs[slices.Index(names(evs), EventToolReturn)].Data
		want := "odoo_record_creator returned: "
		if !ok {
			want = "odoo_record_creator failed: Error: request to call tool denied. User reason: not today"
			if ret["status"] != "error" {
				t.Errorf("denied tool_return %v", ret)
			}
		} else if ret["status"] != "success" {
			t.Errorf("approved tool_return %v", ret)
		}
		if !strings.HasPrefix(content(evs), want) || last(evs)["finish_reason"] != "stop" {
			t.Errorf("approve=%v: %v %q", ok, names(evs), content(evs))
		}
		r = e.do(http.MethodPost, "/api/v1/threads/ask/approvals", admin, map[string]any{"decisions": []any{map[string]any{"id": callID, "approve": true}}})
		if r.status != http.StatusConflict {
			t.Errorf("answering twice: %d %s", r.status, r.body)
		}
	}
	if n := e.countPartners("Asked"); n != 1 {
		t.Errorf("%d partners created, want 1 (the approved one)", n)
	}
}

// TestApprovalsMCPMode: Letta's per-tool switch makes Letta pause before
// calling the tool over MCP; the answer resumes it.
func TestApprovalsMCPMode(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew)
	th := e.declare(admin, "m", map[string]any{"model": chatModel, "tools": allTools, "approve": "writes"}, http.StatusCreated)
	if got := e.agent(th.AgentID).ApprovalTools; len(got) != 4 {
		t.Fatalf("approval switches %v", got)
	}
	_, evs := e.send(admin, "m", `call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Via MCP"}]}`)
	if last(evs)["finish_reason"] != "approval_required" {
		t.Fatalf("events %v", names(evs))
	}
	callID := evs[slices.Index(names(evs), EventApprovalRequired)].Data["id"].(string)
	if got := e.do(http.MethodGet, "/api/v1/threads/m", admin, nil).thread(t); len(got.PendingApprovals) != 1 || got.PendingApprovals[0].ID != callID {
		t.Errorf("GET shows %v", got.PendingApprovals)
	}
	r := e.do(http.MethodPost, "/api/v1/threads/m/approvals", admin, map[string]any{"decisions": []any{map[string]any{"id": callID, "approve": true}}})
	evs = parseSSE(t, r.body)
	if !strings.HasPrefix(content(evs), "odoo_record_creator returned: ") || last(evs)["finish_reason"] != "stop" {
		t.Errorf("approved: %v %q", names(evs), content(evs))
	}
	// Reads do not wait.
	_, evs = e.send(admin, "m", `call odoo_model_inspector {"model":"res.partner"}`)
	if last(evs)["finish_reason"] != "stop" {
		t.Errorf("read: %v", names(evs))
	}
	// Declaring no approvals turns the switches off.
	e.declare(admin, "m", map[string]any{"model": chatModel, "approve": []string{}}, http.StatusOK)
	if got := e.agent(th.AgentID).ApprovalTools; len(got) != 0 {
		t.Errorf("approval switches after approve [] %v", got)
	}
}

func TestCutResultKeepsValidJSON(t *testing.T) {
	var recs []string
	for i := range 200 {
		recs = append(recs, `{"id":`+strings.Repeat("1", 1)+`,"name":"`+strings.Repeat("x", 50)+`","i":`+string(rune('0'+i%10))+`}`)
	}
	full := `{"model":"res.partner","records":[` + strings.Join(recs, ",") + `],"count":200,"offset":0,"limit":200,"has_more":false}`
	got := cutResult(full, 5000)
	var m map[string]any
	if len(got) > 5000 || json.Unmarshal([]byte(got), &m) != nil {
		t.Fatalf("cut result is %d characters or not JSON", len(got))
	}
	n := len(m["records"].([]any))
	if n == 0 || n >= 200 || m["has_more"] != true || m["next_offset"] != float64(n) || !strings.Contains(m["note"].(string), "offset") {
		t.Errorf("cut: %d records, %v %v %v", n, m["has_more"], m["next_offset"], m["note"])
	}
	other := `{"fields":{"a":"` + strings.Repeat("é", 4000) + `"}}`
	got = cutResult(other, 5000)
	if len(got) > 5000 || json.Unmarshal([]byte(got), &m) != nil || m["truncated"] != true {
		t.Errorf("generic cut: %d %s", len(got), got[:80])
	}
	if cutResult(`{"a":1}`, 5000) != `{"a":1}` {
		t.Error("a short result changed")
	}
}

func compactNames(ns []string) []string {
	var out []string
	for _, n := range ns {
		if len(out) == 0 || out[len(out)-1] != n {
			out = append(out, n)
		}
	}
	return out
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// countPartners counts the partners named name, through the tools.
func (e *env) countPartners(name string) int {
	e.t.Helper()
	id, err := e.authn.Authenticate(context.Background(), admin)
	if err != nil {
		e.t.Fatal(err)
	}
	args, _ := json.Marshal(map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "=", name}}, "fields": []string{"name"}})
	text, isErr, err := e.runner.RunTool(context.Background(), id, "", "odoo_record_retriever", args)
	if err != nil || isErr {
		e.t.Fatalf("count partners: %v %s", err, text)
	}
	var r struct{ Count int }
	_ = json.Unmarshal([]byte(text), &r)
	return r.Count
}

// TestLeftoverPauseFoundOnConflict: the lookup does not show the pause (a run
// started elsewhere paused between lookup and send); Letta's CONFLICT is
// caught before the caller sees anything, the pause is read and resolved,
// and the message goes through.
func TestLeftoverPauseFoundOnConflict(t *testing.T) {
	for _, before := range []bool{false, true} {
		// before: Letta refuses with HTTP 409 before the stream starts
		// (as its POST …/messages does) rather than with error frames.
		t.Run(fmt.Sprintf("409=%v", before), func(t *testing.T) { leftoverPauseOnConflict(t, before) })
	}
}

func leftoverPauseOnConflict(t *testing.T, before bool) {
	e := clientEnv(t)
	th := e.declare(admin, "race", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	// A run started outside odoo-mcp (Letta's UI, say) pauses on a client tool.
	body := `{"messages":[{"role":"user","content":"call odoo_record_unlinker {\"model\":\"res.partner\",\"domain\":[[\"id\",\"=\",1]]}"}],` +
		`"client_tools":[{"name":"odoo_record_unlinker"}]}`
	resp, err := http.Post(e.lettaSrv.URL+"/v1/agents/"+th.AgentID+"/messages/stream", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body) // the whole run: closing early would cancel it
	resp.Body.Close()
	if !e.agent(th.AgentID).Pending {
		t.Fatal("the outside run did not pause")
	}
	// Hide pending_approval from lookups.
	inner := e.lettaSrv.Config.Handler
	e.lettaSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v1/agents/" {
			q := r.URL.Query()
			q.Del("include")
			r.URL.RawQuery = q.Encode()
		}
		if before && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages/stream") && e.agent(th.AgentID).Pending {
			b, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(b), `"type":"approval"`) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				fmt.Fprint(w, `{"detail":"CONFLICT: Cannot send a new message: The agent is waiting for approval on a tool call. Please approve or deny the pending request before continuing."}`)
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(b)))
		}
		inner.ServeHTTP(w, r)
	})
	_, evs := e.send(admin, "race", "hello")
	if d := last(evs); d["finish_reason"] != "stop" || !strings.Contains(content(evs), "odoo_record_unlinker failed: Error: odoo-mcp did not finish this call") {
		t.Errorf("events %v, content %q", names(evs), content(evs))
	}
	if slices.Contains(names(evs), EventError) {
		t.Errorf("the conflict reached the caller: %v", evs)
	}
}

// TestApprovalSupersededAndJSON: a new message instead of an answer denies
// the waiting call; approvals also answer in JSON.
func TestApprovalSupersededAndJSON(t *testing.T) {
	for _, mode := range []string{ToolModeClient, ToolModeMCP} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, fakeletta.VersionNew, func(o *envOptions) { o.orch = func(opts *Options) { opts.ToolMode = mode } })
			approve := Approve{"odoo_record_unlinker"}
			th := e.declare(admin, "sup", Spec{Model: chatModel, Tools: &allTools, Approve: &approve}, http.StatusCreated)
			call := `call odoo_record_unlinker {"model":"res.partner","domain":[["name","=","Nobody"]]}`
			if _, evs := e.send(admin, "sup", call); last(evs)["finish_reason"] != "approval_required" {
				t.Fatalf("events %v", names(evs))
			}
			_, evs := e.send(admin, "sup", "never mind")
			if c := content(evs); !strings.Contains(c, "the user sent a new message instead of answering the approval request") || last(evs)["finish_reason"] != "stop" {
				t.Errorf("superseded: %v %q", names(evs), c)
			}
			_, evs = e.send(admin, "sup", call)
			id := evs[slices.Index(names(evs), EventApprovalRequired)].Data["id"].(string)
			r := e.do(http.MethodPost, "/api/v1/threads/sup/approvals", admin,
				map[string]any{"decisions": []any{map[string]any{"id": id, "approve": true}}}, "Accept", "application/json")
			var reply Reply
			if r.status != http.StatusOK || json.Unmarshal(r.body, &reply) != nil {
				t.Fatalf("JSON approval: %d %s", r.status, r.body)
			}
			if reply.FinishReason != "stop" || !strings.HasPrefix(reply.Content, "odoo_record_unlinker returned: ") || reply.AgentID != th.AgentID {
				t.Errorf("JSON reply %+v", reply)
			}
			if mode == ToolModeClient && (len(reply.ToolCalls) != 1 || reply.ToolCalls[0].ID != id || reply.ToolCalls[0].Status != "success") {
				t.Errorf("JSON reply tool calls %+v", reply.ToolCalls)
			}
		})
	}
}

func TestCallAssembler(t *testing.T) {
	ev := func(raw string) letta.Event {
		return letta.Event{Type: letta.TypeApprovalRequest, Raw: json.RawMessage(raw)}
	}
	var a callAssembler
	// Token fragments: each names its call id (Letta 0.16.8), or continues
	// the last one; two calls interleave.
	a.add(ev(`{"tool_calls":{"name":"odoo_record_retriever","arguments":"{\"mo","tool_call_id":"call_1"}}`))
	a.add(ev(`{"tool_calls":{"name":"odoo_model_inspector","arguments":"{\"model\":","tool_call_id":"call_2"}}`))
	a.add(ev(`{"tool_calls":{"name":null,"arguments":"del\":\"a\"}","tool_call_id":"call_1"}}`))
	a.add(ev(`{"tool_calls":{"name":null,"arguments":"\"b\"}","tool_call_id":"call_2"}}`))
	a.add(ev(`{"tool_call":{"name":null,"arguments":"","tool_call_id":null}}`))
	got := a.list()
	want := []letta.ToolCall{{Name: "odoo_record_retriever", Arguments: `{"model":"a"}`, ToolCallID: "call_1"}, {Name: "odoo_model_inspector", Arguments: `{"model":"b"}`, ToolCallID: "call_2"}}
	if !slices.Equal(got, want) {
		t.Errorf("fragments: %+v", got)
	}
	// A whole message (step streaming) carries the list; it replaces.
	a.add(ev(`{"tool_calls":[{"name":"odoo_record_retriever","arguments":"{\"model\":\"a\"}","tool_call_id":"call_1"}]}`))
	if got := a.list(); !slices.Equal(got, want) {
		t.Errorf("whole message after fragments: %+v", got)
	}
}

// TestMCPThreadMovesToClientMode: a thread made in MCP mode, used by an
// odoo-mcp in client mode, loses its token and MCP tools in Letta.
func TestMCPThreadMovesToClientMode(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew)
	th := e.declare(admin, "move", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	if _, ok := e.agent(th.AgentID).EnvVars[TokenVar]; !ok {
		t.Fatal("MCP mode gave no token")
	}
	client := e.newOrchestrator(func(o *Options) { o.ToolMode, o.PublicURL, o.Tokens = ToolModeClient, "", nil })
	srv := httptest.NewServer(e.appWithThreads(client))
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/threads/move/messages", strings.NewReader(`{"content":"call odoo_model_inspector {\"model\":\"res.partner\"}"}`))
	req.Header.Set("Authorization", admin)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if evs := parseSSE(t, b); last(evs)["finish_reason"] != "stop" || !strings.HasPrefix(content(evs), "odoo_model_inspector returned: ") {
		t.Errorf("message: %s", b)
	}
	a := e.agent(th.AgentID)
	if _, ok := a.EnvVars[TokenVar]; ok || len(a.ToolIDs) != 3 {
		t.Errorf("after the move: env %v, %d tools", a.EnvVars, len(a.ToolIDs))
	}
	if m, _ := decodeMeta(a.Metadata); m.TokenID != "" || m.CredFP != "" {
		t.Errorf("metadata keeps the token: %+v", m)
	}
}

// TestResumeSentAgainWhenLettaDrops: the resume after a tool ran cannot
// reach Letta once; it is sent again (Letta takes a repeat as a keep-alive)
// and the turn ends normally, the tool run once.
func TestResumeSentAgainWhenLettaDrops(t *testing.T) {
	e := clientEnv(t)
	e.declare(admin, "drop", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
	inner := e.lettaSrv.Config.Handler
	var dropped sync.Once
	e.lettaSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages/stream") {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(b)))
			drop := false
			if strings.Contains(string(b), `"type":"approval"`) {
				dropped.Do(func() { drop = true })
			}
			if drop {
				panic(http.ErrAbortHandler)
			}
		}
		inner.ServeHTTP(w, r)
	})
	_, evs := e.send(admin, "drop", `call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Once"}]}`)
	if last(evs)["finish_reason"] != "stop" || !strings.HasPrefix(content(evs), "odoo_record_creator returned: ") {
		t.Errorf("events %v, content %q", names(evs), content(evs))
	}
	if n := e.countPartners("Once"); n != 1 {
		t.Errorf("%d partners created, want 1", n)
	}
}
