package fakeletta

import (
	"strings"
)

// relations selects which relationships an AgentState carries.
type relations struct {
	tools, blocks, tags, env bool
	pending                  bool // include=agent.pending_approval (NEW)
}

var allRelations = relations{tools: true, blocks: true, tags: true, env: true}

// isV1Client ports NEW's is_1_0_sdk_version: a request counts as coming from
// the v1 SDK when it has X-Stainless-Package-Version, has no User-Agent, or
// its User-Agent is letta-client/1.x or @letta-ai/letta-client/1.x.
func isV1Client(h interface{ Get(string) string }, hasUA bool) bool {
	if h.Get("X-Stainless-Package-Version") != "" {
		return true
	}
	ua := h.Get("User-Agent")
	if !hasUA || ua == "" {
		return true
	}
	parts := strings.Split(ua, "/")
	switch {
	case len(parts) == 3 && parts[0] == "@letta-ai" && parts[1] == "letta-client":
	case len(parts) == 2 && parts[0] == "letta-client":
	default:
		return false
	}
	version := parts[len(parts)-1]
	if !strings.Contains(version, ".") {
		return false
	}
	base := strings.Split(strings.Split(strings.Split(version, "-")[0], "a")[0], "b")[0]
	if !strings.Contains(base, ".") {
		return false
	}
	return strings.Split(base, ".")[0] == "1"
}

// v1Client reports whether the current request comes from a v1 SDK (always
// false on OLD, which has no such switch).
func (c *reqCtx) v1Client() bool {
	if !c.s.isNew {
		return false
	}
	_, hasUA := c.r.Header["User-Agent"]
	return isV1Client(c.r.Header, hasUA)
}

// relations reads include_relationships (both) and include (NEW); NEW v1
// callers get no relationships unless they ask.
func (c *reqCtx) relations() relations {
	q := c.r.URL.Query()
	if vals, ok := q["include_relationships"]; ok {
		var r relations
		for _, v := range vals {
			switch v {
			case "tools":
				r.tools = true
			case "memory", "blocks":
				r.blocks = true
			case "tags":
				r.tags = true
			case "tool_exec_environment_variables", "secrets":
				r.env = true
			}
		}
		return r
	}
	if c.s.isNew {
		if vals, ok := q["include"]; ok {
			// A legacy caller gets every relationship plus what it asks
			// for; a v1 caller only what it asks for (orm/agent.py).
			var r relations
			if !c.v1Client() {
				r = allRelations
			}
			for _, v := range vals {
				switch v {
				case "agent.tools":
					r.tools = true
				case "agent.blocks":
					r.blocks = true
				case "agent.tags":
					r.tags = true
				case "agent.secrets":
					r.env = true
				case "agent.pending_approval":
					r.pending = true
				}
			}
			return r
		}
		if c.v1Client() {
			return relations{}
		}
	}
	return allRelations
}

// agentJSON renders an AgentState; callers hold s.mu.
func (s *Server) agentJSON(a *agentRec, rel relations) map[string]any {
	tools := []any{}
	if rel.tools {
		for _, id := range a.ToolIDs {
			if t := s.tools[id]; t != nil {
				tools = append(tools, s.toolJSON(t))
			}
		}
	}
	blocks := []any{}
	if rel.blocks {
		for _, b := range a.Blocks {
			blocks = append(blocks, s.blockJSON(b))
		}
	}
	tags := []string{}
	if rel.tags && a.Tags != nil {
		tags = a.Tags
	}
	env := []any{}
	if rel.env {
		for _, e := range a.Env {
			v := map[string]any{
				"created_by_id": defaultUserID, "last_updated_by_id": defaultUserID,
				"created_at": isoMicros(a.created), "updated_at": isoMicros(a.updated),
				"id": e.ID, "key": e.Key, "value": e.Value, "description": nil, "agent_id": a.ID,
			}
			if s.isNew {
				v["value_enc"] = nil
			}
			env = append(env, v)
		}
	}
	var metadata any
	if a.Metadata != nil {
		metadata = a.Metadata
	}
	var embCfg any
	if a.EmbeddingConfig != nil {
		embCfg = a.EmbeddingConfig
	}
	messageIDs := []string{}
	for _, m := range a.Messages {
		if len(messageIDs) == 0 || messageIDs[len(messageIDs)-1] != m.MessageID {
			messageIDs = append(messageIDs, m.MessageID)
		}
	}
	memory := map[string]any{"agent_type": a.AgentType, "blocks": blocks, "file_blocks": []any{}, "prompt_template": ""}
	out := map[string]any{
		"created_by_id":                   defaultUserID,
		"last_updated_by_id":              defaultUserID,
		"created_at":                      isoMicros(a.created),
		"updated_at":                      isoMicros(a.updated),
		"id":                              a.ID,
		"name":                            a.Name,
		"tool_rules":                      toolRulesJSON(a.ApprovalTools),
		"message_ids":                     messageIDs,
		"system":                          a.System,
		"agent_type":                      a.AgentType,
		"llm_config":                      a.LLMConfig,
		"embedding_config":                embCfg,
		"response_format":                 nil,
		"description":                     nilIfEmpty(a.Description),
		"metadata":                        metadata,
		"memory":                          memory,
		"tools":                           tools,
		"sources":                         []any{},
		"tags":                            tags,
		"tool_exec_environment_variables": env,
		"project_id":                      nil,
		"template_id":                     nil,
		"base_template_id":                nil,
		"deployment_id":                   nil,
		"entity_id":                       nil,
		"identity_ids":                    s.agentIdentityIDs(a.ID),
		"message_buffer_autoclear":        false,
		"enable_sleeptime":                nil,
		"multi_agent_group":               nil,
		"last_run_completion":             nil,
		"last_run_duration_ms":            nil,
		"timezone":                        "UTC",
		"max_files_open":                  nil,
		"per_file_view_window_char_limit": nil,
		"hidden":                          nil,
	}
	if s.isNew {
		memory["git_enabled"] = false
		out["model"] = nilIfEmpty(a.Model)
		out["embedding"] = nilIfEmpty(a.Embedding)
		out["model_settings"] = nil
		out["compaction_settings"] = nil
		out["blocks"] = blocks
		out["secrets"] = env
		out["identities"] = []any{}
		out["pending_approval"] = nil
		if rel.pending && a.Pending != nil {
			out["pending_approval"] = (&msgRenderer{isNew: true, runID: a.Pending.Request.RunID}).full(a.Pending.Request)
		}
		out["managed_group"] = nil
		out["last_stop_reason"] = nilIfEmpty(a.LastStopReason)
	}
	return out
}

func (s *Server) blockJSON(b *blockRec) map[string]any {
	metadata := b.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	m := map[string]any{
		"value": b.Value, "limit": b.Limit, "project_id": nil, "is_template": false,
		"base_template_id": nil, "deployment_id": nil, "entity_id": nil,
		"preserve_on_migration": false, "label": b.Label, "read_only": b.ReadOnly,
		"description": nilIfEmpty(b.Description), "metadata": metadata, "hidden": nil,
		"id": b.ID, "created_by_id": defaultUserID, "last_updated_by_id": defaultUserID,
	}
	if s.isNew {
		m["template_name"] = nil
		m["template_id"] = nil
		m["tags"] = []any{}
	} else {
		m["name"] = nil
	}
	return m
}

// toolRulesJSON renders the agent's requires_approval rules.
func toolRulesJSON(names []string) []any {
	out := []any{}
	for _, n := range names {
		out = append(out, map[string]any{"tool_name": n, "type": "requires_approval", "prompt_template": nil})
	}
	return out
}
