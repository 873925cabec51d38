package threads

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

func TestAPIRefusesBadRequests(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version, func(o *envOptions) {
			o.orch = func(opts *Options) { opts.MaxBodyBytes = 64 << 10 }
		})
		e.declare(admin, "ok", Spec{Model: chatModel}, http.StatusCreated)
		token := e.agent(e.threadAgents("ok")[0].ID).EnvVars[TokenVar]
		for _, tc := range []struct {
			name, method, path, auth string
			body                     any
			status                   int
			code                     string
			msg                      string   // in the message
			valid                    []string // some of the "valid" list
		}{
			{"no credentials", "GET", "/api/v1/threads", "", nil, 401, "unauthorized", "Authorization", nil},
			{"wrong key", "GET", "/api/v1/threads", basic("admin", "nope"), nil, 401, "unauthorized", "invalid credentials", nil},
			{"thread token", "GET", "/api/v1/threads", "Bearer " + token, nil, 401, "unauthorized", "thread tokens are for", nil},
			{"bad thread id", "PUT", "/api/v1/threads/-x", admin, Spec{Model: chatModel}, 400, "invalid_thread_id", "letters, digits", nil},
			{"thread id too long", "GET", "/api/v1/threads/" + strings.Repeat("a", 129), admin, nil, 400, "invalid_thread_id", "128", nil},
			{"not JSON", "PUT", "/api/v1/threads/t", admin, `{"model":`, 400, "invalid_json", "not valid JSON", nil},
			{"empty body", "PUT", "/api/v1/threads/t", admin, ``, 400, "empty_body", "empty", nil},
			{"array body", "PUT", "/api/v1/threads/t", admin, `[1]`, 400, "invalid_json", "JSON object", nil},
			{"two values", "PUT", "/api/v1/threads/t", admin, `{"model":"openai/gpt-4o-mini"} {}`, 400, "invalid_json", "more than one", nil},
			{"unknown field", "PUT", "/api/v1/threads/t", admin, `{"model":"openai/gpt-4o-mini","colour":"red"}`, 400, "unknown_field", `"colour"`, nil},
			{"wrong type", "PUT", "/api/v1/threads/t", admin, `{"model":"openai/gpt-4o-mini","tools":"odoo_record_retriever"}`, 400, "invalid_field", `"tools" must be an array`, nil},
			{"too large", "PUT", "/api/v1/threads/t", admin, `{"model":"` + strings.Repeat("x", 70000) + `"}`, 413, "body_too_large", "65536", nil},
			{"missing model", "PUT", "/api/v1/threads/t", admin, `{}`, 422, "missing_model", "GET /api/v1/models", nil},
			{"unknown model", "PUT", "/api/v1/threads/t", admin, Spec{Model: "openai/gpt-9"}, 422, "unknown_model", `"openai/gpt-9"`, fakeletta.DefaultModels},
			{"unknown embedding", "PUT", "/api/v1/threads/t", admin, Spec{Model: chatModel, Embedding: ptr("x/y")}, 422, "unknown_embedding", `"x/y"`, fakeletta.DefaultEmbeddingModels},
			{"unknown tool", "PUT", "/api/v1/threads/t", admin, Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever", "shell"}}, 422, "unknown_tool", `"shell"`, allTools},
			{"temperature", "PUT", "/api/v1/threads/t", admin, Spec{Model: chatModel, Temperature: ptr(3.0)}, 422, "invalid_temperature", "between 0 and 2", nil},
			{"persona too long", "PUT", "/api/v1/threads/t", admin, Spec{Model: chatModel, Persona: ptr(strings.Repeat("p", 20001))}, 422, "persona_too_long", "20000", nil},
			{"missing content", "POST", "/api/v1/threads/ok/messages", admin, `{"content":"  "}`, 422, "missing_content", `"content"`, nil},
			{"unknown message field", "POST", "/api/v1/threads/ok/messages", admin, `{"content":"hi","role":"system"}`, 400, "unknown_field", `"role"`, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.method, tc.path, tc.auth, tc.body)
				if r.status != tc.status {
					t.Fatalf("%d, want %d: %s", r.status, tc.status, r.body)
				}
				m := r.json(t)
				if m["error"] != tc.code || !strings.Contains(m["message"].(string), tc.msg) {
					t.Errorf("body %s, want code %q and a message with %q", r.body, tc.code, tc.msg)
				}
				if tc.valid != nil {
					var got []string
					for _, v := range m["valid"].([]any) {
						got = append(got, v.(string))
					}
					for _, v := range tc.valid {
						if !slices.Contains(got, v) {
							t.Errorf("valid %v lacks %q", got, v)
						}
					}
				}
				if tc.status == 401 && len(r.header.Values("WWW-Authenticate")) == 0 {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
		// Nothing was created by the refused declarations.
		if n := len(e.letta.Agents()); n != 1 {
			t.Errorf("%d agents in Letta, want 1", n)
		}
	})
}

func TestValidThreadID(t *testing.T) {
	for id, ok := range map[string]bool{
		"42": true, "a": true, "0f8fad5b-d9cb-469f-a165-70867728950e": true, "sale.order:12": true, "A_b.c-d:e": true,
		strings.Repeat("x", 128): true, strings.Repeat("x", 129): false,
		"": false, ".": false, "..": false, "-a": false, "a/b": false, "a b": false, "a%2F": false, "é": false, "a\n": false,
	} {
		if ValidThreadID(id) != ok {
			t.Errorf("ValidThreadID(%q) = %v, want %v", id, !ok, ok)
		}
	}
}

func TestModels(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version, func(o *envOptions) {
			o.orch = func(opts *Options) { opts.DefaultEmbedding = "letta/letta-free" }
		})
		r := e.do(http.MethodGet, "/api/v1/models", admin, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		m := r.json(t)
		if m["default_embedding"] != "letta/letta-free" {
			t.Errorf("default_embedding %v", m["default_embedding"])
		}
		for key, want := range map[string][]string{"models": fakeletta.DefaultModels, "embedding_models": fakeletta.DefaultEmbeddingModels} {
			var got []string
			for _, it := range m[key].([]any) {
				got = append(got, it.(map[string]any)["handle"].(string))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %v, want %v", key, got, want)
			}
		}
		th := e.declare(admin, "emb", Spec{Model: chatModel}, http.StatusCreated)
		if th.Embedding != "letta/letta-free" {
			t.Errorf("new thread's embedding %q, want the configured default", th.Embedding)
		}
		if r := e.do(http.MethodGet, "/api/v1/models", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("models without credentials: %d", r.status)
		}
	})
}
