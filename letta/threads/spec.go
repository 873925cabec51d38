package threads

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Spec is a thread declaration, the body of PUT /api/v1/threads/{id}.
// Fields left out keep their current value (their default when the thread
// is created): declaring the same Spec twice changes nothing.
type Spec struct {
	// Model is a Letta chat model handle ("openai/gpt-4o-mini"); required.
	Model string `json:"model"`
	// Embedding is a Letta embedding handle (default: the configured one,
	// else Letta's first).
	Embedding *string `json:"embedding,omitempty"`
	// System replaces the agent's system prompt (default: Letta's).
	System *string `json:"system,omitempty"`
	// Persona and Human seed the agent's core memory when the thread is
	// created (defaults as odoo-llm). Afterwards the agent keeps its own
	// memory; a different value is reported in Thread.Warnings, not applied.
	Persona *string `json:"persona,omitempty"`
	Human   *string `json:"human,omitempty"`
	// Tools are the odoo-mcp tools the agent may call (default: none). The
	// thread's token grants exactly these.
	Tools *[]string `json:"tools,omitempty"`
	// SharedMemory (default true) attaches the user's shared human block;
	// false gives the thread a block of its own, a copy of the shared one.
	SharedMemory *bool `json:"shared_memory,omitempty"`
	// Approve names the tools whose calls wait for the user's approval
	// (POST …/approvals) instead of running: a list of tool names, or
	// "writes" for the four tools that change data. [] asks for none.
	Approve *Approve `json:"approve,omitempty"`
	// Advanced model settings, passed to Letta.
	Temperature   *float64 `json:"temperature,omitempty"`
	ContextWindow *int     `json:"context_window,omitempty"`
	MaxTokens     *int     `json:"max_tokens,omitempty"`
}

// Limits of a declaration. Blocks: OLD's default block limit is 20000
// characters; system prompts get the same room as ten blocks.
const (
	maxHandleLen = 256
	maxBlockLen  = 20000
	maxSystemLen = 200000
)

func (s Spec) settings() Settings {
	return Settings{Temperature: s.Temperature, ContextWindow: s.ContextWindow, MaxTokens: s.MaxTokens}
}

func (s Spec) toolsOr(current []string) []string {
	if s.Tools == nil {
		return current
	}
	return *s.Tools
}

// normalize checks a declaration and puts its tool list in canonical form
// (sorted, without duplicates). enabled are the tools threads may use.
func (s *Spec) normalize(enabled []string) error {
	s.Model = strings.TrimSpace(s.Model)
	switch {
	case s.Model == "":
		return unprocessable("missing_model", `"model" is required: a Letta model handle such as "openai/gpt-4o-mini" (see GET /api/v1/models)`, nil)
	case len(s.Model) > maxHandleLen:
		return unprocessable("invalid_model", fmt.Sprintf(`"model" is longer than %d characters`, maxHandleLen), nil)
	}
	if s.Embedding != nil {
		e := strings.TrimSpace(*s.Embedding)
		if e == "" || len(e) > maxHandleLen {
			return unprocessable("invalid_embedding", `"embedding" must be a Letta embedding handle (see GET /api/v1/models), or be left out`, nil)
		}
		s.Embedding = &e
	}
	if s.System != nil && utf8.RuneCountInString(*s.System) > maxSystemLen {
		return unprocessable("system_too_long", fmt.Sprintf(`"system" is longer than %d characters`, maxSystemLen), nil)
	}
	for name, v := range map[string]*string{"persona": s.Persona, "human": s.Human} {
		if v != nil && utf8.RuneCountInString(*v) > maxBlockLen {
			return unprocessable(name+"_too_long", fmt.Sprintf("%q is longer than Letta's %d-character memory block", name, maxBlockLen), nil)
		}
	}
	if s.Tools != nil {
		tools := slices.Clone(*s.Tools)
		sort.Strings(tools)
		tools = slices.Compact(tools)
		for _, t := range tools {
			if !slices.Contains(enabled, t) {
				return unprocessable("unknown_tool", fmt.Sprintf("tool %q is not one this odoo-mcp serves", t), slices.Clone(enabled))
			}
		}
		if tools == nil {
			tools = []string{}
		}
		s.Tools = &tools
	}
	if s.Approve != nil {
		list := slices.Clone([]string(*s.Approve))
		sort.Strings(list)
		list = slices.Compact(list)
		writes := writeTools()
		// "writes" in read-only mode names tools that do not exist here.
		list = slices.DeleteFunc(list, func(t string) bool { return !slices.Contains(enabled, t) && slices.Contains(writes, t) })
		for _, t := range list {
			if !slices.Contains(enabled, t) {
				return unprocessable("unknown_tool", fmt.Sprintf(`"approve" names tool %q, which is not one this odoo-mcp serves`, t), slices.Clone(enabled))
			}
		}
		if list == nil {
			list = []string{}
		}
		a := Approve(list)
		s.Approve = &a
	}
	if t := s.Temperature; t != nil && (math.IsNaN(*t) || *t < 0 || *t > 2) {
		return unprocessable("invalid_temperature", `"temperature" must be between 0 and 2`, nil)
	}
	if c := s.ContextWindow; c != nil && (*c < 512 || *c > 10_000_000) {
		return unprocessable("invalid_context_window", `"context_window" must be between 512 and 10000000 tokens`, nil)
	}
	if m := s.MaxTokens; m != nil && (*m < 1 || *m > 1_000_000) {
		return unprocessable("invalid_max_tokens", `"max_tokens" must be between 1 and 1000000`, nil)
	}
	return nil
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// Approve is the "approve" field of a declaration: tool names, or the
// string "writes" (the tools that change data).
type Approve []string

// UnmarshalJSON accepts ["odoo_record_creator", …] or "writes".
func (a *Approve) UnmarshalJSON(b []byte) error {
	var word string
	if json.Unmarshal(b, &word) == nil {
		if word != "writes" {
			return fmt.Errorf(`"approve" must be a list of tool names or the string "writes", not %q`, word)
		}
		*a = writeTools()
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf(`"approve" must be a list of tool names or the string "writes"`)
	}
	*a = list
	return nil
}
