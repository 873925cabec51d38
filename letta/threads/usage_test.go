package threads

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

func (e *env) usage(authorization, query string) UsageReport {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/usage"+query, authorization, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET usage%s: %d %s", query, r.status, r.body)
	}
	var rep UsageReport
	if err := json.Unmarshal(r.body, &rep); err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func (rep UsageReport) group(key string) *UsageGroup {
	for i := range rep.Groups {
		if rep.Groups[i].Key == key {
			return &rep.Groups[i]
		}
	}
	return nil
}

func TestUsageComesFromLettaAndSurvivesDeletion(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		const adminToken = "admin-token-0123456789"
		e := newEnv(t, version, func(o *envOptions) { o.orch = func(opts *Options) { opts.AdminToken = adminToken } })
		e.declare(admin, "a", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		e.declare(admin, "b", Spec{Model: "openai/gpt-4.1"}, http.StatusCreated)
		_, evs := e.send(admin, "a", `call odoo_record_retriever {"model":"res.partner","limit":1}`)
		var turn UsageData
		var done map[string]any
		for _, ev := range evs {
			switch ev.Name {
			case EventUsage:
				b, _ := json.Marshal(ev.Data)
				_ = json.Unmarshal(b, &turn)
			case EventDone:
				done = ev.Data
			}
		}
		if turn.Steps != 2 || turn.PromptTokens == 0 {
			t.Fatalf("usage event %+v", turn)
		}
		wantCached := 0
		if version == fakeletta.VersionNew {
			wantCached = 2 * 1024
		}
		if turn.CachedTokens != wantCached {
			t.Errorf("usage event cached %d, want %d", turn.CachedTokens, wantCached)
		}
		msgID, _ := done["message_id"].(string)
		if !strings.HasPrefix(msgID, "step-") {
			t.Fatalf("done event %v: want a message_id", done)
		}
		e.send(admin, "b", "hello")
		e.send(admin, "b", "again")
		e.declare(demo, "a", Spec{Model: chatModel}, http.StatusCreated)
		e.send(demo, "a", "mine")

		rep := e.usage(admin, "")
		if rep.Totals.Runs != 3 || rep.Totals.Steps != 4 {
			t.Fatalf("admin's totals %+v, want 3 runs and 4 steps", rep.Totals)
		}
		if a := rep.group("a"); a == nil || a.Totals.PromptTokens != turn.PromptTokens || a.Totals.CompletionTokens != turn.CompletionTokens || a.Totals.CachedTokens != wantCached {
			t.Errorf("thread a %+v, want the turn's %+v", a, turn)
		}
		byModel := e.usage(admin, "?group_by=model")
		if g := byModel.group("openai/gpt-4.1"); g == nil || g.Runs != 2 {
			t.Errorf("by model: %+v", byModel.Groups)
		}
		today := time.Now().UTC().Format("2006-01-02")
		if g := e.usage(admin, "?group_by=day").group(today); g == nil || g.Runs != 3 {
			t.Errorf("by day: %+v", e.usage(admin, "?group_by=day").Groups)
		}
		if r := e.usage(admin, "?to="+today); r.Totals.Runs != 0 {
			t.Errorf("to=today (exclusive) counts %d runs", r.Totals.Runs)
		}
		// Another replica gives the same answer.
		other := e.newOrchestrator(nil)
		rs, err := other.Usage(t.Context(), e.identity(admin), UsageQuery{GroupBy: "thread"})
		if err != nil || rs.Totals != rep.Totals {
			t.Errorf("another replica: %+v, %v; want %+v", rs, err, rep.Totals)
		}

		// Thread GET reports totals and the context window's fill.
		th := e.do(http.MethodGet, "/api/v1/threads/b", admin, nil).thread(t)
		if th.Usage == nil || th.Usage.Totals.Runs != 2 || th.Usage.ContextWindow == 0 || th.Usage.ContextTokens == 0 {
			t.Errorf("thread usage %+v", th.Usage)
		}

		// Feedback on the turn's last step.
		if r := e.do(http.MethodPost, "/api/v1/threads/a/messages/"+msgID+"/feedback", admin, map[string]string{"rating": "up"}); r.status != http.StatusNoContent {
			t.Fatalf("feedback: %d %s", r.status, r.body)
		}
		if got := e.letta.StepFeedback(msgID); got != "positive" {
			t.Errorf("step feedback %q, want positive", got)
		}
		for _, tc := range []struct {
			path, auth, rating string
			status             int
		}{
			{"/api/v1/threads/a/messages/" + msgID + "/feedback", admin, "meh", 422},
			{"/api/v1/threads/b/messages/" + msgID + "/feedback", admin, "up", 404},
			{"/api/v1/threads/a/messages/" + msgID + "/feedback", demo, "up", 404},
			{"/api/v1/threads/a/messages/nope/feedback", admin, "up", 404},
		} {
			if r := e.do(http.MethodPost, tc.path, tc.auth, map[string]string{"rating": tc.rating}); r.status != tc.status {
				t.Errorf("feedback %s as %q: %d, want %d: %s", tc.path, tc.rating, r.status, tc.status, r.body)
			}
		}

		// Deleting a thread keeps its usage, marked deleted.
		if r := e.do(http.MethodDelete, "/api/v1/threads/b", admin, nil); r.status != http.StatusNoContent {
			t.Fatal(r.status)
		}
		after := e.usage(admin, "")
		if after.Totals != rep.Totals {
			t.Errorf("totals after deleting thread b: %+v, want %+v", after.Totals, rep.Totals)
		}
		if g := after.group("b (deleted)"); g == nil || !g.Deleted || g.Runs != 2 {
			t.Errorf("deleted thread's usage: %+v", after.Groups)
		}

		// The operator's view: every user, behind the metrics token.
		if r := e.do(http.MethodGet, "/api/v1/admin/usage", admin, nil); r.status != http.StatusUnauthorized {
			t.Errorf("admin usage with an Odoo credential: %d", r.status)
		}
		r := e.do(http.MethodGet, "/api/v1/admin/usage?group_by=user", "Bearer "+adminToken, nil)
		if r.status != http.StatusOK {
			t.Fatalf("admin usage: %d %s", r.status, r.body)
		}
		var all UsageReport
		_ = json.Unmarshal(r.body, &all)
		if all.Totals.Runs != 4 || len(all.Groups) != 2 {
			t.Errorf("admin view %+v", all)
		}
		for _, q := range []string{"?group_by=user", "?from=yesterday", "?from=2026-12-02&to=2026-12-01"} {
			if r := e.do(http.MethodGet, "/api/v1/usage"+q, admin, nil); r.status != http.StatusBadRequest {
				t.Errorf("usage%s: %d, want 400", q, r.status)
			}
		}
	})
}

// identity resolves a credential as the thread API does.
func (e *env) identity(authorization string) *auth.Identity {
	e.t.Helper()
	id, err := e.authn.Authenticate(e.t.Context(), authorization)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// The JSON answer names the turn too, and feedback takes that name.
func TestJSONReplyNamesTheTurn(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "j", Spec{Model: chatModel}, http.StatusCreated)
		r := e.do(http.MethodPost, "/api/v1/threads/j/messages", admin, map[string]string{"content": "hi"}, "Accept", "application/json")
		var reply Reply
		if err := json.Unmarshal(r.body, &reply); err != nil || r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if !strings.HasPrefix(reply.MessageID, "step-") {
			t.Fatalf("reply without message_id: %s", r.body)
		}
		if r := e.do(http.MethodPost, "/api/v1/threads/j/messages/"+reply.MessageID+"/feedback", admin, map[string]string{"rating": "down"}); r.status != http.StatusNoContent {
			t.Fatalf("feedback: %d %s", r.status, r.body)
		}
		if got := e.letta.StepFeedback(reply.MessageID); got != "negative" {
			t.Errorf("feedback %q, want negative", got)
		}
	})
}

// A thread's GET looks the thread up once and reads its usage beside it:
// the runs, each run's steps once (Letta 0.12+ lists steps per run; ended
// runs are kept), and the context window. Run with the old code, it looked
// the thread up twice and read every run's steps on every GET.
func TestThreadGetReadsUsageOnce(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "g", Spec{Model: chatModel}, http.StatusCreated)
		for _, m := range []string{"one", "two"} {
			if r, _ := e.send(admin, "g", m); r.status != http.StatusOK {
				t.Fatalf("send: %d %s", r.status, r.body)
			}
		}
		count := func() map[string]int {
			c := map[string]int{}
			for _, r := range e.letta.Requests() {
				switch {
				case r.Method != http.MethodGet:
				case r.Path == "/v1/agents/" || r.Path == "/v1/agents":
					c["lookups"]++
				case r.Path == "/v1/runs/":
					c["runs"]++
				case r.Path == "/v1/steps/" || strings.HasPrefix(r.Path, "/v1/runs/") && strings.HasSuffix(r.Path, "/steps"):
					c["steps"]++
				case strings.HasSuffix(r.Path, "/context"):
					c["context"]++
				}
			}
			return c
		}
		perRun := version != fakeletta.VersionOld
		for i, want := range []map[string]int{
			{"lookups": 1, "runs": 1, "steps": map[bool]int{true: 2, false: 1}[perRun], "context": 1},
			{"lookups": 1, "runs": 1, "steps": map[bool]int{true: 0, false: 1}[perRun], "context": 1}, // ended runs' steps are kept
		} {
			before := count()
			r := e.do(http.MethodGet, "/api/v1/threads/g", admin, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET: %d %s", r.status, r.body)
			}
			th := r.thread(t)
			if th.Usage == nil || th.Usage.Totals.Runs != 2 || th.Usage.Totals.Steps < 2 {
				t.Fatalf("GET %d: usage %+v", i, th.Usage)
			}
			after := count()
			for k, n := range want {
				if got := after[k] - before[k]; got != n {
					t.Errorf("GET %d: %d %s requests to Letta, want %d", i, got, k, n)
				}
			}
		}
	})
}
