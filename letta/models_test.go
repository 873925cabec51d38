package letta

import (
	"context"
	"testing"
)

func TestListModels(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			f.on("GET /v1/models/", func(call) reply {
				if isNew(v) {
					return reply{body: []any{newModel("openai/gpt-4o-mini", "openai"), newModel("anthropic/claude-sonnet-4", "anthropic")}}
				}
				noHandle := llmConfig("openai/gpt-4o")
				noHandle["handle"] = nil
				noProvider := llmConfig("x/y")
				noProvider["handle"], noProvider["provider_name"], noProvider["model_endpoint_type"] = nil, nil, "openai"
				noProvider["model"] = "local-model"
				return reply{body: []any{llmConfig("openai/gpt-4o-mini"), noHandle, noProvider}}
			})
			f.on("GET /v1/models/embedding", func(call) reply {
				if isNew(v) {
					return reply{body: []any{newEmbeddingModel("openai/text-embedding-3-small")}}
				}
				noHandle := embeddingConfig("openai/text-embedding-ada-002")
				noHandle["handle"] = nil
				return reply{body: []any{embeddingConfig("openai/text-embedding-3-small"), noHandle}}
			})
			c := f.client(t, Options{})
			ctx := context.Background()
			ms, err := c.ListModels(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ms[0].Handle != "openai/gpt-4o-mini" || ms[0].HandleDerived || ms[0].Name != "gpt-4o-mini" || ms[0].ProviderType != "openai" || ms[0].ContextWindow != 128000 {
				t.Errorf("model[0] = %+v", ms[0])
			}
			if isNew(v) {
				if len(ms) != 2 || ms[1].ProviderType != "anthropic" || ms[1].DisplayName != "claude-sonnet-4" {
					t.Errorf("models = %+v", ms)
				}
			} else {
				// A null handle is derived from provider_name/model, or
				// model_endpoint_type/model.
				if len(ms) != 3 || ms[1].Handle != "openai/gpt-4o" || !ms[1].HandleDerived || ms[2].Handle != "openai/local-model" {
					t.Errorf("models = %+v", ms)
				}
			}
			es, err := c.ListEmbeddingModels(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if es[0].Handle != "openai/text-embedding-3-small" || es[0].Dim != 1536 || es[0].Name != "text-embedding-3-small" {
				t.Errorf("embedding[0] = %+v", es[0])
			}
			if !isNew(v) && (len(es) != 2 || es[1].Handle != "openai/text-embedding-ada-002" || !es[1].HandleDerived) {
				t.Errorf("embeddings = %+v", es)
			}
			if m, err := c.FindModel(ctx, ms[0].Handle); err != nil || m.Handle != ms[0].Handle {
				t.Errorf("FindModel = %v, %v", m, err)
			}
			if n := len(f.callsTo("GET /v1/models/")); n != 1 {
				t.Errorf("FindModel did not reuse the listing (%d calls)", n)
			}
		})
	}
}
