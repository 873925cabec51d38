package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The compiled system prompt. Letta keeps an agent's system prompt with its
// memory blocks rendered in it (the in-context system message); the model
// sees the blocks as they were when that prompt was last compiled, not as
// they are now. When it is compiled depends on the version:
//
//   - 0.11.x rebuilds the agent's memory at each step: the model always
//     sees the blocks' current values.
//   - 0.12 to 0.16.6 compile at creation, after the agent's own memory tool
//     and on POST /v1/agents/{id}/recompile only: a shared block changed
//     through the API or by another agent's memory tool stays stale in the
//     other holders' prompts (checked on the real 0.16.6).
//   - 0.16.7+ also rebuild every holder of a block when the block changes
//     (block_manager._rebuild_system_prompts_for_connected_agents).
//
// The fake keeps per agent the (label, value) pairs of its last
// compilation; the scripted model's "recall <label>" lines answer from it,
// and Server.CompiledMemory shows it to tests.

// PromptBlock is one memory block as an agent's compiled system prompt
// holds it.
type PromptBlock struct {
	Label, Value string
}

// rebuildsHolders reports whether a version rebuilds the prompts of every
// agent holding a block when the block changes (0.16.7 and later).
func rebuildsHolders(version string) bool {
	var major, minor, patch int
	if _, err := fmt.Sscanf(version, "%d.%d.%d", &major, &minor, &patch); err != nil {
		return true // unparsable: as the default, 0.16.8
	}
	return major > 0 || minor > 16 || (minor == 16 && patch >= 7)
}

// compilePrompt takes the agent's prompt snapshot from its blocks as they
// are now. Callers hold s.mu.
func (s *Server) compilePrompt(a *agentRec) {
	p := make([]PromptBlock, len(a.Blocks))
	for i, b := range a.Blocks {
		p[i] = PromptBlock{Label: b.Label, Value: b.Value}
	}
	a.Prompt = p
}

// stepMemory runs at the start of every model step: 0.11.x rebuilds the
// agent's memory there, later versions do not.
func (s *Server) stepMemory(agentID string) {
	if s.isNew {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agents[agentID]; a != nil {
		s.compilePrompt(a)
	}
}

// blockChanged runs after a block's value or label changed, by the API
// (editor nil) or by an agent's own memory tool (editor): the editor's
// prompt is rebuilt on every version, every holder's from 0.16.7. Callers
// hold s.mu.
func (s *Server) blockChanged(b *blockRec, editor *agentRec) {
	if editor != nil {
		s.compilePrompt(editor)
	}
	if !s.rebuildsHolders {
		return
	}
	for _, a := range s.agents {
		if slices.Contains(a.Blocks, b) {
			s.compilePrompt(a)
		}
	}
}

// renderPrompt is the compiled system prompt as Letta lays it out (the
// base prompt, then the blocks in <memory_blocks>).
func renderPrompt(system string, blocks []PromptBlock) string {
	var sb strings.Builder
	sb.WriteString(system)
	sb.WriteString("\n\n<memory_blocks>\nThe following memory blocks are currently engaged in your core memory unit:\n")
	for _, b := range blocks {
		fmt.Fprintf(&sb, "\n<%s>\n<value>\n%s\n</value>\n</%s>\n", b.Label, b.Value, b.Label)
	}
	sb.WriteString("</memory_blocks>")
	return sb.String()
}

// recallLine is the scripted model's answer to "recall <label>": what the
// agent's compiled prompt holds for that label. Callers hold s.mu.
func recallLine(a *agentRec, label string) string {
	for _, b := range a.Prompt {
		if b.Label == label {
			return fmt.Sprintf("My %s memory: %s", label, b.Value)
		}
	}
	return fmt.Sprintf("I have no %s memory.", label)
}

// recompileAgent serves POST /v1/agents/{agent_id}/recompile (NEW): the
// agent's prompt is compiled from its blocks as they are now and returned
// as a JSON string; dry_run=true returns it without keeping it.
func (c *reqCtx) recompileAgent() {
	if !c.checkAgentID(false) {
		return
	}
	dry, ok := c.queryBool("dry_run", false)
	if !ok {
		return
	}
	if _, ok := c.queryBool("update_timestamp", false); !ok {
		return
	}
	c.s.mu.Lock()
	a := c.s.agents[c.params["agent_id"]]
	if a == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(c.params["agent_id"]))
		return
	}
	kept := a.Prompt
	c.s.compilePrompt(a)
	out := renderPrompt(a.System, a.Prompt)
	if dry {
		a.Prompt = kept
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// listBlockAgents serves GET /v1/blocks/{block_id}/agents (both versions):
// the agents holding the block, newest first unless order=asc, paged with
// before/after (agent ids) and limit (default 50).
func (c *reqCtx) listBlockAgents() {
	if !c.checkBlockID() {
		return
	}
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	rel := c.relations()
	id := c.params["block_id"]
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	b := c.s.blocks[id]
	if b == nil {
		c.detail(http.StatusNotFound, blockNotFound(id))
		return
	}
	var list []*agentRec
	for _, a := range c.s.agents {
		if slices.Contains(a.Blocks, b) {
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(x, y *agentRec) int { return int(x.seq - y.seq) })
	if q.Get("order") != "asc" {
		slices.Reverse(list)
	}
	if after := q.Get("after"); after != "" {
		if i := slices.IndexFunc(list, func(a *agentRec) bool { return a.ID == after }); i >= 0 {
			list = list[i+1:]
		}
	}
	if before := q.Get("before"); before != "" {
		if i := slices.IndexFunc(list, func(a *agentRec) bool { return a.ID == before }); i >= 0 {
			list = list[:i]
		}
	}
	if limit >= 0 && len(list) > limit {
		list = list[:limit]
	}
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = c.s.agentJSON(a, rel)
	}
	writeJSON(c.w, http.StatusOK, out)
}

// CompiledMemory returns the blocks as the agent's compiled system prompt
// holds them (what its model sees), and false for an unknown agent.
func (s *Server) CompiledMemory(agentID string) ([]PromptBlock, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return nil, false
	}
	return slices.Clone(a.Prompt), true
}

// CompiledPrompt returns the agent's compiled system prompt as it stands
// (its base prompt and the blocks of its last compilation), and false for
// an unknown agent.
func (s *Server) CompiledPrompt(agentID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return "", false
	}
	return renderPrompt(a.System, a.Prompt), true
}
