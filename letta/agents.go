package letta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// MemoryBlock is a core-memory block to create with an agent (persona,
// human, ...). Limit 0 keeps Letta's default (20000 OLD, 100000 NEW).
type MemoryBlock struct {
	Label       string `json:"label"`
	Value       string `json:"value"`
	Limit       int    `json:"limit,omitempty"`
	Description string `json:"description,omitempty"`
	ReadOnly    bool   `json:"read_only,omitempty"`
	// Metadata marks blocks odoo-mcp manages (both versions accept it).
	Metadata map[string]any `json:"metadata,omitempty"`
}

// LLMSettings are the per-agent model knobs. What each version accepts
// (from the specs and letta.md):
//
//   - ContextWindowLimit: `context_window_limit` on create (both) and on
//     update (NEW only). OLD's update has no such field: the client sends a
//     patched `llm_config` instead (context_window).
//   - MaxTokens: `max_tokens` on create (both) and update (NEW); OLD update
//     goes through `llm_config` (max_tokens). When model_settings is sent
//     (NEW, with a temperature) it goes there as max_output_tokens.
//   - Temperature: no top-level field in either version. NEW takes it in
//     `model_settings`, a union discriminated by provider_type, which the
//     client reads from GET /v1/models/ for the agent's handle (providers
//     without a model_settings variant → ErrUnsupported). OLD takes it only
//     inside a full `llm_config`: the client copies the LLMConfig that GET
//     /v1/models/ lists for the handle (update without a new model: the
//     agent's current llm_config), patches it, and sends it instead of
//     `model` (OLD rebuilds llm_config from `model` when both are sent).
//     Note that NEW fills the other model_settings fields with their
//     defaults (e.g. max_output_tokens 4096) when MaxTokens is not set.
type LLMSettings struct {
	Temperature        *float64
	ContextWindowLimit *int
	MaxTokens          *int
}

// IsZero reports whether no setting is given.
func (s LLMSettings) IsZero() bool {
	return s.Temperature == nil && s.ContextWindowLimit == nil && s.MaxTokens == nil
}

// CreateAgentRequest is what odoo-mcp sets when creating an agent.
//
// EnvVars are the agent's tool-execution variables (they resolve the
// {{ VAR | default }} templates of MCP server headers at tool calls). They
// are sent as both `tool_exec_environment_variables` (the only field OLD
// knows) and `secrets` (what NEW reads first): both request models ignore
// unknown fields, so the same map works on either version (letta.md §5.3).
type CreateAgentRequest struct {
	Name             string
	Model            string // handle "provider/model-name"
	Embedding        string // handle; OLD needs it unless the server has a default
	System           string
	Description      string
	AgentType        string
	Timezone         string
	MemoryBlocks     []MemoryBlock
	Tags             []string
	Metadata         map[string]any
	ToolIDs          []string
	BlockIDs         []string // existing blocks to attach (shared memory)
	IdentityIDs      []string
	IncludeBaseTools *bool // nil = Letta's default (true)
	EnvVars          map[string]string
	LLM              LLMSettings
}

// ModifyAgentRequest changes an agent (PATCH). Nil fields stay unchanged;
// a non-nil slice or map (even empty) replaces the whole value.
//
// EnvVars, when non-nil, replace the agent's whole variable set on both
// versions (and both fields are sent, as on create): always pass every key,
// a missing key is deleted.
type ModifyAgentRequest struct {
	Name        *string
	Model       *string
	Embedding   *string
	System      *string
	Description *string
	Tags        []string
	Metadata    map[string]any
	ToolIDs     []string // replaces the agent's tool set
	EnvVars     map[string]string
	LLM         LLMSettings
}

// Agent is the decoded AgentState (version-neutral subset; Raw keeps all).
type Agent struct {
	ID          string
	Name        string
	System      string
	AgentType   string
	Description string
	Model       string // NEW `model`, else llm_config.handle
	Embedding   string // NEW `embedding`, else embedding_config.handle
	LLMConfig   LLMConfig
	Tags        []string
	Metadata    map[string]any
	Tools       []Tool
	Blocks      []Block           // NEW `blocks`, else memory.blocks
	EnvVars     map[string]string // NEW `secrets`, else tool_exec_environment_variables
	IdentityIDs []string
	CreatedAt   string // as sent (Letta may omit the time zone)
	UpdatedAt   string
	// Pending are the calls of the run paused on an approval request
	// (pending_approval, asked for with IncludePendingApproval).
	Pending []ToolCall
	// ApprovalTools are the tools with a requires_approval rule.
	ApprovalTools []string
	Raw           json.RawMessage
}

// LLMConfig is the agent's llm_config (subset; Raw keeps all).
type LLMConfig struct {
	Handle        string   `json:"handle"`
	Model         string   `json:"model"`
	EndpointType  string   `json:"model_endpoint_type"`
	ContextWindow int      `json:"context_window"`
	Temperature   *float64 `json:"temperature"`
	MaxTokens     *int     `json:"max_tokens"`
	Raw           json.RawMessage
}

// Block is a memory block of an agent.
type Block struct {
	ID          string         `json:"id"`
	Label       string         `json:"label"`
	Value       string         `json:"value"`
	Limit       int            `json:"limit"`
	ReadOnly    bool           `json:"read_only"`
	Description string         `json:"description"`
	Metadata    map[string]any `json:"metadata"`
}

type envVar struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// UnmarshalJSON decodes OLD and NEW AgentState.
func (a *Agent) UnmarshalJSON(b []byte) error {
	var w struct {
		ID              string          `json:"id"`
		Name            string          `json:"name"`
		System          string          `json:"system"`
		AgentType       string          `json:"agent_type"`
		Description     *string         `json:"description"`
		Model           *string         `json:"model"`
		Embedding       *string         `json:"embedding"`
		LLMConfig       json.RawMessage `json:"llm_config"`
		EmbeddingConfig *struct {
			Handle *string `json:"handle"`
		} `json:"embedding_config"`
		Tags     []string       `json:"tags"`
		Metadata map[string]any `json:"metadata"`
		Tools    []Tool         `json:"tools"`
		Blocks   []Block        `json:"blocks"`
		Memory   *struct {
			Blocks []Block `json:"blocks"`
		} `json:"memory"`
		IdentityIDs []string `json:"identity_ids"`
		Secrets     []envVar `json:"secrets"`
		ToolEnv     []envVar `json:"tool_exec_environment_variables"`
		CreatedAt   *string  `json:"created_at"`
		UpdatedAt   *string  `json:"updated_at"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Agent{
		ID: w.ID, Name: w.Name, System: w.System, AgentType: w.AgentType,
		Description: deref(w.Description), Model: deref(w.Model), Embedding: deref(w.Embedding),
		Tags: w.Tags, Metadata: w.Metadata, Tools: w.Tools, Blocks: w.Blocks, IdentityIDs: w.IdentityIDs,
		CreatedAt: deref(w.CreatedAt), UpdatedAt: deref(w.UpdatedAt),
		Raw: append(json.RawMessage(nil), b...),
	}
	if len(w.LLMConfig) > 0 && string(w.LLMConfig) != "null" {
		if err := json.Unmarshal(w.LLMConfig, &a.LLMConfig); err != nil {
			return fmt.Errorf("llm_config: %w", err)
		}
		a.LLMConfig.Raw = append(json.RawMessage(nil), w.LLMConfig...)
	}
	if a.Model == "" {
		a.Model = a.LLMConfig.Handle
	}
	decodeAgentApprovals(a, b)
	if a.Embedding == "" && w.EmbeddingConfig != nil {
		a.Embedding = deref(w.EmbeddingConfig.Handle)
	}
	if len(a.Blocks) == 0 && w.Memory != nil {
		a.Blocks = w.Memory.Blocks
	}
	env := w.Secrets
	if len(env) == 0 {
		env = w.ToolEnv
	}
	if len(env) > 0 {
		a.EnvVars = make(map[string]string, len(env))
		for _, e := range env {
			a.EnvVars[e.Key] = e.Value
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Block returns the agent's memory block with the given label, or nil.
func (a *Agent) Block(label string) *Block {
	for i := range a.Blocks {
		if a.Blocks[i].Label == label {
			return &a.Blocks[i]
		}
	}
	return nil
}

// CreateAgent creates an agent (POST /v1/agents/).
func (c *Client) CreateAgent(ctx context.Context, r CreateAgentRequest) (*Agent, error) {
	body := map[string]any{}
	setIf(body, "name", r.Name)
	setIf(body, "model", r.Model)
	setIf(body, "embedding", r.Embedding)
	setIf(body, "system", r.System)
	setIf(body, "description", r.Description)
	setIf(body, "agent_type", r.AgentType)
	setIf(body, "timezone", r.Timezone)
	if r.MemoryBlocks != nil {
		body["memory_blocks"] = r.MemoryBlocks
	}
	if r.Tags != nil {
		body["tags"] = r.Tags
	}
	if r.Metadata != nil {
		body["metadata"] = r.Metadata
	}
	if r.ToolIDs != nil {
		body["tool_ids"] = r.ToolIDs
	}
	if len(r.BlockIDs) > 0 {
		body["block_ids"] = r.BlockIDs
	}
	if len(r.IdentityIDs) > 0 {
		body["identity_ids"] = r.IdentityIDs
	}
	if r.IncludeBaseTools != nil {
		body["include_base_tools"] = *r.IncludeBaseTools
	}
	setEnvVars(body, r.EnvVars)
	if !r.LLM.IsZero() {
		if err := c.applyCreateLLM(ctx, body, r.Model, r.LLM); err != nil {
			return nil, err
		}
	}
	return doInto[Agent](ctx, c, http.MethodPost, "/v1/agents/", nil, body)
}

// GetAgent returns an agent (GET /v1/agents/{id}); Letta answers 404
// (IsNotFound) for an unknown id, and NEW 422 for a malformed one.
func (c *Client) GetAgent(ctx context.Context, agentID string) (*Agent, error) {
	return doInto[Agent](ctx, c, http.MethodGet, escapedPath("/v1/agents/%s", agentID), nil, nil)
}

// ListAgentsOptions filter ListAgents.
type ListAgentsOptions struct {
	Name         string   // exact agent name
	Tags         []string // e.g. "thread:42"
	MatchAllTags bool     // agents having every tag (default: any)
	QueryText    string   // name search
	PageSize     int      // default 100
	Include      []string // NEW include=… (IncludePendingApproval)
}

// ListAgents lists agents (GET /v1/agents/), every page (cursor `after` =
// last id, until an empty page).
func (c *Client) ListAgents(ctx context.Context, o ListAgentsOptions) ([]Agent, error) {
	q := url.Values{}
	if o.Name != "" {
		q.Set("name", o.Name)
	}
	for _, t := range o.Tags {
		q.Add("tags", t)
	}
	if o.MatchAllTags {
		q.Set("match_all_tags", "true")
	}
	if o.QueryText != "" {
		q.Set("query_text", o.QueryText)
	}
	for _, inc := range o.Include {
		q.Add("include", inc)
	}
	size := o.PageSize
	if size <= 0 {
		size = 100
	}
	return listAll(ctx, c, "/v1/agents/", q, size, func(a Agent) string { return a.ID })
}

// ModifyAgent updates an agent (PATCH /v1/agents/{id}).
func (c *Client) ModifyAgent(ctx context.Context, agentID string, r ModifyAgentRequest) (*Agent, error) {
	body := map[string]any{}
	setPtr(body, "name", r.Name)
	setPtr(body, "model", r.Model)
	setPtr(body, "embedding", r.Embedding)
	setPtr(body, "system", r.System)
	setPtr(body, "description", r.Description)
	if r.Tags != nil {
		body["tags"] = r.Tags
	}
	if r.Metadata != nil {
		body["metadata"] = r.Metadata
	}
	if r.ToolIDs != nil {
		body["tool_ids"] = r.ToolIDs
	}
	setEnvVars(body, r.EnvVars)
	if !r.LLM.IsZero() {
		if err := c.applyModifyLLM(ctx, body, agentID, r.Model, r.LLM); err != nil {
			return nil, err
		}
	}
	return doInto[Agent](ctx, c, http.MethodPatch, escapedPath("/v1/agents/%s", agentID), nil, body)
}

// DeleteAgent deletes an agent (its memory blocks and tools stay).
func (c *Client) DeleteAgent(ctx context.Context, agentID string) error {
	return c.do(ctx, http.MethodDelete, escapedPath("/v1/agents/%s", agentID), nil, nil, nil)
}

func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func setPtr(m map[string]any, k string, v *string) {
	if v != nil {
		m[k] = *v
	}
}

func setEnvVars(body map[string]any, env map[string]string) {
	if env == nil {
		return
	}
	body["tool_exec_environment_variables"] = env
	body["secrets"] = env
}

// modelSettingsProviders are the provider_type values NEW's model_settings
// union has a variant for (0.16.8 spec discriminator mapping).
var modelSettingsProviders = []string{
	"anthropic", "azure", "baseten", "bedrock", "chatgpt_oauth", "deepseek", "google_ai",
	"google_vertex", "groq", "openai", "openrouter", "sglang", "together", "xai", "zai",
}

func (c *Client) applyCreateLLM(ctx context.Context, body map[string]any, handle string, s LLMSettings) error {
	if s.ContextWindowLimit != nil {
		body["context_window_limit"] = *s.ContextWindowLimit
	}
	if s.Temperature == nil {
		if s.MaxTokens != nil {
			body["max_tokens"] = *s.MaxTokens
		}
		return nil
	}
	if handle == "" {
		return fmt.Errorf("letta: create agent: a temperature needs the model handle: %w", ErrUnsupported)
	}
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return err
	}
	if v.HasModelSettings() {
		return c.setModelSettings(ctx, body, handle, s)
	}
	return c.setOldLLMConfig(ctx, body, handle, nil, s)
}

func (c *Client) applyModifyLLM(ctx context.Context, body map[string]any, agentID string, model *string, s LLMSettings) error {
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return err
	}
	if v.HasModelSettings() {
		if s.ContextWindowLimit != nil {
			body["context_window_limit"] = *s.ContextWindowLimit
		}
		if s.Temperature == nil {
			if s.MaxTokens != nil {
				body["max_tokens"] = *s.MaxTokens
			}
			return nil
		}
		handle := deref(model)
		if handle == "" {
			a, err := c.GetAgent(ctx, agentID)
			if err != nil {
				return err
			}
			handle = a.Model
		}
		return c.setModelSettings(ctx, body, handle, s)
	}
	if model != nil {
		return c.setOldLLMConfig(ctx, body, *model, nil, s)
	}
	a, err := c.GetAgent(ctx, agentID)
	if err != nil {
		return err
	}
	if len(a.LLMConfig.Raw) == 0 {
		return fmt.Errorf("letta: agent %s has no llm_config to patch", agentID)
	}
	return c.setOldLLMConfig(ctx, body, a.LLMConfig.Handle, a.LLMConfig.Raw, s)
}

// setModelSettings (NEW) sends model_settings with the handle's provider
// type as discriminator.
func (c *Client) setModelSettings(ctx context.Context, body map[string]any, handle string, s LLMSettings) error {
	m, err := c.FindModel(ctx, handle)
	if err != nil {
		return err
	}
	if !slices.Contains(modelSettingsProviders, m.ProviderType) {
		return fmt.Errorf("letta: temperature for provider type %q (model %s): %w", m.ProviderType, handle, ErrUnsupported)
	}
	ms := map[string]any{"provider_type": m.ProviderType, "temperature": *s.Temperature}
	if s.MaxTokens != nil {
		ms["max_output_tokens"] = *s.MaxTokens
	}
	body["model_settings"] = ms
	return nil
}

// setOldLLMConfig (OLD) sends a full llm_config: base (the agent's current
// config) or the handle's entry of GET /v1/models/, patched with s. The
// context window is capped at the model's.
func (c *Client) setOldLLMConfig(ctx context.Context, body map[string]any, handle string, base json.RawMessage, s LLMSettings) error {
	var maxWindow int
	if m, err := c.FindModel(ctx, handle); err == nil {
		maxWindow = m.ContextWindow
		if base == nil {
			base = m.Raw
		}
	} else if base == nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal(base, &cfg); err != nil {
		return fmt.Errorf("letta: llm_config of %s: %w", handle, err)
	}
	if s.Temperature != nil {
		cfg["temperature"] = *s.Temperature
	}
	if s.MaxTokens != nil {
		cfg["max_tokens"] = *s.MaxTokens
	}
	if s.ContextWindowLimit != nil {
		w := *s.ContextWindowLimit
		if maxWindow > 0 && w > maxWindow {
			w = maxWindow
		}
		cfg["context_window"] = w
	}
	body["llm_config"] = cfg
	delete(body, "model")
	delete(body, "context_window_limit")
	delete(body, "max_tokens")
	return nil
}
