package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// providerInfo describes the provider part of a model handle.
type providerInfo struct {
	endpointType  string
	endpoint      string
	providerType  string
	contextWindow int
}

func providerOf(handle string) (provider, model string, info providerInfo) {
	provider, model, _ = strings.Cut(handle, "/")
	switch provider {
	case "openai":
		info = providerInfo{"openai", "https://api.openai.com/v1", "openai", 128000}
	case "anthropic":
		info = providerInfo{"anthropic", "https://api.anthropic.com/v1", "anthropic", 200000}
	case "letta":
		info = providerInfo{"openai", "https://inference.letta.com", "letta", 30000}
	case "google_ai", "groq", "ollama", "together", "mistral", "deepseek", "xai", "bedrock":
		info = providerInfo{provider, "", provider, 32000}
	default:
		info = providerInfo{"openai", "", "openai", 32000}
	}
	return provider, model, info
}

// llmConfig is the LLMConfig Letta builds for a chat model handle.
func llmConfig(handle string) map[string]any {
	provider, model, info := providerOf(handle)
	return map[string]any{
		"model":                        model,
		"display_name":                 model,
		"model_endpoint_type":          info.endpointType,
		"model_endpoint":               nilIfEmpty(info.endpoint),
		"provider_name":                provider,
		"provider_category":            "base",
		"model_wrapper":                nil,
		"context_window":               info.contextWindow,
		"put_inner_thoughts_in_kwargs": false,
		"handle":                       handle,
		"temperature":                  0.7,
		"max_tokens":                   4096,
		"enable_reasoner":              true,
		"reasoning_effort":             nil,
		"max_reasoning_tokens":         0,
		"frequency_penalty":            nil,
		"compatibility_type":           nil,
		"verbosity":                    nil,
		"tier":                         nil,
	}
}

// embeddingConfig is the EmbeddingConfig Letta builds for an embedding handle.
func embeddingConfig(handle string) map[string]any {
	provider, model, info := providerOf(handle)
	endpointType, endpoint, dim := info.endpointType, info.endpoint, 1536
	if provider == "letta" {
		endpointType, endpoint, dim = "hugging-face", "https://embeddings.memgpt.ai", 1024
	}
	return map[string]any{
		"embedding_endpoint_type": endpointType,
		"embedding_endpoint":      nilIfEmpty(endpoint),
		"embedding_model":         model,
		"embedding_dim":           dim,
		"embedding_chunk_size":    300,
		"handle":                  handle,
		"batch_size":              32,
		"azure_endpoint":          nil,
		"azure_version":           nil,
		"azure_deployment":        nil,
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (c *reqCtx) listModels() {
	q := c.r.URL.Query()
	out := []any{}
	for _, h := range c.s.opts.Models {
		provider, model, info := providerOf(h)
		if names := q["provider_name"]; len(names) > 0 && !slices.Contains(names, provider) {
			continue
		}
		if t := q.Get("provider_type"); t != "" && t != info.providerType {
			continue
		}
		cfg := llmConfig(h)
		if c.s.isNew {
			cfg["name"] = model
			cfg["display_name"] = model
			cfg["provider_type"] = info.providerType
			cfg["model_type"] = "llm"
			cfg["max_context_window"] = info.contextWindow
			cfg["strict"] = false
			cfg["return_logprobs"] = false
			cfg["top_logprobs"] = nil
			cfg["return_token_ids"] = false
		} else {
			delete(cfg, "display_name")
		}
		out = append(out, cfg)
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (c *reqCtx) listEmbeddingModels() {
	out := []any{}
	for _, h := range c.s.opts.EmbeddingModels {
		cfg := embeddingConfig(h)
		if c.s.isNew {
			_, model, info := providerOf(h)
			cfg["name"] = model
			cfg["display_name"] = model
			cfg["provider_type"] = info.providerType
			cfg["provider_name"] = strings.SplitN(h, "/", 2)[0]
			cfg["model_type"] = "embedding"
		}
		out = append(out, cfg)
	}
	writeJSON(c.w, http.StatusOK, out)
}

// knownHandle reports whether handle is served (chat or embedding list).
func knownHandle(handles []string, handle string) bool { return slices.Contains(handles, handle) }

// handleNotFound is str(HandleNotFoundError(handle, available)).
func handleNotFound(handle string, available []string) string {
	return fmt.Sprintf("NOT_FOUND: Handle %s not found, must be one of %s", handle, pyRepr(available))
}
