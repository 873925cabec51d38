package fakeletta

import (
	"fmt"
	"strings"
)

// memoryTool runs Letta's core-memory tools on the agent's blocks (shared
// blocks change for every agent holding them, as in Letta): memory_insert
// and memory_replace (memgpt_v2_agent, letta_v1_agent), core_memory_append
// and core_memory_replace (older agent types). A read-only block is refused,
// as Letta's memory tools refuse it. ok is false for any other tool.
func (s *Server) memoryTool(agentID, name string, args map[string]any) (res toolCallResult, ok bool) {
	str := func(k string) string { v, _ := args[k].(string); return v }
	var label, add, old, repl string
	switch name {
	case "memory_insert":
		label, add = str("label"), str("new_str")
	case "core_memory_append":
		label, add = str("label"), str("content")
	case "memory_replace":
		label, old, repl = str("label"), str("old_str"), str("new_str")
	case "core_memory_replace":
		label, old, repl = str("label"), str("old_content"), str("new_content")
	default:
		return toolCallResult{}, false
	}
	fail := func(msg string) (toolCallResult, bool) {
		return toolCallResult{Return: "Error: " + msg, Status: "error"}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return fail("agent not found")
	}
	for _, b := range a.Blocks {
		if b.Label != label {
			continue
		}
		if b.ReadOnly {
			return fail(fmt.Sprintf("%s is a read-only block and cannot be edited.", label))
		}
		next := b.Value
		if old == "" && repl == "" {
			if next != "" {
				next += "\n"
			}
			next += add
		} else {
			if !strings.Contains(next, old) {
				return fail(fmt.Sprintf("No replacement was performed, old_str `%s` did not appear verbatim in memory block with label `%s`.", old, label))
			}
			next = strings.Replace(next, old, repl, 1)
		}
		if len([]rune(next)) > b.Limit && !s.isNew {
			return fail(fmt.Sprintf("Edit failed: Exceeds %d character limit (requested %d).", b.Limit, len([]rune(next))))
		}
		b.Value = next
		s.blockChanged(b, a)
		return toolCallResult{Return: "None", Status: "success"}, true
	}
	return fail(fmt.Sprintf("No memory block with label '%s'.", label))
}
