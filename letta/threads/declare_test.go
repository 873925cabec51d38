package threads

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

func TestDeclareCreatesOneAgentPerThread(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		th := e.declare(admin, "42", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever", "odoo_model_inspector"}}, http.StatusCreated)
		if !th.Created || th.AgentID == "" || th.Model != chatModel || th.ThreadID != "42" {
			t.Fatalf("thread %+v", th)
		}
		if want := []string{"odoo_model_inspector", "odoo_record_retriever"}; !slices.Equal(th.Tools, want) {
			t.Fatalf("tools %v, want %v", th.Tools, want)
		}
		if th.Embedding != fakeletta.DefaultEmbeddingModels[0] {
			t.Errorf("embedding %q, want Letta's first %q", th.Embedding, fakeletta.DefaultEmbeddingModels[0])
		}

		a := e.agent(th.AgentID)
		for _, tag := range []string{TagManaged, e.orch.userTag(owner{e.odoo.DB(), 2}), e.orch.threadTag(owner{e.odoo.DB(), 2}, "42")} {
			if !slices.Contains(a.Tags, tag) {
				t.Errorf("agent tags %v lack %q", a.Tags, tag)
			}
		}
		m, ok := decodeMeta(a.Metadata)
		if !ok || m.ThreadID != "42" || m.UID != 2 || m.DB != e.odoo.DB() || m.Server != DefaultServerName || m.TokenID == "" || m.CredFP == "" {
			t.Fatalf("metadata %+v", a.Metadata)
		}
		blocks := map[string]string{}
		for _, b := range a.Blocks {
			blocks[b.Label] = b.Value
		}
		if blocks["persona"] != DefaultPersona || blocks["human"] != "The human's name is Mitchell Admin." {
			t.Errorf("memory blocks %v", blocks)
		}
		token := a.EnvVars[TokenVar]
		if !strings.HasPrefix(token, "eyJ") {
			t.Fatalf("agent has no thread token: %v", a.EnvVars)
		}
		id, err := e.tokens.Verify(t.Context(), token)
		if err != nil {
			t.Fatalf("agent's token: %v", err)
		}
		if id.Thread.AgentID != th.AgentID || id.Thread.Thread != "42" || !slices.Equal(id.Thread.Tools, th.Tools) || id.UID != 2 {
			t.Errorf("token grants %+v", id.Thread)
		}
		if got := attachedNames(e, th.AgentID); !slices.Equal(got, th.Tools) {
			t.Errorf("attached odoo-mcp tools %v, want %v", got, th.Tools)
		}

		// The same declaration again changes nothing.
		before := len(e.letta.Requests())
		again := e.declare(admin, "42", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever", "odoo_model_inspector"}}, http.StatusOK)
		if again.Created || len(again.Changed) != 0 || again.AgentID != th.AgentID {
			t.Fatalf("second declaration: %+v", again)
		}
		if e.agent(th.AgentID).EnvVars[TokenVar] != token {
			t.Error("an unchanged declaration reissued the token")
		}
		for _, r := range e.letta.Requests()[before:] {
			if r.Method != http.MethodGet {
				t.Errorf("an unchanged declaration wrote to Letta: %s %s", r.Method, r.Path)
			}
		}
		if got := e.do(http.MethodGet, "/api/v1/threads/42", admin, nil); got.status != http.StatusOK || got.thread(t).AgentID != th.AgentID {
			t.Fatalf("GET thread: %d %s", got.status, got.body)
		}
	})
}

// attachedNames lists the odoo-mcp tools attached to an agent in Letta.
func attachedNames(e *env, agentID string) []string {
	byID := map[string]fakeletta.Tool{}
	for _, t := range e.letta.Tools() {
		byID[t.ID] = t
	}
	var out []string
	for _, id := range e.agent(agentID).ToolIDs {
		if t := byID[id]; t.ServerName == DefaultServerName || slices.Contains(t.Tags, "mcp:"+DefaultServerName) {
			out = append(out, t.Name)
		}
	}
	slices.Sort(out)
	return out
}

func TestDeclareConverges(t *testing.T) {
	base := func() Spec { return Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}} }
	for _, tc := range []struct {
		name    string
		spec    func() Spec
		changed []string
		check   func(t *testing.T, e *env, th Thread, a fakeletta.Agent)
		reissue bool
	}{
		{name: "model", spec: func() Spec { s := base(); s.Model = "anthropic/claude-sonnet-4-20250514"; return s },
			changed: []string{"model"}, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if a.Model != "anthropic/claude-sonnet-4-20250514" || th.Model != a.Model {
					t.Errorf("model %q / %q", a.Model, th.Model)
				}
			}},
		{name: "system", spec: func() Spec { s := base(); s.System = ptr("You answer in French."); return s },
			changed: []string{"system"}, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if a.System != "You answer in French." {
					t.Errorf("system %q", a.System)
				}
			}},
		{name: "embedding", spec: func() Spec { s := base(); s.Embedding = ptr("letta/letta-free"); return s },
			changed: []string{"embedding"}, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if a.Embedding != "letta/letta-free" {
					t.Errorf("embedding %q", a.Embedding)
				}
			}},
		{name: "settings", spec: func() Spec { s := base(); s.Temperature = ptr(0.2); s.ContextWindow = ptr(16000); return s },
			changed: []string{"settings"}, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if th.Temperature == nil || *th.Temperature != 0.2 || th.ContextWindow == nil || *th.ContextWindow != 16000 {
					t.Errorf("settings %v %v", th.Temperature, th.ContextWindow)
				}
			}},
		{name: "tools added", spec: func() Spec {
			s := base()
			s.Tools = &[]string{"odoo_record_retriever", "odoo_record_creator", "odoo_record_creator"}
			return s
		},
			changed: []string{"tools", "token"}, reissue: true, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if want := []string{"odoo_record_creator", "odoo_record_retriever"}; !slices.Equal(attachedNames(e, a.ID), want) || !slices.Equal(th.Tools, want) {
					t.Errorf("attached %v, thread %v, want %v", attachedNames(e, a.ID), th.Tools, want)
				}
			}},
		{name: "tools removed", spec: func() Spec { s := base(); s.Tools = &[]string{}; return s },
			changed: []string{"tools", "token"}, reissue: true, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if got := attachedNames(e, a.ID); len(got) != 0 || len(th.Tools) != 0 {
					t.Errorf("attached %v, thread %v", got, th.Tools)
				}
				// Letta's own tools stay.
				if len(a.ToolIDs) == 0 {
					t.Error("Letta's base tools were detached too")
				}
			}},
		{name: "tools left out keep theirs", spec: func() Spec { return Spec{Model: chatModel} },
			changed: nil, check: func(t *testing.T, e *env, th Thread, a fakeletta.Agent) {
				if !slices.Equal(th.Tools, []string{"odoo_record_retriever"}) {
					t.Errorf("tools %v", th.Tools)
				}
			}},
	} {
		forEachVersion(t, func(t *testing.T, version string) {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, version)
				first := e.declare(admin, "c1", base(), http.StatusCreated)
				oldToken := e.agent(first.AgentID).EnvVars[TokenVar]
				th := e.declare(admin, "c1", tc.spec(), http.StatusOK)
				if th.AgentID != first.AgentID || th.Created {
					t.Fatalf("declaration made another agent: %+v", th)
				}
				if !slices.Equal(th.Changed, tc.changed) {
					t.Errorf("changed %v, want %v", th.Changed, tc.changed)
				}
				a := e.agent(th.AgentID)
				tc.check(t, e, th, a)
				newToken := a.EnvVars[TokenVar]
				if reissued := newToken != oldToken; reissued != tc.reissue {
					t.Fatalf("token reissued = %v, want %v", reissued, tc.reissue)
				}
				if tc.reissue {
					// The old token is refused at once on this replica; the new
					// one grants exactly the new tools.
					if _, err := e.tokens.Verify(t.Context(), oldToken); !errors.Is(err, auth.ErrRevoked) {
						t.Errorf("old token after reissue: %v, want ErrRevoked", err)
					}
					id, err := e.tokens.Verify(t.Context(), newToken)
					if err != nil || !slices.Equal(id.Thread.Tools, th.Tools) {
						t.Errorf("new token: %v, grants %v, want %v", err, id, th.Tools)
					}
				}
				if n := len(e.threadAgents("c1")); n != 1 {
					t.Errorf("%d agents for the thread", n)
				}
				// Converged: declaring it again changes nothing.
				if again := e.declare(admin, "c1", tc.spec(), http.StatusOK); len(again.Changed) != 0 {
					t.Errorf("not converged: second declaration changed %v", again.Changed)
				}
			})
		})
	}
}

func TestDeclareWarnsThatMemoryIsTheAgents(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew)
	e.declare(admin, "m1", Spec{Model: chatModel, Persona: ptr("I am Odoo's helper.")}, http.StatusCreated)
	th := e.declare(admin, "m1", Spec{Model: chatModel, Persona: ptr("Something else.")}, http.StatusOK)
	if len(th.Warnings) != 1 || !strings.Contains(th.Warnings[0], "persona") {
		t.Fatalf("warnings %v", th.Warnings)
	}
	for _, b := range e.agent(th.AgentID).Blocks {
		if b.Label == "persona" && b.Value != "I am Odoo's helper." {
			t.Errorf("persona overwritten: %q", b.Value)
		}
	}
}

func TestDeclareRecreatesAgentDeletedBehindOurBack(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		first := e.declare(admin, "gone", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		oldToken := e.agent(first.AgentID).EnvVars[TokenVar]
		if !e.letta.DeleteAgentBehindBack(first.AgentID) {
			t.Fatal("agent missing")
		}
		if r := e.do(http.MethodGet, "/api/v1/threads/gone", admin, nil); r.status != http.StatusNotFound {
			t.Fatalf("GET a thread whose agent is gone: %d %s", r.status, r.body)
		}
		th := e.declare(admin, "gone", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		if th.AgentID == first.AgentID || !th.Created {
			t.Fatalf("not recreated: %+v", th)
		}
		// This replica cached the old token as current when it issued it;
		// the entry expires after RevocationCacheTTL (50 ms here, 5 s in
		// production), after which Letta's 404 revokes the token.
		eventually(t, 5*time.Second, "the deleted agent's token to be revoked", func() bool {
			_, err := e.tokens.Verify(t.Context(), oldToken)
			return errors.Is(err, auth.ErrRevoked)
		})
		if _, evs := e.send(admin, "gone", retrieverCall); len(evs) == 0 || evs[len(evs)-1].Data["finish_reason"] != "stop" {
			t.Errorf("the recreated thread does not answer: %v", evs)
		}
	})
}

func TestThreadsBelongToTheirUser(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		mine := e.declare(admin, "shared-id", Spec{Model: chatModel}, http.StatusCreated)
		e.declare(admin, "second", Spec{Model: chatModel}, http.StatusCreated)

		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/threads/shared-id"},
			{http.MethodPost, "/api/v1/threads/shared-id/messages"},
		} {
			var body any
			if tc.method == http.MethodPost {
				body = map[string]string{"content": "hi"}
			}
			if r := e.do(tc.method, tc.path, demo, body); r.status != http.StatusNotFound || r.json(t)["error"] != "thread_not_found" {
				t.Errorf("%s %s as another user: %d %s", tc.method, tc.path, r.status, r.body)
			}
		}
		if r := e.do(http.MethodGet, "/api/v1/threads", demo, nil); r.status != http.StatusOK || strings.Contains(string(r.body), mine.AgentID) {
			t.Errorf("another user's list: %d %s", r.status, r.body)
		}
		// Deleting "their" thread of that id leaves mine alone.
		if r := e.do(http.MethodDelete, "/api/v1/threads/shared-id", demo, nil); r.status != http.StatusNoContent {
			t.Errorf("DELETE: %d %s", r.status, r.body)
		}
		e.agent(mine.AgentID)
		// The same thread id declared by another user is another thread.
		theirs := e.declare(demo, "shared-id", Spec{Model: chatModel}, http.StatusCreated)
		if theirs.AgentID == mine.AgentID {
			t.Fatal("two users share an agent")
		}
		if h := e.agent(theirs.AgentID).Blocks; !slices.ContainsFunc(h, func(b fakeletta.Block) bool { return b.Label == "human" && b.Value == "The human's name is Marc Demo." }) {
			t.Errorf("the other user's human block: %v", h)
		}

		r := e.do(http.MethodGet, "/api/v1/threads", admin, nil)
		var list struct{ Threads []Thread }
		if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		if len(list.Threads) != 2 || list.Threads[0].ThreadID != "second" || list.Threads[1].ThreadID != "shared-id" || list.Threads[1].AgentID != mine.AgentID {
			t.Errorf("admin's threads: %s", r.body)
		}
	})
}

func TestDeleteIsIdempotentAndRevokes(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		th := e.declare(admin, "d1", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		token := e.agent(th.AgentID).EnvVars[TokenVar]
		if _, err := e.tokens.Verify(t.Context(), token); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if r := e.do(http.MethodDelete, "/api/v1/threads/d1", admin, nil); r.status != http.StatusNoContent {
				t.Fatalf("DELETE #%d: %d %s", i+1, r.status, r.body)
			}
		}
		if _, ok := e.letta.Agent(th.AgentID); ok {
			t.Error("agent still in Letta")
		}
		if _, err := e.tokens.Verify(t.Context(), token); !errors.Is(err, auth.ErrRevoked) {
			t.Errorf("deleted thread's token: %v, want ErrRevoked", err)
		}
		if r := e.do(http.MethodGet, "/api/v1/threads/d1", admin, nil); r.status != http.StatusNotFound {
			t.Errorf("GET deleted thread: %d", r.status)
		}
	})
}
