package fakeletta

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

var versions = []string{VersionOld, VersionNew}

func TestTrailingSlashesAndUnknownRoutes(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			redirects := []struct{ from, to string }{
				{"/v1/agents", "/v1/agents/"},
				{"/v1/agents?tags=a&limit=5", "/v1/agents/?tags=a&limit=5"},
				{"/v1/health", "/v1/health/"},
				{"/v1/tools", "/v1/tools/"},
				{"/v1/models", "/v1/models/"},
				{"/v1/tools/mcp/servers/", "/v1/tools/mcp/servers"},
				{"/v1/models/embedding/", "/v1/models/embedding"},
				{"/v1/agents/agent-00000000-0000-4000-8000-000000000000/", "/v1/agents/agent-00000000-0000-4000-8000-000000000000"},
			}
			if v == VersionNew {
				redirects = append(redirects, struct{ from, to string }{"/v1/mcp-servers", "/v1/mcp-servers/"})
			}
			for _, r := range redirects {
				resp := h.expect(307, "GET", r.from, nil)
				if got := resp.header.Get("Location"); got != h.srv.URL+r.to {
					t.Errorf("GET %s: Location %q, want %q", r.from, got, h.srv.URL+r.to)
				}
			}
			if got := h.expect(404, "GET", "/v1/nothing/", nil).obj(t)["detail"]; got != "Not Found" {
				t.Errorf("404 detail %v", got)
			}
			if got := h.expect(405, "DELETE", "/v1/agents/", nil).obj(t)["detail"]; got != "Method Not Allowed" {
				t.Errorf("405 detail %v", got)
			}
			if v == VersionOld {
				h.expect(404, "GET", "/v1/mcp-servers/", nil)
			}
			health := h.expect(200, "GET", "/v1/health/", nil).obj(t)
			if health["version"] != v || health["status"] != "ok" {
				t.Errorf("health = %v", health)
			}
		})
	}
}

func TestSecureMode(t *testing.T) {
	h := newHarness(t, Options{APIKey: "s3cret"})
	r := h.expect(401, "GET", "/v1/agents/", nil)
	if r.obj(t)["detail"] != "Unauthorized" {
		t.Errorf("401 body %s", r.body)
	}
	h.expect(401, "GET", "/v1/agents/", nil, "Authorization", "Bearer wrong")
	h.expect(401, "GET", "/v1/nothing", nil)
	h.expect(200, "GET", "/v1/agents/", nil, "Authorization", "Bearer s3cret")
	h.expect(200, "GET", "/v1/agents/", nil, "X-BARE-PASSWORD", "password s3cret")
	h.expect(200, "GET", "/v1/health/", nil)
	h.expect(307, "GET", "/v1/health", nil)
}

func TestAgentLifecycle(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			env := map[string]any{"ODOO_MCP_TOKEN": "abc"}
			created := h.expect(200, "POST", "/v1/agents/", map[string]any{
				"name": "odoo-thread-42", "system": "You are an Odoo assistant.",
				"model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-3-small",
				"memory_blocks": []any{map[string]any{"label": "persona", "value": "helpful"}, map[string]any{"label": "human", "value": "Ann"}},
				"tags":          []any{"odoo-mcp", "thread:42"}, "metadata": map[string]any{"thread_id": "42"},
				"tool_exec_environment_variables": env, "secrets": env, "unknown_field": 1,
			}).obj(t)
			id := created["id"].(string)
			if !agentIDPattern.MatchString(id) {
				t.Fatalf("agent id %q", id)
			}
			if created["name"] != "odoo-thread-42" || created["system"] != "You are an Odoo assistant." {
				t.Errorf("name/system = %v / %v", created["name"], created["system"])
			}
			if fmt.Sprint(created["tags"]) != "[odoo-mcp thread:42]" || created["metadata"].(map[string]any)["thread_id"] != "42" {
				t.Errorf("tags/metadata = %v / %v", created["tags"], created["metadata"])
			}
			if created["llm_config"].(map[string]any)["handle"] != "openai/gpt-4o-mini" ||
				created["embedding_config"].(map[string]any)["handle"] != "openai/text-embedding-3-small" {
				t.Errorf("configs = %v / %v", created["llm_config"], created["embedding_config"])
			}
			blocks := created["memory"].(map[string]any)["blocks"].([]any)
			if len(blocks) != 2 || blocks[0].(map[string]any)["label"] != "persona" || !strings.HasPrefix(blocks[0].(map[string]any)["id"].(string), "block-") {
				t.Errorf("blocks = %v", blocks)
			}
			envs := created["tool_exec_environment_variables"].([]any)
			if len(envs) != 1 || envs[0].(map[string]any)["key"] != "ODOO_MCP_TOKEN" || envs[0].(map[string]any)["value"] != "abc" {
				t.Errorf("env vars = %v", envs)
			}
			var baseTools []string
			for _, tool := range created["tools"].([]any) {
				baseTools = append(baseTools, tool.(map[string]any)["name"].(string))
			}
			slices.Sort(baseTools)
			wantAgentType, wantBase := "memgpt_v2_agent", "[conversation_search memory_insert memory_replace send_message]"
			if v == VersionNew {
				wantAgentType, wantBase = "letta_v1_agent", "[conversation_search memory_insert memory_replace]"
				if created["model"] != "openai/gpt-4o-mini" || len(created["secrets"].([]any)) != 1 {
					t.Errorf("NEW model/secrets = %v / %v", created["model"], created["secrets"])
				}
			} else if _, ok := created["secrets"]; ok {
				t.Error("OLD AgentState has no secrets")
			}
			if created["agent_type"] != wantAgentType || fmt.Sprint(baseTools) != wantBase {
				t.Errorf("agent_type %v, base tools %v", created["agent_type"], baseTools)
			}

			got := h.expect(200, "GET", "/v1/agents/"+id, nil).obj(t)
			if got["id"] != id || len(got["tools"].([]any)) != len(baseTools) {
				t.Errorf("GET agent = %v", got["id"])
			}
			snap, ok := h.fake.Agent(id)
			if !ok || snap.EnvVars["ODOO_MCP_TOKEN"] != "abc" || snap.Model != "openai/gpt-4o-mini" || len(snap.Blocks) != 2 {
				t.Errorf("snapshot = %+v", snap)
			}

			// modify
			mod := h.expect(200, "PATCH", "/v1/agents/"+id, map[string]any{
				"name": "renamed", "system": "new system", "tags": []any{"x"}, "model": "anthropic/claude-sonnet-4-20250514",
				"tool_exec_environment_variables": map[string]any{"ODOO_MCP_TOKEN": "def"}, "secrets": map[string]any{"ODOO_MCP_TOKEN": "def"},
			}).obj(t)
			if mod["name"] != "renamed" || mod["system"] != "new system" || fmt.Sprint(mod["tags"]) != "[x]" ||
				mod["llm_config"].(map[string]any)["model_endpoint_type"] != "anthropic" {
				t.Errorf("modified = %v %v %v %v", mod["name"], mod["system"], mod["tags"], mod["llm_config"])
			}
			if snap, _ := h.fake.Agent(id); snap.EnvVars["ODOO_MCP_TOKEN"] != "def" {
				t.Errorf("env after PATCH = %v", snap.EnvVars)
			}
			badModel := h.do("PATCH", "/v1/agents/"+id, map[string]any{"model": "openai/nope"})
			if v == VersionOld {
				if badModel.status != 500 || badModel.obj(t)["detail"] != "An internal server error occurred" {
					t.Errorf("OLD bad model PATCH: %d %s", badModel.status, badModel.body)
				}
			} else if badModel.status != 404 || !strings.Contains(badModel.obj(t)["detail"].(string), "Handle openai/nope not found") {
				t.Errorf("NEW bad model PATCH: %d %s", badModel.status, badModel.body)
			}

			// delete
			del := h.expect(200, "DELETE", "/v1/agents/"+id, nil).obj(t)
			if del["message"] != "Agent id="+id+" successfully deleted" {
				t.Errorf("delete body %v", del)
			}
			missing := h.expect(404, "DELETE", "/v1/agents/"+id, nil).obj(t)["detail"].(string)
			if v == VersionOld && missing != "Agent agent_id="+id+" not found for user_id="+defaultUserID+"." {
				t.Errorf("OLD delete-missing detail %q", missing)
			}
			if got := h.expect(404, "GET", "/v1/agents/"+id, nil).obj(t)["detail"]; got != "Agent with ID "+id+" not found" {
				t.Errorf("GET missing detail %v", got)
			}
		})
	}
}

func TestAgentErrors(t *testing.T) {
	t.Run("OLD", func(t *testing.T) {
		h := newHarness(t, Options{Version: VersionOld})
		r := h.expect(400, "GET", "/v1/agents/agent-123", nil)
		if r.obj(t)["detail"] != "agent_id agent-123 is not in the valid format 'agent-<uuid4>'" {
			t.Errorf("malformed id: %s", r.body)
		}
		h.expect(404, "DELETE", "/v1/agents/agent-123", nil)
		r = h.expect(500, "POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini"})
		if r.obj(t)["detail"] != "Must specify either embedding or embedding_config in request" {
			t.Errorf("missing embedding: %s", r.body)
		}
		r = h.expect(500, "POST", "/v1/agents/", map[string]any{"model": "openai/nope", "embedding": "openai/text-embedding-3-small"})
		if !strings.HasPrefix(r.obj(t)["detail"].(string), "NOT_FOUND: Handle openai/nope not found, must be one of ['openai/gpt-4o-mini'") {
			t.Errorf("unknown handle: %s", r.body)
		}
		r = h.expect(422, "POST", "/v1/agents/", map[string]any{"name": "bad/name", "model": "openai/gpt-4o-mini"})
		issue := r.obj(t)["detail"].([]any)[0].(map[string]any)
		if issue["type"] != "value_error" || fmt.Sprint(issue["loc"]) != "[body name]" || issue["msg"] != "Value error, Name contains invalid characters." {
			t.Errorf("bad name: %s", r.body)
		}
		r = h.expect(422, "POST", "/v1/agents/", "{not json")
		if r.obj(t)["detail"].([]any)[0].(map[string]any)["type"] != "json_invalid" {
			t.Errorf("bad JSON: %s", r.body)
		}
	})
	t.Run("NEW", func(t *testing.T) {
		h := newHarness(t, Options{Version: VersionNew})
		r := h.expect(422, "GET", "/v1/agents/agent-123", nil).obj(t)
		detail, _ := r["detail"].(string)
		if _, ok := r["trace_id"]; !ok || !strings.Contains(detail, "String should match pattern 'agent-{uuid4}'") ||
			!strings.Contains(detail, "'loc': ('path', 'agent_id')") ||
			fmt.Sprint(r["examples"]) != "[agent-123e4567-e89b-42d3-8456-426614174000]" {
			t.Errorf("malformed id: %v", r)
		}
		created := h.expect(200, "POST", "/v1/agents/", map[string]any{"model": "letta/letta-free"}).obj(t)
		if created["embedding_config"] != nil || created["embedding"] != nil {
			t.Errorf("NEW agent without embedding: %v", created["embedding_config"])
		}
		h.expect(400, "POST", "/v1/agents/", map[string]any{})
		h.expect(404, "POST", "/v1/agents/", map[string]any{"model": "openai/nope"})
		r = h.expect(400, "POST", "/v1/agents/", map[string]any{"model": "letta/letta-free", "tool_ids": []any{"tool-00000000-0000-4000-8000-000000000000"}}).obj(t)
		if !strings.HasPrefix(r["detail"].(string), "Tools not found by id:") {
			t.Errorf("unknown tool id: %v", r)
		}
		h.expect(500, "POST", "/v1/agents/", map[string]any{"model": "letta/letta-free", "name": "bad/name"})
		h.expect(200, "POST", "/v1/agents/", map[string]any{"model": "letta/letta-free", "name": "Zoë's agent"})
	})
}

func TestListAgentsTagsAndPaging(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			var ids []string
			for i, tags := range [][]any{{"odoo-mcp", "thread:1"}, {"odoo-mcp", "thread:2"}, {"other"}, {"odoo-mcp", "thread:1", "x"}} {
				ids = append(ids, h.createAgent(map[string]any{"name": fmt.Sprintf("a%d", i), "tags": tags}))
			}
			names := func(path string) []string {
				var out []string
				for _, a := range h.expect(200, "GET", path, nil).list(t) {
					out = append(out, a.(map[string]any)["name"].(string))
				}
				return out
			}
			cases := []struct{ path, want string }{
				{"/v1/agents/", "[a3 a2 a1 a0]"},
				{"/v1/agents/?tags=odoo-mcp", "[a3 a1 a0]"},
				{"/v1/agents/?tags=thread:1&tags=other", "[a3 a2 a0]"},
				{"/v1/agents/?tags=thread:1&tags=odoo-mcp&match_all_tags=true", "[a3 a0]"},
				{"/v1/agents/?tags=thread:2&tags=x&match_all_tags=true", "[]"},
				{"/v1/agents/?name=a2", "[a2]"},
				{"/v1/agents/?limit=2", "[a3 a2]"},
				{"/v1/agents/?limit=2&after=" + ids[2], "[a1 a0]"},
				{"/v1/agents/?after=" + ids[0], "[]"},
				{"/v1/agents/?ascending=true&limit=3", "[a0 a1 a2]"},
				{"/v1/agents/?before=" + ids[1], "[a3 a2]"},
			}
			if v == VersionNew {
				cases = append(cases, struct{ path, want string }{"/v1/agents/?order=asc&after=" + ids[1], "[a2 a3]"})
			}
			for _, c := range cases {
				if got := fmt.Sprint(names(c.path)); got != c.want {
					t.Errorf("GET %s = %s, want %s", c.path, got, c.want)
				}
			}
			// The v1 SDK pages with after=<last id> until an empty page.
			var all []string
			after := ""
			for page := 0; page < 10; page++ {
				path := "/v1/agents/?tags=odoo-mcp&limit=1"
				if after != "" {
					path += "&after=" + after
				}
				list := h.expect(200, "GET", path, nil).list(t)
				if len(list) == 0 {
					break
				}
				after = list[0].(map[string]any)["id"].(string)
				all = append(all, list[0].(map[string]any)["name"].(string))
			}
			if fmt.Sprint(all) != "[a3 a1 a0]" {
				t.Errorf("paged = %v", all)
			}
		})
	}
}

func toolIDByName(t *testing.T, h *harness, name string) string {
	t.Helper()
	list := h.expect(200, "GET", "/v1/tools/?name="+name, nil).list(t)
	if len(list) != 1 {
		t.Fatalf("tools named %s: %d", name, len(list))
	}
	return list[0].(map[string]any)["id"].(string)
}

func TestAttachDetach(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			id := h.createAgent(map[string]any{"include_base_tools": false})
			toolID := toolIDByName(t, h, "core_memory_append")
			state := h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/attach/"+toolID, nil).obj(t)
			if tools := state["tools"].([]any); len(tools) != 1 || tools[0].(map[string]any)["id"] != toolID {
				t.Errorf("attach result tools = %v", state["tools"])
			}
			h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/attach/"+toolID, nil) // idempotent
			if a, _ := h.fake.Agent(id); fmt.Sprint(a.ToolIDs) != "["+toolID+"]" {
				t.Errorf("tool ids = %v", a.ToolIDs)
			}
			list := h.expect(200, "GET", "/v1/agents/"+id+"/tools", nil).list(t)
			if len(list) != 1 {
				t.Errorf("agent tools = %d", len(list))
			}
			h.expect(404, "PATCH", "/v1/agents/"+id+"/tools/attach/tool-00000000-0000-4000-8000-000000000000", nil)
			if v == VersionNew {
				r := h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/detach/"+toolID, nil, "X-Stainless-Package-Version", "1.12.1")
				if string(r.body) != "null" {
					t.Errorf("v1 caller detach body %s", r.body)
				}
				h.expect(422, "PATCH", "/v1/agents/"+id+"/tools/attach/tool-1", nil)
				h.ua = "letta-client/1.0.0"
				if r := h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/attach/"+toolID, nil); string(r.body) != "null" {
					t.Errorf("letta-client/1.0.0 attach body %s", r.body)
				}
				h.ua = "letta-client/0.1.211"
				if r := h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/detach/"+toolID, nil); string(r.body) == "null" {
					t.Error("legacy SDK should get the AgentState")
				}
				h.ua = ""
			} else {
				state := h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/detach/"+toolID, nil, "X-Stainless-Package-Version", "1.12.1").obj(t)
				if len(state["tools"].([]any)) != 0 {
					t.Errorf("detach result tools = %v", state["tools"])
				}
			}
			if a, _ := h.fake.Agent(id); len(a.ToolIDs) != 0 {
				t.Errorf("tool ids after detach = %v", a.ToolIDs)
			}
		})
	}
}

func TestIsV1Client(t *testing.T) {
	cases := []struct {
		ua, stainless string
		hasUA, want   bool
	}{
		{"", "", false, true},
		{"Go-http-client/1.1", "", true, false},
		{"curl/8.5.0", "", true, false},
		{"Go-http-client/1.1", "1.12.1", true, true},
		{"letta-client/1.0.0", "", true, true},
		{"@letta-ai/letta-client/1.12.1", "", true, true},
		{"letta-client/1.0.0-alpha.2", "", true, true},
		{"letta-client/1.0.0a5", "", true, true},
		{"letta-client/0.1.211", "", true, false},
		{"letta-client/2.0.0", "", true, false},
		{"other/letta-client/1.0.0", "", true, false},
	}
	for _, c := range cases {
		h := map[string]string{"User-Agent": c.ua, "X-Stainless-Package-Version": c.stainless}
		if got := isV1Client(getter(h), c.hasUA); got != c.want {
			t.Errorf("isV1Client(%q, %q) = %v", c.ua, c.stainless, got)
		}
	}
}

type getter map[string]string

func (g getter) Get(k string) string { return g[k] }

func TestModelsAndTools(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, Options{Version: v})
			var handles []string
			for _, m := range h.expect(200, "GET", "/v1/models/", nil).list(t) {
				mm := m.(map[string]any)
				handles = append(handles, mm["handle"].(string))
				if _, ok := mm["model_type"]; ok != (v == VersionNew) {
					t.Errorf("model_type present=%v on %s", ok, v)
				}
			}
			if fmt.Sprint(handles) != fmt.Sprint(DefaultModels) {
				t.Errorf("models = %v", handles)
			}
			if got := h.expect(200, "GET", "/v1/models/?provider_name=anthropic", nil).list(t); len(got) != 1 {
				t.Errorf("anthropic models = %d", len(got))
			}
			emb := h.expect(200, "GET", "/v1/models/embedding", nil).list(t)
			if len(emb) != 2 || emb[0].(map[string]any)["handle"] != "openai/text-embedding-3-small" {
				t.Errorf("embedding models = %v", emb)
			}

			if got := h.expect(200, "GET", "/v1/tools/?tool_types=letta_core", nil).list(t); len(got) != 2 {
				t.Errorf("letta_core tools = %d", len(got))
			}
			first := h.expect(200, "GET", "/v1/tools/?limit=2", nil).list(t)
			next := h.expect(200, "GET", "/v1/tools/?limit=2&after="+first[1].(map[string]any)["id"].(string), nil).list(t)
			if len(first) != 2 || len(next) != 2 || first[0].(map[string]any)["name"] != "memory_insert" || next[0].(map[string]any)["name"] != "core_memory_replace" {
				t.Errorf("tool pages %v / %v", first, next)
			}
			r := h.do("GET", "/v1/tools/?tool_types=bogus", nil)
			if (v == VersionOld && r.status != 500) || (v == VersionNew && r.status != 400) {
				t.Errorf("bogus tool_type: %d %s", r.status, r.body)
			}
		})
	}
}
