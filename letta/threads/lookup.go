package threads

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// Thread is a thread as the API shows it.
type Thread struct {
	ThreadID      string   `json:"thread_id"`
	AgentID       string   `json:"agent_id"`
	Model         string   `json:"model"`
	Embedding     string   `json:"embedding,omitempty"`
	Tools         []string `json:"tools"`
	Temperature   *float64 `json:"temperature,omitempty"`
	ContextWindow *int     `json:"context_window,omitempty"`
	MaxTokens     *int     `json:"max_tokens,omitempty"`
	CreatedAt     string   `json:"created_at,omitempty"`
	UpdatedAt     string   `json:"updated_at,omitempty"`
	SharedMemory  bool     `json:"shared_memory"`
	// Usage: totals and context-window fill (GET of one thread only).
	Usage *ThreadUsage `json:"usage,omitempty"`
	// Approve are the tools whose calls wait for the user's approval;
	// PendingApprovals the calls waiting now (POST …/approvals answers them).
	Approve          []string       `json:"approve,omitempty"`
	PendingApprovals []ApprovalData `json:"pending_approvals,omitempty"`

	// Set by a declaration (PUT) only.
	Created  bool     `json:"created,omitempty"`
	Changed  []string `json:"changed,omitempty"`  // what the declaration changed
	Warnings []string `json:"warnings,omitempty"` // what it could not change, and why
}

func threadOf(r record) *Thread {
	tools := slices.Clone(r.meta.Tools)
	if tools == nil {
		tools = []string{}
	}
	sort.Strings(tools)
	return &Thread{
		ThreadID: r.meta.ThreadID, AgentID: r.agent.ID, Model: r.agent.Model, Embedding: r.agent.Embedding,
		Tools: tools, Temperature: r.meta.Settings.Temperature, ContextWindow: r.meta.Settings.ContextWindow,
		MaxTokens: r.meta.Settings.MaxTokens, CreatedAt: r.agent.CreatedAt, UpdatedAt: r.agent.UpdatedAt,
		SharedMemory: !r.meta.OwnMemory,
		Approve:      r.meta.Approve, PendingApprovals: awaitingUser(r),
	}
}

// find returns the agents of one thread, oldest first (normally one; more
// only while concurrent declarations settle).
func (o *Orchestrator) find(ctx context.Context, ow owner, threadID string) ([]record, error) {
	agents, err := o.letta.ListAgents(ctx, letta.ListAgentsOptions{
		Tags: []string{TagManaged, o.threadTag(ow, threadID)}, MatchAllTags: true, Include: o.includePending(ctx),
	})
	if err != nil {
		return nil, lettaFailure("looking the thread up in Letta", err)
	}
	var out []record
	for i := range agents {
		if m, ok := o.managedBy(&agents[i], ow, threadID); ok {
			out = append(out, record{agent: &agents[i], meta: m})
		}
	}
	sortOldestFirst(out)
	return out, nil
}

// sortOldestFirst orders by creation time, then id: every replica sorts the
// same way, so all keep the same agent when duplicates appear. Letta's
// created_at strings share one format, so they compare as text.
func sortOldestFirst(rs []record) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i].agent, rs[j].agent
		if c := strings.Compare(a.CreatedAt, b.CreatedAt); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
}

// Get returns the caller's thread, or ErrThreadNotFound.
func (o *Orchestrator) Get(ctx context.Context, id *auth.Identity, threadID string) (*Thread, error) {
	r, err := o.findOne(ctx, id, threadID)
	if err != nil {
		return nil, err
	}
	return threadOf(*r), nil
}

// findOne is the caller's record of a thread, or ErrThreadNotFound.
func (o *Orchestrator) findOne(ctx context.Context, id *auth.Identity, threadID string) (*record, error) {
	if err := checkThreadID(threadID); err != nil {
		return nil, err
	}
	rs, err := o.find(ctx, ownerOf(id), threadID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrThreadNotFound
	}
	return &rs[0], nil
}

// List returns the caller's threads, ordered by thread id.
func (o *Orchestrator) List(ctx context.Context, id *auth.Identity) ([]*Thread, error) {
	ow := ownerOf(id)
	agents, err := o.letta.ListAgents(ctx, letta.ListAgentsOptions{
		Tags: []string{TagManaged, o.userTag(ow)}, MatchAllTags: true,
	})
	if err != nil {
		return nil, lettaFailure("listing threads in Letta", err)
	}
	byThread := map[string][]record{}
	for i := range agents {
		if m, ok := o.managedBy(&agents[i], ow, ""); ok && ValidThreadID(m.ThreadID) {
			byThread[m.ThreadID] = append(byThread[m.ThreadID], record{agent: &agents[i], meta: m})
		}
	}
	out := make([]*Thread, 0, len(byThread))
	for _, rs := range byThread {
		sortOldestFirst(rs)
		out = append(out, threadOf(rs[0]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ThreadID < out[j].ThreadID })
	return out, nil
}

// Delete deletes the thread's agent(s) and so revokes its token. It is
// idempotent: a thread that does not exist (any more) is not an error.
func (o *Orchestrator) Delete(ctx context.Context, id *auth.Identity, threadID string) error {
	if err := checkThreadID(threadID); err != nil {
		return err
	}
	ow := ownerOf(id)
	unlock, err := o.locks.lock(ctx, o.threadTag(ow, threadID))
	if err != nil {
		return lettaFailure("waiting for the thread", err)
	}
	defer unlock()
	rs, err := o.find(ctx, ow, threadID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		o.beforeDelete(ctx, id, r)
		if err := o.deleteAgent(ctx, r.agent.ID); err != nil {
			return lettaFailure("deleting the thread's agent", err)
		}
		o.dropOwnMemory(ctx, r)
	}
	if len(rs) > 0 {
		o.log.InfoContext(ctx, "thread deleted", "db", ow.DB, "uid", ow.UID, "thread", threadID, "agents", len(rs))
	}
	return nil
}

// deleteAgent deletes an agent (already gone is fine) and forgets its token
// at once on this replica.
func (o *Orchestrator) deleteAgent(ctx context.Context, agentID string) error {
	err := o.letta.DeleteAgent(ctx, agentID)
	if err != nil && !letta.IsNotFound(err) {
		return err
	}
	o.markRevoked(agentID)
	return nil
}

// includePending asks agent lookups for the pending approval where Letta
// has approvals (0.16.2+); older versions do not know the parameter. With
// include=…, the real 0.16 loads only the relationships named (seen on
// 0.16.6: the agent's secrets came back empty, so its token looked
// missing and was reissued on every declaration), so every relationship a
// thread record reads is named too.
func (o *Orchestrator) includePending(ctx context.Context) []string {
	if v, err := o.letta.DetectVersion(ctx); err == nil && v.AtLeast(0, 16, 2) {
		return []string{letta.IncludePendingApproval, letta.IncludeSecrets, letta.IncludeTags, letta.IncludeTools, letta.IncludeBlocks}
	}
	return nil
}
