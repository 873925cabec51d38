package threads

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

// promptVersions are the three ways Letta brings a changed shared block
// into the prompts of the agents holding it: 0.11.7 at each step, 0.16.8
// at once for every holder, 0.16.6 (as 0.12 to 0.16.6) not at all unless
// an agent is recompiled.
var promptVersions = []string{fakeletta.VersionOld, fakeletta.Version0166, fakeletta.VersionNew}

// compiledHuman is the human block as the agent's compiled prompt holds it
// (what its model sees before its next step).
func (e *env) compiledHuman(agentID string) string {
	e.t.Helper()
	p, ok := e.letta.CompiledMemory(agentID)
	if !ok {
		e.t.Fatalf("agent %s is not in Letta", agentID)
	}
	for _, b := range p {
		if b.Label == LabelHuman {
			return b.Value
		}
	}
	e.t.Fatalf("agent %s's prompt has no human block: %+v", agentID, p)
	return ""
}

// recallHuman asks the thread's model what its prompt says of the user.
func (e *env) recallHuman(threadID string) string {
	e.t.Helper()
	r, evs := e.send(admin, threadID, "recall human")
	if r.status != http.StatusOK {
		e.t.Fatalf("message to %s: %d %s", threadID, r.status, r.body)
	}
	return content(evs)
}

// What thread one's agent learns with Letta's own memory tool, and what
// the user writes through the memory API, is in the prompt of every
// thread holding the shared block, on every Letta: where Letta does not
// rebuild the holders' prompts (0.16.6), odoo-mcp recompiles them; where
// it does (0.16.8) or rebuilds memory at each step (0.11.7), odoo-mcp asks
// nothing.
func TestSharedMemoryReachesEveryThreadsPrompt(t *testing.T) {
	for _, version := range promptVersions {
		t.Run("letta-"+version, func(t *testing.T) {
			e := newEnv(t, version)
			one := e.declare(admin, "one", Spec{Model: chatModel}, http.StatusCreated)
			two := e.declare(admin, "two", Spec{Model: chatModel}, http.StatusCreated)
			e.declare(admin, "three", Spec{Model: chatModel, SharedMemory: ptr(false)}, http.StatusCreated)
			e.letta.ResetRequests()

			// Thread one's agent learns something with its memory tool.
			learnt := "Prefers invoices in EUR."
			_, evs := e.send(admin, "one", `call memory_insert {"label":"human","new_str":"`+learnt+`"}`)
			if got := content(evs); !strings.Contains(got, "memory_insert returned: None") {
				t.Fatalf("thread one answered %q", got)
			}
			if version != fakeletta.VersionOld {
				// 0.16: the prompt is compiled, not rebuilt at each step.
				if got := e.compiledHuman(two.AgentID); !strings.Contains(got, learnt) {
					t.Errorf("after thread one's memory_insert, thread two's compiled prompt holds %q", got)
				}
			}
			if got := e.recallHuman("two"); !strings.Contains(got, learnt) {
				t.Errorf("after thread one's memory_insert, thread two's model sees %q", got)
			}
			if got := e.recallHuman("three"); strings.Contains(got, learnt) {
				t.Errorf("thread three (own memory) sees %q", got)
			}
			// One recompile, of thread two's agent, where Letta needs it:
			// Letta rebuilt thread one's itself, and three holds another block.
			want := map[string][]string{fakeletta.Version0166: {two.AgentID}}[version]
			if got := e.recompiled(); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("recompiled %v, want %v", got, want)
			}

			// The user corrects their memory through odoo-mcp.
			e.letta.ResetRequests()
			corrected := "Mitchell, sales manager. " + learnt
			if r := e.do(http.MethodPatch, "/api/v1/memory/human", admin, map[string]string{"value": corrected}); r.status != http.StatusOK {
				t.Fatalf("PATCH memory: %d %s", r.status, r.body)
			}
			for _, th := range []Thread{one, two} {
				if version != fakeletta.VersionOld {
					if got := e.compiledHuman(th.AgentID); got != corrected {
						t.Errorf("after the PATCH, %s's compiled prompt holds %q", th.ThreadID, got)
					}
				}
			}
			want = nil
			if version == fakeletta.Version0166 {
				want = []string{one.AgentID, two.AgentID}
				slices.Sort(want)
			}
			if got := e.recompiled(); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("recompiled %v, want %v", got, want)
			}
			for _, th := range []string{"one", "two"} {
				if got := e.recallHuman(th); got != "My human memory: "+corrected {
					t.Errorf("after the PATCH, thread %s's model sees %q", th, got)
				}
			}
			if got := e.recallHuman("three"); strings.Contains(got, "sales manager") {
				t.Errorf("thread three (own memory) sees %q", got)
			}
		})
	}
}

// recompiled lists the agents odoo-mcp asked Letta to recompile since the
// last ResetRequests, sorted.
func (e *env) recompiled() []string {
	var out []string
	for _, r := range e.letta.Requests() {
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.Path, "/v1/agents/"), "/recompile"); ok && r.Method == http.MethodPost {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// The operator changes the organisation text: the replica that sees it
// first rewrites the organisation block, and every thread's prompt holds
// the new text (odoo-mcp recompiles them where Letta does not).
func TestNewOrganisationTextReachesEveryPrompt(t *testing.T) {
	for _, version := range promptVersions {
		t.Run("letta-"+version, func(t *testing.T) {
			e := newEnv(t, version, func(o *envOptions) {
				o.orch = func(opts *Options) { opts.OrgMemory = "Acme sells bicycles." }
			})
			one := e.declare(admin, "one", Spec{Model: chatModel}, http.StatusCreated)
			two := e.declare(demo, "two", Spec{Model: chatModel}, http.StatusCreated)
			e.letta.ResetRequests()

			replica := e.newOrchestrator(func(o *Options) { o.OrgMemory = "Acme sells cars now." })
			if _, err := replica.Declare(t.Context(), e.identity(admin), "three", Spec{Model: chatModel}); err != nil {
				t.Fatal(err)
			}
			var want []string
			if version == fakeletta.Version0166 {
				want = []string{one.AgentID, two.AgentID}
				slices.Sort(want)
			}
			if got := e.recompiled(); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("recompiled %v, want %v", got, want)
			}
			for _, th := range []struct{ auth, id string }{{admin, "one"}, {demo, "two"}, {admin, "three"}} {
				r, evs := e.send(th.auth, th.id, "recall organization")
				if r.status != http.StatusOK {
					t.Fatalf("message to %s: %d %s", th.id, r.status, r.body)
				}
				if got := content(evs); got != "My organization memory: Acme sells cars now." {
					t.Errorf("thread %s's model sees %q", th.id, got)
				}
			}
		})
	}
}
