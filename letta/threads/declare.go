package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// errRetry means the thread changed in Letta under us (a peer replica kept
// another agent, or the agent vanished): look it up again.
var errRetry = errors.New("threads: the thread changed in Letta; look again")

// Declare converges the thread onto spec: it creates the agent when there
// is none (also when it was deleted behind odoo-mcp's back), modifies model,
// system prompt and settings when they differ, reissues the token when the
// tools (or the caller's Odoo key) changed, and attaches and detaches tools
// to match. Errors are *Error.
func (o *Orchestrator) Declare(ctx context.Context, id *auth.Identity, threadID string, spec Spec) (*Thread, error) {
	if err := checkThreadID(threadID); err != nil {
		return nil, err
	}
	if err := spec.normalize(o.opts.Tools); err != nil {
		return nil, err
	}
	if err := o.checkModels(ctx, spec.Model, deref(spec.Embedding)); err != nil {
		return nil, err
	}
	ow := ownerOf(id)
	unlock, err := o.locks.lock(ctx, o.threadTag(ow, threadID))
	if err != nil {
		return nil, lettaFailure("waiting for the thread", err)
	}
	defer unlock()
	for range 4 {
		rs, err := o.find(ctx, ow, threadID)
		if err != nil {
			return nil, err
		}
		var th *Thread
		if len(rs) == 0 {
			th, err = o.create(ctx, id, threadID, spec)
		} else {
			o.dropDuplicates(ctx, rs)
			th, err = o.converge(ctx, id, rs[0], spec)
		}
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return nil, err
		}
		o.log.InfoContext(ctx, "thread declared", "db", ow.DB, "uid", ow.UID, "thread", threadID, "agent", th.AgentID,
			"created", th.Created, "changed", th.Changed)
		return th, nil
	}
	return nil, &Error{Status: http.StatusConflict, Code: "thread_contended",
		Message: "the thread kept changing in Letta while it was being declared; try again"}
}

// dropDuplicates deletes every agent of the thread but the oldest (rs is
// sorted oldest first). Failures are left for the next declaration.
func (o *Orchestrator) dropDuplicates(ctx context.Context, rs []record) {
	if len(rs) < 2 {
		return
	}
	for _, r := range rs[1:] {
		if err := o.deleteAgent(ctx, r.agent.ID); err != nil {
			o.log.WarnContext(ctx, "could not delete a duplicate thread agent; the next declaration will", "agent", r.agent.ID, "error", redact(err.Error()))
		} else {
			o.log.InfoContext(ctx, "deleted a duplicate thread agent", "agent", r.agent.ID, "kept", rs[0].agent.ID, "thread", r.meta.ThreadID)
		}
	}
}

// create makes the thread's agent: created with its tags, metadata, memory
// and tools; then, once it is sure to be the thread's only (oldest) agent,
// given its token. A failure after creation deletes the agent again.
func (o *Orchestrator) create(ctx context.Context, id *auth.Identity, threadID string, spec Spec) (*Thread, error) {
	ow := ownerOf(id)
	tools := spec.toolsOr([]string{})
	mode, err := o.toolMode(ctx)
	if err != nil {
		return nil, err
	}
	var ids map[string]string
	if mode == ToolModeMCP {
		if ids, err = o.toolIDs(ctx, tools, false); err != nil {
			return nil, err
		}
	}
	embedding := deref(spec.Embedding)
	if embedding == "" {
		if embedding, err = o.defaultEmbedding(ctx); err != nil {
			return nil, err
		}
	}
	own := spec.SharedMemory != nil && !*spec.SharedMemory
	blocks, blockIDs, identityIDs, err := o.newAgentMemory(ctx, id, threadID, spec, own)
	if err != nil {
		return nil, err
	}
	m := meta{V: schemaVersion, Server: o.opts.ServerName, DB: ow.DB, UID: ow.UID, ThreadID: threadID, Tools: tools, Settings: spec.settings(), Approve: approveOf(spec, nil), OwnMemory: own}
	req := letta.CreateAgentRequest{
		Name:         o.agentName(ow, threadID),
		Model:        spec.Model,
		Embedding:    embedding,
		System:       deref(spec.System),
		Description:  fmt.Sprintf("odoo-mcp chat thread %s of Odoo user %d (database %s)", threadID, ow.UID, ow.DB),
		MemoryBlocks: blocks,
		BlockIDs:     blockIDs,
		IdentityIDs:  identityIDs,
		Tags:         o.tags(ow, threadID),
		Metadata:     metadataWith(nil, m),
		LLM:          spec.settings().letta(),
	}
	if mode == ToolModeMCP {
		req.ToolIDs = orderedIDs(tools, ids)
	}
	a, err := o.letta.CreateAgent(ctx, req)
	if err != nil && mode == ToolModeMCP && len(tools) > 0 && letta.StatusCode(err) != 0 {
		// Tool ids go stale when the MCP server is re-created behind our
		// back: with fresh ids, try once more.
		if fresh, ferr := o.toolIDs(ctx, tools, true); ferr == nil && !sameSet(orderedIDs(tools, fresh), req.ToolIDs) {
			req.ToolIDs = orderedIDs(tools, fresh)
			a, err = o.letta.CreateAgent(ctx, req)
		}
	}
	if err != nil {
		return nil, lettaFailure("creating the thread's agent", err)
	}

	// Concurrent declarations on other replicas may have created agents
	// too: the oldest wins everywhere.
	rs, err := o.find(ctx, ow, threadID)
	if err != nil {
		o.undo(ctx, a.ID)
		return nil, err
	}
	if len(rs) > 0 && rs[0].agent.ID != a.ID {
		o.undo(ctx, a.ID)
		return nil, errRetry
	}
	o.dropDuplicates(ctx, rs)
	if mode == ToolModeClient {
		// No token: the agent never calls odoo-mcp, odoo-mcp runs its calls.
		th := threadOf(record{agent: a, meta: m})
		th.Created = true
		return th, nil
	}

	token, m, err := o.issue(id, m, a.ID)
	if err != nil {
		o.undo(ctx, a.ID)
		return nil, err
	}
	upd, err := o.letta.ModifyAgent(ctx, a.ID, letta.ModifyAgentRequest{
		EnvVars: envWith(a.EnvVars, token), Metadata: metadataWith(a.Metadata, m),
	})
	if err != nil {
		if letta.IsNotFound(err) {
			return nil, errRetry // a peer kept an older agent and deleted ours
		}
		o.undo(ctx, a.ID)
		return nil, lettaFailure("giving the thread's agent its token", err)
	}
	o.markCurrent(a.ID, m.TokenID)
	if err := o.syncApprovals(ctx, upd, m); err != nil {
		o.undo(ctx, a.ID)
		return nil, err
	}
	th := threadOf(record{agent: upd, meta: m})
	th.Created = true
	return th, nil
}

// undo deletes an agent whose creation failed half-way, even if the
// request was canceled. If Letta refuses, the agent stays without a token
// (it can list tools, not call them) and the next declaration adopts it.
func (o *Orchestrator) undo(ctx context.Context, agentID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := o.deleteAgent(ctx, agentID); err != nil {
		o.log.WarnContext(ctx, "could not delete a half-created thread agent; the next declaration of the thread will adopt it",
			"agent", agentID, "error", redact(err.Error()))
	}
}

// converge brings an existing agent in line with spec.
func (o *Orchestrator) converge(ctx context.Context, id *auth.Identity, r record, spec Spec) (*Thread, error) {
	a, m := r.agent, r.meta
	var patch letta.ModifyAgentRequest
	var changed, warnings []string
	next := m

	if a.Model != spec.Model {
		patch.Model, changed = &spec.Model, append(changed, "model")
	}
	if spec.Embedding != nil && *spec.Embedding != a.Embedding {
		patch.Embedding, changed = spec.Embedding, append(changed, "embedding")
	}
	if spec.System != nil && *spec.System != a.System {
		patch.System, changed = spec.System, append(changed, "system")
	}
	settings := m.Settings.merge(spec.settings())
	// A new model gets a fresh llm_config from Letta: send the settings again.
	if !settings.equal(m.Settings) || (patch.Model != nil && !settings.isZero()) {
		patch.LLM, next.Settings, changed = settings.letta(), settings, append(changed, "settings")
	}
	for _, b := range []struct{ label, want string }{{"persona", deref(spec.Persona)}, {"human", deref(spec.Human)}} {
		if cur := a.Block(b.label); b.want != "" && cur != nil && cur.Value != b.want {
			warnings = append(warnings, fmt.Sprintf("%s was not changed: it seeds the agent's memory when the thread is created, and the agent keeps its own memory since (delete and declare the thread again to start over)", b.label))
		}
	}
	if spec.SharedMemory != nil && *spec.SharedMemory == m.OwnMemory {
		next.OwnMemory, changed = !*spec.SharedMemory, append(changed, "memory")
	}
	tools := spec.toolsOr(m.Tools)
	toolsChanged := !sameSet(tools, m.Tools)
	if toolsChanged {
		next.Tools, changed = slices.Clone(tools), append(changed, "tools")
	}
	if approve := approveOf(spec, m.Approve); !sameSet(approve, m.Approve) {
		next.Approve, changed = approve, append(changed, "approve")
	}
	mode, err := o.toolMode(ctx)
	if err != nil {
		return nil, err
	}
	if mode == ToolModeClient && hasMCPGrant(r) {
		if r, err = o.dropMCPGrant(ctx, r); err != nil {
			return nil, err
		}
		a, m = r.agent, r.meta
		next.TokenID, next.TokenExpires, next.CredFP = "", 0, ""
		changed = append(changed, "token")
	}
	// Resolve tool ids before granting anything.
	var ids map[string]string
	if mode == ToolModeMCP {
		if ids, err = o.toolIDs(ctx, tools, false); err != nil {
			return nil, err
		}
	}

	// The token is written before tools are attached or detached: a change
	// that stops half-way never grants more than declared.
	if reason := o.tokenReason(id, r, toolsChanged); mode == ToolModeMCP && reason != "" {
		token, issued, err := o.issue(id, next, a.ID)
		if err != nil {
			return nil, err
		}
		next, patch.EnvVars = issued, envWith(a.EnvVars, token)
		changed = append(changed, "token")
	}
	if len(changed) > 0 {
		patch.Metadata = metadataWith(a.Metadata, next)
		upd, err := o.letta.ModifyAgent(ctx, a.ID, patch)
		if err != nil {
			if letta.IsNotFound(err) {
				return nil, errRetry
			}
			return nil, lettaFailure("updating the thread's agent", err)
		}
		if next.TokenID != m.TokenID {
			o.markCurrent(a.ID, next.TokenID)
		}
		a = upd
	}
	memMoved, err := o.syncMemory(ctx, id, a, next.ThreadID, next.OwnMemory)
	if err != nil {
		return nil, err
	}
	if memMoved && !slices.Contains(changed, "memory") {
		changed = append(changed, "memory")
	}
	if mode == ToolModeMCP {
		moved, err := o.syncTools(ctx, a.ID, tools, ids)
		if err != nil {
			return nil, err
		}
		if moved && !slices.Contains(changed, "tools") {
			changed = append(changed, "tools") // repaired a half-done change
		}
		if err := o.syncApprovals(ctx, a, next); err != nil {
			return nil, err
		}
	}
	th := threadOf(record{agent: a, meta: next})
	th.Changed, th.Warnings = changed, warnings
	return th, nil
}

// syncTools attaches and detaches odoo-mcp's tools so that exactly tools
// are attached; Letta's own tools and other servers' tools are left alone.
func (o *Orchestrator) syncTools(ctx context.Context, agentID string, tools []string, ids map[string]string) (bool, error) {
	attached, err := o.letta.ListAgentTools(ctx, agentID)
	if err != nil {
		if letta.IsNotFound(err) {
			return false, errRetry
		}
		return false, lettaFailure("listing the agent's tools", err)
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	have := map[string]bool{}
	moved := false
	for _, t := range attached {
		have[t.ID] = true
		if o.ourTool(t) && !want[t.ID] {
			if err := o.letta.DetachTool(ctx, agentID, t.ID); err != nil && !letta.IsNotFound(err) {
				return moved, lettaFailure("detaching tool "+t.Name, err)
			}
			moved = true
		}
	}
	for _, name := range tools {
		id := ids[name]
		if have[id] {
			continue
		}
		err := o.letta.AttachTool(ctx, agentID, id)
		if letta.IsNotFound(err) {
			// The tool (not the agent?) is unknown: its id may be stale.
			fresh, ferr := o.toolIDs(ctx, []string{name}, true)
			if ferr != nil {
				return moved, ferr
			}
			if fresh[name] != id {
				err = o.letta.AttachTool(ctx, agentID, fresh[name])
			}
		}
		if err != nil {
			return moved, lettaFailure("attaching tool "+name, err)
		}
		moved = true
	}
	return moved, nil
}

func orderedIDs(names []string, ids map[string]string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, ids[n])
	}
	return out
}

func personaOf(s Spec) string {
	if s.Persona != nil && *s.Persona != "" {
		return *s.Persona
	}
	return DefaultPersona
}

func humanOf(s Spec, id *auth.Identity) string {
	if s.Human != nil && *s.Human != "" {
		return *s.Human
	}
	name := id.Name
	if name == "" {
		name = "User"
	}
	return "The human's name is " + name + "."
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// approveOf is the declaration's approve list, or current when it has none.
func approveOf(s Spec, current []string) []string {
	if s.Approve == nil {
		return current
	}
	return slices.Clone([]string(*s.Approve))
}

// syncApprovals sets Letta's per-tool approval switch (MCP mode) so that
// exactly the thread's tools named in approve wait for the user.
func (o *Orchestrator) syncApprovals(ctx context.Context, a *letta.Agent, m meta) error {
	want := map[string]bool{}
	for _, t := range m.Approve {
		if slices.Contains(m.Tools, t) {
			want[t] = true
		}
	}
	have := map[string]bool{}
	for _, t := range a.ApprovalTools {
		have[t] = true
	}
	if len(want) == 0 && len(have) == 0 {
		return nil
	}
	if v, err := o.letta.DetectVersion(ctx); err == nil && !v.AtLeast(0, 16, 2) {
		return unprocessable("approvals_unsupported", fmt.Sprintf(`"approve" needs Letta 0.16.2 or later; this Letta is %s`, v), nil)
	}
	for _, t := range m.Tools {
		if want[t] == have[t] {
			continue
		}
		if err := o.letta.SetToolApproval(ctx, a.ID, t, want[t]); err != nil {
			return lettaFailure("setting the approval switch of tool "+t, err)
		}
	}
	for t := range have {
		if !slices.Contains(m.Tools, t) && !want[t] {
			if err := o.letta.SetToolApproval(ctx, a.ID, t, false); err != nil && !letta.IsNotFound(err) {
				return lettaFailure("clearing the approval switch of tool "+t, err)
			}
		}
	}
	return nil
}
