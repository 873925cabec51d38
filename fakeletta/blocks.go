package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"
)

// Blocks live in one store (s.blocks) and agents hold pointers to them, as
// Letta's blocks_agents table links one block to many agents: editing a
// block through /v1/blocks/{id} changes it for every agent, deleting an
// agent leaves its blocks, deleting a block detaches it everywhere.
//
// One block per label per agent (Letta's unique (agent_id, block_label)):
// at creation a later block of an already present label is dropped; attach
// answers 409.

var blockIDPattern = idPattern("block")

// parseBlock reads a CreateBlock object (memory_blocks items and POST
// /v1/blocks/); issues go to bf.
func (s *Server) parseBlock(bf *fields, bm map[string]any) *blockRec {
	b := &blockRec{ID: newID("block"), Label: bf.requiredStr("label"), Value: bf.requiredStr("value"), Limit: 20000}
	if s.isNew {
		b.Limit = 100000
	}
	if n, ok := pyNumber(bm["limit"]); ok {
		b.Limit = int(n)
	}
	if d := bf.str("description"); d != nil {
		b.Description = *d
	}
	b.ReadOnly = bf.boolean("read_only", false)
	b.Metadata, _ = bf.object("metadata")
	return b
}

// overLimit is OLD's check of a block value against its limit (Block's
// verify_char_limit); NEW (0.16.7+) no longer checks.
func (s *Server) overLimit(b *blockRec) string {
	if s.isNew || utf8.RuneCountInString(b.Value) <= b.Limit {
		return ""
	}
	return fmt.Sprintf("Edit failed: Exceeds %d character limit (requested %d).", b.Limit, utf8.RuneCountInString(b.Value))
}

// checkBlockID applies NEW's path pattern; it returns false after answering.
func (c *reqCtx) checkBlockID() bool {
	id := c.params["block_id"]
	if !c.s.isNew || blockIDPattern.MatchString(id) {
		return true
	}
	c.s.validationFailed(c.w, []ValidationIssue{pathIDIssue("block_id", id)})
	return false
}

func blockNotFound(id string) string { return fmt.Sprintf("Block with id %s not found", id) }

// createBlock serves POST /v1/blocks/.
func (c *reqCtx) createBlock() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	b := c.s.parseBlock(f, f.m)
	if c.failed(f) {
		return
	}
	if msg := c.s.overLimit(b); msg != "" {
		c.detail(http.StatusBadRequest, msg)
		return
	}
	c.s.mu.Lock()
	b.seq, _ = c.s.nextSeq()
	c.s.blocks[b.ID] = b
	out := c.s.blockJSON(b)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// listBlocks serves GET /v1/blocks/ (filters label and identity_id; cursor
// after; oldest first).
func (c *reqCtx) listBlocks() {
	q := c.r.URL.Query()
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	label, identityID, after := q.Get("label"), q.Get("identity_id"), q.Get("after")
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	var ids []string
	if identityID != "" {
		if idn := c.s.identities[identityID]; idn != nil {
			ids = idn.BlockIDs
		} else {
			ids = []string{}
		}
	}
	var all []*blockRec
	for _, b := range c.s.blocks {
		if (label == "" || b.Label == label) && (ids == nil || slices.Contains(ids, b.ID)) {
			all = append(all, b)
		}
	}
	slices.SortFunc(all, func(a, b *blockRec) int { return int(a.seq - b.seq) })
	all = pageAfter(all, func(x *blockRec) string { return x.ID }, after, limit)
	out := make([]any, len(all))
	for i, b := range all {
		out[i] = c.s.blockJSON(b)
	}
	writeJSON(c.w, http.StatusOK, out)
}

// getBlock serves GET /v1/blocks/{block_id}.
func (c *reqCtx) getBlock() {
	if !c.checkBlockID() {
		return
	}
	c.s.mu.Lock()
	b := c.s.blocks[c.params["block_id"]]
	var out map[string]any
	if b != nil {
		out = c.s.blockJSON(b)
	}
	c.s.mu.Unlock()
	if b == nil {
		c.detail(http.StatusNotFound, blockNotFound(c.params["block_id"]))
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// modifyBlock serves PATCH /v1/blocks/{block_id}. Like Letta's API it edits
// read-only blocks too: read_only binds only the agent's memory tools.
func (c *reqCtx) modifyBlock() {
	if !c.checkBlockID() {
		return
	}
	f := c.decodeBody()
	if f == nil {
		return
	}
	value, label, desc := f.str("value"), f.str("label"), f.str("description")
	limit, hasLimit := pyNumber(f.m["limit"])
	readOnly, hasRO := f.m["read_only"].(bool)
	metadata, hasMD := f.object("metadata")
	if c.failed(f) {
		return
	}
	c.s.mu.Lock()
	b := c.s.blocks[c.params["block_id"]]
	if b == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, blockNotFound(c.params["block_id"]))
		return
	}
	next := *b
	if value != nil {
		next.Value = *value
	}
	if label != nil {
		next.Label = *label
	}
	if desc != nil {
		next.Description = *desc
	}
	if hasLimit {
		next.Limit = int(limit)
	}
	if hasRO {
		next.ReadOnly = readOnly
	}
	if hasMD && metadata != nil {
		next.Metadata = metadata
	}
	if msg := c.s.overLimit(&next); msg != "" {
		c.s.mu.Unlock()
		c.detail(http.StatusBadRequest, msg)
		return
	}
	changed := next.Value != b.Value || next.Label != b.Label
	*b = next
	if changed {
		c.s.blockChanged(b, nil)
	}
	out := c.s.blockJSON(b)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// deleteBlock serves DELETE /v1/blocks/{block_id}: the block leaves every
// agent and identity.
func (c *reqCtx) deleteBlock() {
	if !c.checkBlockID() {
		return
	}
	id := c.params["block_id"]
	c.s.mu.Lock()
	b := c.s.blocks[id]
	if b != nil {
		delete(c.s.blocks, id)
		for _, a := range c.s.agents {
			a.Blocks = slices.DeleteFunc(a.Blocks, func(x *blockRec) bool { return x.ID == id })
		}
		for _, idn := range c.s.identities {
			idn.BlockIDs = slices.DeleteFunc(idn.BlockIDs, func(x string) bool { return x == id })
		}
	}
	c.s.mu.Unlock()
	if b == nil {
		c.detail(http.StatusNotFound, blockNotFound(id))
		return
	}
	writeJSON(c.w, http.StatusOK, nil)
}

// attachBlock serves PATCH /v1/agents/{agent_id}/core-memory/blocks/attach/{block_id}.
func (c *reqCtx) attachBlock() {
	if !c.checkAgentID(false) || !c.checkBlockID() {
		return
	}
	c.s.mu.Lock()
	a, b := c.s.agents[c.params["agent_id"]], c.s.blocks[c.params["block_id"]]
	switch {
	case a == nil:
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(c.params["agent_id"]))
		return
	case b == nil:
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, blockNotFound(c.params["block_id"]))
		return
	}
	if !slices.Contains(a.Blocks, b) {
		if slices.ContainsFunc(a.Blocks, func(x *blockRec) bool { return x.Label == b.Label }) {
			c.s.mu.Unlock()
			c.detail(http.StatusConflict, fmt.Sprintf("duplicate key value violates unique constraint \"unique_label_per_agent\": Key (agent_id, block_label)=(%s, %s) already exists.", a.ID, b.Label))
			return
		}
		a.Blocks = append(a.Blocks, b)
	}
	out := c.s.agentJSON(a, allRelations)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// detachBlock serves PATCH /v1/agents/{agent_id}/core-memory/blocks/detach/{block_id}.
func (c *reqCtx) detachBlock() {
	if !c.checkAgentID(false) || !c.checkBlockID() {
		return
	}
	id := c.params["block_id"]
	c.s.mu.Lock()
	a := c.s.agents[c.params["agent_id"]]
	if a == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(c.params["agent_id"]))
		return
	}
	a.Blocks = slices.DeleteFunc(a.Blocks, func(x *blockRec) bool { return x.ID == id })
	out := c.s.agentJSON(a, allRelations)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// agentBlocks resolves CreateAgent's block_ids (attached first) and
// memory_blocks (created) into the agent's blocks, one per label: a later
// block of a label already present is dropped, as Letta does. Callers hold
// s.mu. missing lists unknown block ids.
func (s *Server) agentBlocks(blockIDs []string, created []*blockRec) (out []*blockRec, missing []string) {
	has := func(label string) bool {
		return slices.ContainsFunc(out, func(x *blockRec) bool { return x.Label == label })
	}
	for _, id := range blockIDs {
		b := s.blocks[id]
		if b == nil {
			missing = append(missing, id)
			continue
		}
		if !has(b.Label) {
			out = append(out, b)
		}
	}
	for _, b := range created {
		b.seq, _ = s.nextSeq()
		s.blocks[b.ID] = b
		if !has(b.Label) {
			out = append(out, b)
		}
	}
	return out, missing
}

// BlockSnapshot is a snapshot of one block with the agents holding it.
type BlockSnapshot struct {
	ID, Label, Value string
	Limit            int
	ReadOnly         bool
	Metadata         map[string]any
	AgentIDs         []string
}

// Blocks returns every block, oldest first.
func (s *Server) Blocks() []BlockSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*blockRec, 0, len(s.blocks))
	for _, b := range s.blocks {
		list = append(list, b)
	}
	slices.SortFunc(list, func(a, b *blockRec) int { return int(a.seq - b.seq) })
	out := make([]BlockSnapshot, 0, len(list))
	for _, b := range list {
		bs := BlockSnapshot{ID: b.ID, Label: b.Label, Value: b.Value, Limit: b.Limit, ReadOnly: b.ReadOnly, Metadata: deepCopyMap(b.Metadata)}
		for _, a := range s.agents {
			if slices.Contains(a.Blocks, b) {
				bs.AgentIDs = append(bs.AgentIDs, a.ID)
			}
		}
		slices.Sort(bs.AgentIDs)
		out = append(out, bs)
	}
	return out
}

// AgentMemoryAppend does what the agent's core_memory_append tool does:
// it appends a line to the agent's block of that label, refusing a
// read-only block as Letta's memory tools do, and recompiles the prompts
// that tool would (the agent's; every holder's on 0.16.7+).
func (s *Server) AgentMemoryAppend(agentID, label, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return fmt.Errorf("no agent %s", agentID)
	}
	for _, b := range a.Blocks {
		if b.Label != label {
			continue
		}
		if b.ReadOnly {
			return fmt.Errorf("%s is read-only", label)
		}
		b.Value += "\n" + text
		s.blockChanged(b, a)
		return nil
	}
	return fmt.Errorf("agent %s has no %s block", agentID, label)
}
