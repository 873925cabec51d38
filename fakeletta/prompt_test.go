package fakeletta

import (
	"strings"
	"testing"
)

// reply sends a user message and returns the assistant's answer.
func (h *harness) reply(agentID, text string) string {
	h.t.Helper()
	msgs := h.expect(200, "POST", "/v1/agents/"+agentID+"/messages", streamBody(text)).obj(h.t)["messages"].([]any)
	return msgs[len(msgs)-1].(map[string]any)["content"].(string)
}

func (h *harness) compiled(agentID, label string) string {
	h.t.Helper()
	p, ok := h.fake.CompiledMemory(agentID)
	if !ok {
		h.t.Fatalf("no agent %s", agentID)
	}
	for _, b := range p {
		if b.Label == label {
			return b.Value
		}
	}
	h.t.Fatalf("agent %s's prompt has no %s block: %+v", agentID, label, p)
	return ""
}

// TestCompiledPromptFollowsBlocksByVersion: when a shared block changes,
// 0.11.7 shows it to every holder at its next step, 0.16.8 rebuilds every
// holder's prompt at once, 0.16.6 only the editing agent's (the others
// keep the old text until recompiled); the agent's own memory tool
// rebuilds its own prompt on every version.
func TestCompiledPromptFollowsBlocksByVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		// otherSees: another holder's prompt holds a change at once (before
		// it steps); atNextStep: it does once it steps.
		otherSees, atNextStep bool
	}{
		{VersionOld, false, true},
		{Version0166, false, false},
		{VersionNew, true, true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			h := newHarness(t, Options{Version: tc.version})
			if got := h.expect(200, "GET", "/v1/health/", nil).obj(t)["version"]; got != tc.version {
				t.Errorf("health reports %v", got)
			}
			block := h.expect(200, "POST", "/v1/blocks/", map[string]any{"label": "human", "value": "Mitchell."}).obj(t)["id"].(string)
			a := h.createAgent(map[string]any{"block_ids": []any{block}})
			b := h.createAgent(map[string]any{"block_ids": []any{block}})
			if h.compiled(a, "human") != "Mitchell." || h.compiled(b, "human") != "Mitchell." {
				t.Fatal("a new agent's prompt lacks its block")
			}
			check := func(what, want string) {
				t.Helper()
				if got := h.compiled(b, "human"); strings.Contains(got, want) != tc.otherSees {
					t.Errorf("%s: the other holder's prompt holds %q, want the new text there: %v", what, got, tc.otherSees)
				}
				ans := h.reply(b, "recall human")
				if strings.Contains(ans, want) != tc.atNextStep {
					t.Errorf("%s: the other holder's model answered %q, want the new text there: %v", what, ans, tc.atNextStep)
				}
			}

			// Agent a's own memory tool: its prompt follows on every version.
			if ans := h.reply(a, `call memory_insert {"label":"human","new_str":"Prefers EUR."}`+"\nrecall human"); !strings.Contains(ans, "memory_insert returned: None") || !strings.Contains(ans, "My human memory: Mitchell.\nPrefers EUR.") {
				t.Errorf("agent a answered %q", ans)
			}
			check("memory tool", "Prefers EUR.")

			// The API's PATCH /v1/blocks/{id}: no agent edited it.
			h.expect(200, "PATCH", "/v1/blocks/"+block, map[string]any{"value": "Mitchell, sales."})
			if got := h.compiled(a, "human"); (got == "Mitchell, sales.") != tc.otherSees {
				t.Errorf("after PATCH, agent a's prompt holds %q", got)
			}
			check("PATCH", "Mitchell, sales.")

			// AgentMemoryAppend plays the agent's tool.
			if err := h.fake.AgentMemoryAppend(a, "human", "Likes tea."); err != nil {
				t.Fatal(err)
			}
			if got := h.compiled(a, "human"); !strings.HasSuffix(got, "Likes tea.") {
				t.Errorf("AgentMemoryAppend left agent a's prompt at %q", got)
			}

			if tc.version == VersionOld {
				// 0.11.7 has no recompile route.
				h.expect(404, "POST", "/v1/agents/"+b+"/recompile", nil)
				return
			}
			// Recompile: b's prompt holds the block as it is now.
			h.expect(200, "PATCH", "/v1/blocks/"+block, map[string]any{"value": "Recompiled."})
			before := h.compiled(b, "human")
			dry := h.expect(200, "POST", "/v1/agents/"+b+"/recompile?dry_run=true", nil).json(t).(string)
			if !strings.Contains(dry, "<human>\n<value>\nRecompiled.\n</value>\n</human>") || !strings.HasPrefix(dry, defaultSystemPrompt) {
				t.Errorf("dry run answered %q", dry)
			}
			if got := h.compiled(b, "human"); got != before {
				t.Errorf("a dry run changed the prompt to %q", got)
			}
			out := h.expect(200, "POST", "/v1/agents/"+b+"/recompile", nil).json(t).(string)
			if got := h.compiled(b, "human"); got != "Recompiled." {
				t.Errorf("after recompile: %q", got)
			}
			if p, _ := h.fake.CompiledPrompt(b); p != out {
				t.Errorf("CompiledPrompt %q, recompile answered %q", p, out)
			}
			if ans := h.reply(b, "recall human\nrecall nope"); ans != "My human memory: Recompiled.\nI have no nope memory." {
				t.Errorf("after recompile b answered %q", ans)
			}
			h.expect(404, "POST", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/recompile", nil)
			h.expect(422, "POST", "/v1/agents/nope/recompile", nil)
		})
	}
}

// TestBlockAgents: GET /v1/blocks/{id}/agents lists the holders, newest
// first unless order=asc, paged by after/before and limit.
func TestBlockAgents(t *testing.T) {
	for _, v := range []string{VersionOld, Version0166, VersionNew} {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			block := h.expect(200, "POST", "/v1/blocks/", map[string]any{"label": "human", "value": "x"}).obj(t)["id"].(string)
			other := h.expect(200, "POST", "/v1/blocks/", map[string]any{"label": "human", "value": "y"}).obj(t)["id"].(string)
			var ids []string
			for range 3 {
				ids = append(ids, h.createAgent(map[string]any{"block_ids": []any{block}}))
			}
			h.createAgent(map[string]any{"block_ids": []any{other}})
			list := func(q string) []string {
				t.Helper()
				var out []string
				for _, a := range h.expect(200, "GET", "/v1/blocks/"+block+"/agents"+q, nil).list(t) {
					out = append(out, a.(map[string]any)["id"].(string))
				}
				return out
			}
			eq := func(got []string, want ...string) {
				t.Helper()
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("got %v, want %v", got, want)
				}
			}
			eq(list(""), ids[2], ids[1], ids[0])
			eq(list("?order=asc"), ids...)
			eq(list("?order=asc&limit=1&after="+ids[0]), ids[1])
			eq(list("?before="+ids[0]), ids[2], ids[1])
			// Detaching drops the agent from the list.
			h.expect(200, "PATCH", "/v1/agents/"+ids[1]+"/core-memory/blocks/detach/"+block, nil)
			eq(list("?order=asc"), ids[0], ids[2])
			h.expect(404, "GET", "/v1/blocks/block-00000000-0000-4000-8000-000000000000/agents", nil)
		})
	}
}

// TestNewStepsListAndIdentityLinks: what 0.16.x answers and odoo-mcp
// works around: GET /v1/steps/ is a 400 whatever is asked (a run's steps
// are read from /v1/runs/{id}/steps), and identities list no agent_ids or
// block_ids although the links hold (the filters find them).
func TestNewStepsListAndIdentityLinks(t *testing.T) {
	for _, v := range []string{VersionOld, Version0166, VersionNew} {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			block := h.expect(200, "POST", "/v1/blocks/", map[string]any{"label": "human", "value": "x"}).obj(t)["id"].(string)
			agent := h.createAgent(map[string]any{"block_ids": []any{block}})
			idn := h.expect(200, "POST", "/v1/identities/", map[string]any{"identifier_key": "db:2", "name": "Mitchell", "identity_type": "user",
				"agent_ids": []any{agent}, "block_ids": []any{block}}).obj(t)
			links := len(idn["agent_ids"].([]any)) + len(idn["block_ids"].([]any))
			if want := map[bool]int{true: 0, false: 2}[v != VersionOld]; links != want {
				t.Errorf("identity lists %d links, want %d: %v", links, want, idn)
			}
			if bs := h.expect(200, "GET", "/v1/blocks/?identity_id="+idn["id"].(string), nil).list(t); len(bs) != 1 {
				t.Errorf("blocks of the identity: %v", bs)
			}
			h.reply(agent, "hello")
			r := h.do("GET", "/v1/steps/?agent_id="+agent+"&order=asc", nil)
			if v == VersionOld {
				if r.status != 200 || len(r.list(t)) != 1 {
					t.Errorf("OLD steps: %d %s", r.status, r.body)
				}
			} else if r.status != 400 || !strings.Contains(string(r.body), "Argument order does not match type") {
				t.Errorf("NEW steps: %d %s, want 400", r.status, r.body)
			}
			run := h.expect(200, "GET", "/v1/runs/?agent_id="+agent, nil).list(t)[0].(map[string]any)["id"].(string)
			if steps := h.expect(200, "GET", "/v1/runs/"+run+"/steps", nil).list(t); len(steps) != 1 {
				t.Errorf("run steps: %v", steps)
			}
		})
	}
}
