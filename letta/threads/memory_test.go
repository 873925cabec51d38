package threads

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

func (e *env) memory(authorization, threadID string) Memory {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/threads/"+threadID+"/memory", authorization, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET memory of %s: %d: %s", threadID, r.status, r.body)
	}
	var m Memory
	if err := json.Unmarshal(r.body, &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (m Memory) block(label string) *MemoryBlock {
	for i := range m.Blocks {
		if m.Blocks[i].Label == label {
			return &m.Blocks[i]
		}
	}
	return nil
}

func humanBlocks(e *env) []fakeletta.BlockSnapshot {
	var out []fakeletta.BlockSnapshot
	for _, b := range e.letta.Blocks() {
		if b.Label == LabelHuman {
			out = append(out, b)
		}
	}
	return out
}

func TestTwoThreadsShareTheUsersMemory(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		a := e.declare(admin, "one", Spec{Model: chatModel}, http.StatusCreated)
		b := e.declare(admin, "two", Spec{Model: chatModel}, http.StatusCreated)
		hs := humanBlocks(e)
		if len(hs) != 1 || len(hs[0].AgentIDs) != 2 {
			t.Fatalf("want one human block held by both agents, got %+v", hs)
		}
		// The agent learns something in thread one...
		if err := e.letta.AgentMemoryAppend(a.AgentID, LabelHuman, "Prefers invoices in EUR."); err != nil {
			t.Fatal(err)
		}
		// ...and thread two knows it.
		if got := e.memory(admin, "two").block(LabelHuman); got == nil || !strings.Contains(got.Value, "Prefers invoices in EUR.") || !got.Shared {
			t.Fatalf("thread two's human block: %+v", got)
		}
		// The user's identity holds the block and both agents.
		ids := e.letta.Agents()
		for _, ag := range ids {
			if ag.ID == b.AgentID && len(e.agentIdentity(ag.ID)) != 1 {
				t.Errorf("agent %s belongs to identities %v, want one", ag.ID, e.agentIdentity(ag.ID))
			}
		}
		// Another user gets a block of their own and cannot see admin's.
		e.declare(demo, "one", Spec{Model: chatModel}, http.StatusCreated)
		if n := len(humanBlocks(e)); n != 2 {
			t.Fatalf("%d human blocks, want 2 (one per user)", n)
		}
		if got := e.memory(demo, "one").block(LabelHuman); got == nil || strings.Contains(got.Value, "EUR") {
			t.Fatalf("demo sees %+v", got)
		}

		// Deleting every thread keeps the shared block.
		for _, th := range []string{"one", "two"} {
			if r := e.do(http.MethodDelete, "/api/v1/threads/"+th, admin, nil); r.status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", r.status, r.body)
			}
		}
		r := e.do(http.MethodGet, "/api/v1/memory/human", admin, nil)
		if r.status != http.StatusOK || !strings.Contains(r.json(t)["value"].(string), "EUR") {
			t.Fatalf("user memory after deleting every thread: %d %s", r.status, r.body)
		}
		// A new thread starts with it.
		e.declare(admin, "three", Spec{Model: chatModel}, http.StatusCreated)
		if got := e.memory(admin, "three").block(LabelHuman); got == nil || !strings.Contains(got.Value, "EUR") {
			t.Fatalf("new thread's human block: %+v", got)
		}
		// DELETE /api/v1/memory/human deletes it (and is idempotent).
		for range 2 {
			if r := e.do(http.MethodDelete, "/api/v1/memory/human", admin, nil); r.status != http.StatusNoContent {
				t.Fatalf("delete memory: %d %s", r.status, r.body)
			}
		}
		if r := e.do(http.MethodGet, "/api/v1/memory/human", admin, nil); r.status != http.StatusNotFound || r.json(t)["error"] != "memory_not_found" {
			t.Fatalf("after delete: %d %s", r.status, r.body)
		}
		if got := e.memory(demo, "one").block(LabelHuman); got == nil {
			t.Fatal("deleting admin's memory touched demo's")
		}
		// The next declaration gives the thread a fresh shared block.
		th := e.declare(admin, "three", Spec{Model: chatModel}, http.StatusOK)
		if got := e.memory(admin, "three").block(LabelHuman); got == nil || !got.Shared || strings.Contains(got.Value, "EUR") {
			t.Fatalf("after re-declaring: %+v (changed %v)", got, th.Changed)
		}
	})
}

// agentIdentity lists the identity ids the fake Letta links to an agent.
func (e *env) agentIdentity(agentID string) []string {
	e.t.Helper()
	r, err := e.client.Get(e.lettaSrv.URL + "/v1/agents/" + agentID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	var a struct {
		IdentityIDs []string `json:"identity_ids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
		e.t.Fatal(err)
	}
	return a.IdentityIDs
}

func TestThreadMayOptOutOfSharedMemory(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "shared", Spec{Model: chatModel}, http.StatusCreated)
		if r := e.do(http.MethodPatch, "/api/v1/memory/human", admin, map[string]string{"value": "Name: Mitchell. Likes short answers."}); r.status != http.StatusOK {
			t.Fatalf("edit user memory: %d %s", r.status, r.body)
		}
		// Own memory starts as a copy of the shared block.
		own := e.declare(admin, "private", Spec{Model: chatModel, SharedMemory: ptr(false)}, http.StatusCreated)
		got := e.memory(admin, "private").block(LabelHuman)
		if got == nil || got.Shared || got.Value != "Name: Mitchell. Likes short answers." {
			t.Fatalf("own block: %+v", got)
		}
		if err := e.letta.AgentMemoryAppend(own.AgentID, LabelHuman, "Secret project X."); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.memory(admin, "shared").block(LabelHuman).Value, "Secret") {
			t.Fatal("a thread with its own memory leaked into the shared block")
		}
		// Declaring it shared swaps the blocks (its own block is deleted).
		th := e.declare(admin, "private", Spec{Model: chatModel, SharedMemory: ptr(true)}, http.StatusOK)
		if !containsStr(th.Changed, "memory") {
			t.Errorf("changed %v, want memory", th.Changed)
		}
		if got := e.memory(admin, "private").block(LabelHuman); got == nil || !got.Shared || strings.Contains(got.Value, "Secret") {
			t.Fatalf("after swapping to shared: %+v", got)
		}
		if n := len(humanBlocks(e)); n != 1 {
			t.Errorf("%d human blocks, want 1 (the thread's own one deleted)", n)
		}
		// And back: a fresh copy of the shared one.
		e.declare(admin, "private", Spec{Model: chatModel, SharedMemory: ptr(false)}, http.StatusOK)
		if got := e.memory(admin, "private").block(LabelHuman); got == nil || got.Shared || got.Value != "Name: Mitchell. Likes short answers." {
			t.Fatalf("after swapping back: %+v", got)
		}
		// The same declaration again changes nothing.
		if th := e.declare(admin, "private", Spec{Model: chatModel, SharedMemory: ptr(false)}, http.StatusOK); len(th.Changed) != 0 {
			t.Errorf("repeat declaration changed %v", th.Changed)
		}
		// Deleting the thread deletes its own block, not the shared one.
		e.do(http.MethodDelete, "/api/v1/threads/private", admin, nil)
		hs := humanBlocks(e)
		if len(hs) != 1 || !strings.Contains(hs[0].Value, "Mitchell") {
			t.Fatalf("blocks after deleting the private thread: %+v", hs)
		}
	})
}

func TestMemoryEditsAreChecked(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version, func(o *envOptions) {
			o.orch = func(opts *Options) { opts.OrgMemory = "Acme sells bicycles. Never delete invoices." }
		})
		e.declare(admin, "t", Spec{Model: chatModel}, http.StatusCreated)
		e.declare(admin, "u", Spec{Model: chatModel}, http.StatusCreated)
		m := e.memory(admin, "t")
		org := m.block(LabelOrganization)
		if org == nil || !org.ReadOnly || !org.Shared || !strings.Contains(org.Value, "bicycles") {
			t.Fatalf("organization block: %+v", org)
		}
		var orgs int
		for _, b := range e.letta.Blocks() {
			if b.Label == LabelOrganization {
				orgs++
				if len(b.AgentIDs) != 2 || !b.ReadOnly {
					t.Errorf("organization block %+v: want read-only, on both agents", b)
				}
			}
		}
		if orgs != 1 {
			t.Errorf("%d organization blocks, want 1", orgs)
		}
		persona := m.block(LabelPersona)
		if persona == nil || persona.Shared || persona.ReadOnly {
			t.Fatalf("persona: %+v", persona)
		}
		for _, tc := range []struct {
			name, path, auth string
			body             any
			status           int
			code, msg        string
		}{
			{"read-only", "/api/v1/threads/t/memory/organization", admin, map[string]string{"value": "x"}, 403, "read_only_block", "read-only"},
			{"over the limit", "/api/v1/threads/t/memory/persona", admin, map[string]string{"value": strings.Repeat("p", persona.Limit+1)}, 422, "value_too_long", "at most " + itoa(persona.Limit)},
			{"no such label", "/api/v1/threads/t/memory/nope", admin, map[string]string{"value": "x"}, 404, "block_not_found", `"nope"`},
			{"missing value", "/api/v1/threads/t/memory/persona", admin, map[string]string{}, 422, "missing_value", `"value"`},
			{"another user's thread", "/api/v1/threads/t/memory/persona", demo, map[string]string{"value": "x"}, 404, "thread_not_found", "no such thread"},
			{"user memory over the limit", "/api/v1/memory/human", admin, map[string]string{"value": strings.Repeat("h", m.block(LabelHuman).Limit+1)}, 422, "value_too_long", "at most"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(http.MethodPatch, tc.path, tc.auth, tc.body)
				if r.status != tc.status {
					t.Fatalf("%d, want %d: %s", r.status, tc.status, r.body)
				}
				j := r.json(t)
				if j["error"] != tc.code || !strings.Contains(j["message"].(string), tc.msg) {
					t.Errorf("%s: want %s with %q", r.body, tc.code, tc.msg)
				}
			})
		}
		if r := e.do(http.MethodGet, "/api/v1/threads/t/memory", demo, nil); r.status != http.StatusNotFound {
			t.Errorf("another user's memory: %d, want 404", r.status)
		}
		// Nothing was written.
		for _, b := range e.letta.Blocks() {
			if b.Value == "x" || len(b.Value) > 20000 && b.Label != LabelOrganization {
				t.Errorf("block %s was written: %.40q", b.Label, b.Value)
			}
		}
		// A good edit lands, for every thread holding the block.
		r := e.do(http.MethodPatch, "/api/v1/threads/t/memory/human", admin, map[string]string{"value": "Mitchell, sales manager."})
		if r.status != http.StatusOK || r.json(t)["shared"] != true {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		if got := e.memory(admin, "u").block(LabelHuman).Value; got != "Mitchell, sales manager." {
			t.Errorf("thread u sees %q", got)
		}
		if r := e.do(http.MethodGet, "/api/v1/memory/human", demo, nil); r.status != http.StatusNotFound {
			t.Errorf("demo (no threads) user memory: %d %s", r.status, r.body)
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The agent's own memory tool, run by Letta in one thread, is seen by the
// user's next thread; the organisation block refuses it.
func TestAgentMemoryToolReachesOtherThreads(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version, func(o *envOptions) {
			o.orch = func(opts *Options) { opts.OrgMemory = "Acme sells bicycles." }
		})
		e.declare(admin, "one", Spec{Model: chatModel}, http.StatusCreated)
		_, evs := e.send(admin, "one", `call memory_insert {"label":"human","new_str":"Prefers invoices in EUR."}
call memory_insert {"label":"organization","new_str":"We sell cars now."}`)
		var statuses []string
		for _, ev := range evs {
			if ev.Name == EventToolReturn {
				statuses = append(statuses, ev.Data["status"].(string))
			}
		}
		if len(statuses) != 2 || statuses[0] != "success" || statuses[1] != "error" {
			t.Fatalf("tool returns %v, want success then error (read-only): %v", statuses, evs)
		}
		e.declare(admin, "two", Spec{Model: chatModel}, http.StatusCreated)
		m := e.memory(admin, "two")
		if got := m.block(LabelHuman); got == nil || !strings.Contains(got.Value, "Prefers invoices in EUR.") {
			t.Errorf("thread two's human block: %+v", got)
		}
		if got := m.block(LabelOrganization); got == nil || got.Value != "Acme sells bicycles." {
			t.Errorf("organization block: %+v", got)
		}
	})
}

// Two replicas declaring a user's first two threads at the same instant
// may each create a shared human block. Afterwards every replica picks the
// same one (the smallest id), and a thread holding the other is moved to
// it at its next declaration, with the text only the duplicate held; the
// duplicate is deleted once nothing holds it.
func TestDuplicateSharedBlocksConverge(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		ctx := context.Background()
		e.declare(admin, "one", Spec{Model: chatModel}, http.StatusCreated)
		two := e.declare(admin, "two", Spec{Model: chatModel}, http.StatusCreated)
		hs := humanBlocks(e)
		if len(hs) != 1 {
			t.Fatalf("human blocks %+v, want one", hs)
		}
		first := hs[0]
		// What the other replica left: its own shared block, linked to
		// the user's identity, held by thread two.
		lc := e.orch.letta
		dup, err := lc.CreateBlock(ctx, letta.CreateBlockRequest{Label: LabelHuman, Value: "Learnt on the other replica.", Metadata: first.Metadata})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := lc.FindIdentities(ctx, "")
		if err != nil || len(ids) != 1 {
			t.Fatalf("identities %+v, %v", ids, err)
		}
		if _, err := lc.ModifyIdentity(ctx, ids[0].ID, letta.ModifyIdentityRequest{BlockIDs: []string{first.ID, dup.ID}}); err != nil {
			t.Fatal(err)
		}
		if err := lc.DetachBlock(ctx, two.AgentID, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := lc.AttachBlock(ctx, two.AgentID, dup.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.letta.AgentMemoryAppend(hs[0].AgentIDs[0], LabelHuman, "Learnt in thread one."); err != nil {
			t.Fatal(err)
		}

		// Both threads are declared again (on another replica, too).
		e.declare(admin, "one", Spec{Model: chatModel}, http.StatusOK)
		other := e.newOrchestrator(nil)
		who, err := e.authn.Authenticate(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Declare(ctx, who, "two", Spec{Model: chatModel}); err != nil {
			t.Fatal(err)
		}
		hs = humanBlocks(e)
		if len(hs) != 1 || len(hs[0].AgentIDs) != 2 {
			t.Fatalf("human blocks after the declarations: %+v, want one held by both threads", hs)
		}
		if want := min(first.ID, dup.ID); hs[0].ID != want {
			t.Errorf("kept %s, want the smallest id %s", hs[0].ID, want)
		}
		for _, s := range []string{"Learnt in thread one.", "Learnt on the other replica."} {
			if !strings.Contains(hs[0].Value, s) {
				t.Errorf("the user's block lost %q: %q", s, hs[0].Value)
			}
		}
	})
}
