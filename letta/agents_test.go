package letta

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestCreateAgent(t *testing.T) {
	env := map[string]string{"ODOO_API_KEY": "k-42", "ODOO_DB": "prod"}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			id := uuidID("agent", 1)
			f.on("POST /v1/agents/", func(c call) reply {
				return reply{body: agentState(v, id, "odoo-thread-42", []any{toolObj(1, "odoo_search", "odoo")}, env)}
			})
			c := f.client(t, Options{})
			a, err := c.CreateAgent(context.Background(), CreateAgentRequest{
				Name: "odoo-thread-42", Model: "openai/gpt-4o-mini", Embedding: "openai/text-embedding-3-small",
				System: "You are an Odoo assistant.",
				MemoryBlocks: []MemoryBlock{
					{Label: "persona", Value: "I am Odoo's assistant."},
					{Label: "human", Value: "An Odoo user.", Limit: 5000},
				},
				Tags: []string{"odoo-mcp", "thread:42"}, Metadata: map[string]any{"thread_id": "42"},
				ToolIDs: []string{uuidID("tool", 1)}, IncludeBaseTools: ptr(true), EnvVars: env,
				LLM: LLMSettings{ContextWindowLimit: ptr(32000), MaxTokens: ptr(2048)},
			})
			if err != nil {
				t.Fatal(err)
			}
			body := f.callsTo("POST /v1/agents/")[0].json(t)
			for k, want := range map[string]any{
				"name": "odoo-thread-42", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-3-small",
				"system": "You are an Odoo assistant.", "include_base_tools": true,
				"context_window_limit": float64(32000), "max_tokens": float64(2048),
			} {
				if body[k] != want {
					t.Errorf("body[%s] = %v, want %v", k, body[k], want)
				}
			}
			wantEnv := map[string]any{"ODOO_API_KEY": "k-42", "ODOO_DB": "prod"}
			if !reflect.DeepEqual(body["tool_exec_environment_variables"], wantEnv) || !reflect.DeepEqual(body["secrets"], wantEnv) {
				t.Errorf("env vars not sent in both fields: %v / %v", body["tool_exec_environment_variables"], body["secrets"])
			}
			if got := fmt.Sprint(body["memory_blocks"]); got != "[map[label:persona value:I am Odoo's assistant.] map[label:human limit:5000 value:An Odoo user.]]" {
				t.Errorf("memory_blocks = %s", got)
			}
			if _, ok := body["llm_config"]; ok {
				t.Error("llm_config sent without a temperature")
			}
			// Decoded agent, version-neutral.
			if a.ID != id || a.Name != "odoo-thread-42" || a.Model != "openai/gpt-4o-mini" || a.Embedding != "openai/text-embedding-3-small" {
				t.Errorf("agent = %+v", a)
			}
			if len(a.Tools) != 1 || a.Tools[0].Name != "odoo_search" || a.Tools[0].MCPServerName() != "odoo" || a.Tools[0].SchemaStatus() != "STRICT_COMPLIANT" {
				t.Errorf("tools = %+v", a.Tools)
			}
			if !reflect.DeepEqual(a.EnvVars, env) {
				t.Errorf("env = %v", a.EnvVars)
			}
			if b := a.Block("persona"); b == nil || b.Value != "I am Odoo's assistant." {
				t.Errorf("persona block = %+v", b)
			}
			if a.LLMConfig.ContextWindow != 128000 || a.LLMConfig.Temperature == nil || a.Metadata["thread_id"] != "42" {
				t.Errorf("llm_config/metadata = %+v %v", a.LLMConfig, a.Metadata)
			}
		})
	}
}

// TestCreateAgentTemperature: temperature travels in model_settings on NEW
// (provider_type from /v1/models/) and in a full llm_config on OLD.
func TestCreateAgentTemperature(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			f.on("GET /v1/models/", func(call) reply {
				if isNew(v) {
					return reply{body: []any{newModel("openai/gpt-4o-mini", "openai"), newModel("ollama/llama3", "ollama")}}
				}
				return reply{body: []any{llmConfig("openai/gpt-4o-mini")}}
			})
			f.on("POST /v1/agents/", func(c call) reply {
				return reply{body: agentState(v, uuidID("agent", 1), "a", nil, nil)}
			})
			c := f.client(t, Options{})
			req := CreateAgentRequest{Name: "a", Model: "openai/gpt-4o-mini", Embedding: "openai/text-embedding-3-small",
				LLM: LLMSettings{Temperature: ptr(0.2), ContextWindowLimit: ptr(200000), MaxTokens: ptr(1000)}}
			for range 2 {
				if _, err := c.CreateAgent(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(f.callsTo("GET /v1/models/")); n != 1 {
				t.Errorf("models listed %d times, want 1 (cached)", n)
			}
			body := f.callsTo("POST /v1/agents/")[0].json(t)
			if isNew(v) {
				want := map[string]any{"provider_type": "openai", "temperature": 0.2, "max_output_tokens": float64(1000)}
				if !reflect.DeepEqual(body["model_settings"], want) {
					t.Errorf("model_settings = %v", body["model_settings"])
				}
				if body["model"] != "openai/gpt-4o-mini" || body["context_window_limit"] != float64(200000) {
					t.Errorf("body = %v", body)
				}
				_, err := c.CreateAgent(context.Background(), CreateAgentRequest{Name: "b", Model: "ollama/llama3", LLM: LLMSettings{Temperature: ptr(0.1)}})
				if !errors.Is(err, ErrUnsupported) {
					t.Errorf("ollama temperature err = %v, want ErrUnsupported", err)
				}
				return
			}
			cfg, _ := body["llm_config"].(map[string]any)
			if cfg == nil || cfg["temperature"] != 0.2 || cfg["context_window"] != float64(128000) || cfg["max_tokens"] != float64(1000) || cfg["handle"] != "openai/gpt-4o-mini" {
				t.Errorf("llm_config = %v", body["llm_config"])
			}
			for _, k := range []string{"model", "context_window_limit", "max_tokens", "model_settings"} {
				if _, ok := body[k]; ok {
					t.Errorf("OLD body has %s next to llm_config", k)
				}
			}
			if _, err := c.CreateAgent(context.Background(), CreateAgentRequest{Name: "c", Model: "openai/nope", LLM: LLMSettings{Temperature: ptr(0.1)}}); err == nil {
				t.Error("unknown handle accepted")
			}
		})
	}
}

func TestModifyAgent(t *testing.T) {
	id := uuidID("agent", 7)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			f.on("PATCH /v1/agents/{agent_id}", func(c call) reply { return reply{body: agentState(v, c.Params["agent_id"], "renamed", nil, nil)} })
			f.on("GET /v1/agents/{agent_id}", func(c call) reply { return reply{body: agentState(v, c.Params["agent_id"], "renamed", nil, nil)} })
			f.on("GET /v1/models/", func(call) reply {
				if isNew(v) {
					return reply{body: []any{newModel("openai/gpt-4o-mini", "openai")}}
				}
				return reply{body: []any{llmConfig("openai/gpt-4o-mini")}}
			})
			c := f.client(t, Options{})
			ctx := context.Background()

			// Plain fields: only what is set is sent; env vars in both fields.
			a, err := c.ModifyAgent(ctx, id, ModifyAgentRequest{Name: ptr("renamed"), System: ptr("new system"), Tags: []string{}, EnvVars: map[string]string{"K": "v"}})
			if err != nil || a.Name != "renamed" {
				t.Fatalf("ModifyAgent = %+v, %v", a, err)
			}
			body := f.callsTo("PATCH /v1/agents/{agent_id}")[0].json(t)
			want := map[string]any{"name": "renamed", "system": "new system", "tags": []any{},
				"tool_exec_environment_variables": map[string]any{"K": "v"}, "secrets": map[string]any{"K": "v"}}
			if !reflect.DeepEqual(body, want) {
				t.Errorf("body = %v\nwant %v", body, want)
			}

			// Context window only.
			if _, err := c.ModifyAgent(ctx, id, ModifyAgentRequest{LLM: LLMSettings{ContextWindowLimit: ptr(16000)}}); err != nil {
				t.Fatal(err)
			}
			body = f.callsTo("PATCH /v1/agents/{agent_id}")[1].json(t)
			if isNew(v) {
				if !reflect.DeepEqual(body, map[string]any{"context_window_limit": float64(16000)}) {
					t.Errorf("NEW body = %v", body)
				}
				if n := len(f.callsTo("GET /v1/agents/{agent_id}")); n != 0 {
					t.Errorf("NEW fetched the agent %d times", n)
				}
			} else {
				cfg, _ := body["llm_config"].(map[string]any)
				if len(body) != 1 || cfg["context_window"] != float64(16000) || cfg["temperature"] != 0.7 || cfg["model"] != "gpt-4o-mini" {
					t.Errorf("OLD body = %v", body)
				}
				if n := len(f.callsTo("GET /v1/agents/{agent_id}")); n != 1 {
					t.Errorf("OLD fetched the agent %d times, want 1", n)
				}
			}

			// Temperature without a model change.
			if _, err := c.ModifyAgent(ctx, id, ModifyAgentRequest{LLM: LLMSettings{Temperature: ptr(0.0)}}); err != nil {
				t.Fatal(err)
			}
			body = f.callsTo("PATCH /v1/agents/{agent_id}")[2].json(t)
			if isNew(v) {
				if !reflect.DeepEqual(body["model_settings"], map[string]any{"provider_type": "openai", "temperature": 0.0}) {
					t.Errorf("NEW model_settings = %v", body["model_settings"])
				}
			} else if cfg, _ := body["llm_config"].(map[string]any); cfg["temperature"] != 0.0 {
				t.Errorf("OLD llm_config = %v", body["llm_config"])
			}

			// Model change with temperature: OLD sends llm_config instead of model.
			if _, err := c.ModifyAgent(ctx, id, ModifyAgentRequest{Model: ptr("openai/gpt-4o-mini"), LLM: LLMSettings{Temperature: ptr(1.0)}}); err != nil {
				t.Fatal(err)
			}
			body = f.callsTo("PATCH /v1/agents/{agent_id}")[3].json(t)
			_, hasModel := body["model"]
			if hasModel != isNew(v) {
				t.Errorf("model sent = %v on %s: %v", hasModel, v, body)
			}
		})
	}
}

func TestGetDeleteAgent(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			known := uuidID("agent", 1)
			f.on("GET /v1/agents/{agent_id}", func(c call) reply {
				if c.Params["agent_id"] != known {
					return reply{status: 404, raw: `{"detail":"Agent with ID ` + c.Params["agent_id"] + ` not found"}`}
				}
				return reply{body: agentState(v, known, "a", nil, nil)}
			})
			f.on("DELETE /v1/agents/{agent_id}", func(c call) reply {
				if c.Params["agent_id"] != known {
					return reply{status: 404, raw: `{"detail":"Agent agent_id=x not found for user_id=user-1."}`}
				}
				return reply{body: map[string]any{"message": "Agent id=" + known + " successfully deleted"}}
			})
			c := f.client(t, Options{})
			ctx := context.Background()
			if a, err := c.GetAgent(ctx, known); err != nil || a.ID != known {
				t.Fatalf("GetAgent = %v, %v", a, err)
			}
			if _, err := c.GetAgent(ctx, uuidID("agent", 2)); !IsNotFound(err) {
				t.Errorf("GetAgent(unknown) err = %v", err)
			}
			if err := c.DeleteAgent(ctx, known); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteAgent(ctx, uuidID("agent", 2)); !IsNotFound(err) {
				t.Errorf("DeleteAgent(unknown) err = %v", err)
			}
		})
	}
}

// TestListAgentsPaging: every page is fetched with after = last id until
// a page shorter than the limit (an empty one when the total is a multiple
// of it); filters are passed on every page.
func TestListAgentsPaging(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			for total, pages := range map[int]int{230: 3, 200: 3, 5: 1} {
				f := newFake(t, v)
				f.on("GET /v1/agents/", func(c call) reply {
					limit, _ := strconv.Atoi(c.Query.Get("limit"))
					start := 0
					if after := c.Query.Get("after"); after != "" {
						fmt.Sscanf(after, "agent-%08x", &start)
					}
					var page []any
					for i := start + 1; i <= total && len(page) < limit; i++ {
						page = append(page, agentState(v, uuidID("agent", i), fmt.Sprint("a", i), nil, nil))
					}
					if page == nil {
						page = []any{}
					}
					return reply{body: page}
				})
				c := f.client(t, Options{})
				agents, err := c.ListAgents(context.Background(), ListAgentsOptions{Tags: []string{"odoo-mcp", "thread:42"}, MatchAllTags: true, PageSize: 100})
				if err != nil {
					t.Fatal(err)
				}
				if len(agents) != total || agents[0].ID != uuidID("agent", 1) || agents[total-1].ID != uuidID("agent", total) {
					t.Fatalf("got %d agents", len(agents))
				}
				calls := f.callsTo("GET /v1/agents/")
				if len(calls) != pages {
					t.Fatalf("%d agents: %d pages fetched, want %d", total, len(calls), pages)
				}
				for i, cl := range calls {
					tags := cl.Query["tags"]
					sort.Strings(tags)
					if !reflect.DeepEqual(tags, []string{"odoo-mcp", "thread:42"}) || cl.Query.Get("match_all_tags") != "true" || cl.Query.Get("limit") != "100" {
						t.Errorf("page %d query = %v", i, cl.Query)
					}
					if i > 0 && cl.Query.Get("after") != uuidID("agent", min(100*i, total)) {
						t.Errorf("page %d after = %q", i, cl.Query.Get("after"))
					}
				}
			}
		})
	}
	t.Run("cursor ignored", func(t *testing.T) {
		f := newFake(t, vNew)
		f.on("GET /v1/agents/", func(c call) reply {
			return reply{body: []any{agentState(vNew, uuidID("agent", 1), "a", nil, nil), agentState(vNew, uuidID("agent", 2), "b", nil, nil)}}
		})
		agents, err := f.client(t, Options{}).ListAgents(context.Background(), ListAgentsOptions{Name: "a"})
		if err != nil || len(agents) != 2 {
			t.Fatalf("got %d agents, %v", len(agents), err)
		}
		if n := len(f.callsTo("")); n > 3 {
			t.Errorf("%d calls for a server that ignores the cursor", n)
		}
	})
}
