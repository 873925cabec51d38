package threads

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// Approvals is the body of POST /api/v1/threads/{id}/approvals: one decision
// per call waiting for the user's approval.
type Approvals struct {
	Decisions []ApprovalDecision `json:"decisions"`
}

// ApprovalDecision approves or denies one call (its id, from the
// approval_required event or the thread's pending_approvals).
type ApprovalDecision struct {
	ID      string `json:"id"`
	Approve *bool  `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}

const maxReasonLen = 2000

// openApproval checks the decisions against the pause Letta holds for the
// thread (any replica can answer: the pause lives in Letta) and returns the
// turn that resumes the run, with the paused calls and the decisions.
func (o *Orchestrator) openApproval(ctx context.Context, id *auth.Identity, threadID string, body Approvals) (*turn, []letta.ToolCall, map[string]decision, error) {
	if len(body.Decisions) == 0 {
		return nil, nil, nil, unprocessable("missing_decisions", `"decisions" is required: [{"id":"call_…","approve":true}, {"id":"call_…","approve":false,"reason":"…"}]`, nil)
	}
	decisions := map[string]decision{}
	for i, d := range body.Decisions {
		switch {
		case strings.TrimSpace(d.ID) == "":
			return nil, nil, nil, unprocessable("invalid_decision", fmt.Sprintf(`decision %d: "id" is required (the call's id from the approval_required event)`, i+1), nil)
		case d.Approve == nil:
			return nil, nil, nil, unprocessable("invalid_decision", fmt.Sprintf(`decision %d: "approve" is required: true or false`, i+1), nil)
		case len(d.Reason) > maxReasonLen:
			return nil, nil, nil, unprocessable("invalid_decision", fmt.Sprintf(`decision %d: "reason" is longer than %d characters`, i+1, maxReasonLen), nil)
		}
		if _, dup := decisions[d.ID]; dup {
			return nil, nil, nil, unprocessable("invalid_decision", fmt.Sprintf("call %s is decided twice", d.ID), nil)
		}
		reason := d.Reason
		if !*d.Approve && reason == "" {
			reason = "the user did not approve this call"
		}
		decisions[d.ID] = decision{approve: *d.Approve, reason: reason}
	}
	r, err := o.agentFor(ctx, id, threadID)
	if err != nil {
		return nil, nil, nil, err
	}
	mode, err := o.toolMode(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	waiting := awaitingUser(*r)
	if len(waiting) == 0 {
		return nil, nil, nil, &Error{Status: http.StatusConflict, Code: "no_pending_approval",
			Message: "no call of this thread is waiting for approval (it may have been answered already, or the thread moved on)"}
	}
	var ids []string
	for _, w := range waiting {
		ids = append(ids, w.ID)
	}
	for callID := range decisions {
		if !slices.Contains(ids, callID) {
			return nil, nil, nil, unprocessable("unknown_call", fmt.Sprintf("call %s is not waiting for approval", callID), ids)
		}
	}
	for _, w := range ids {
		if _, ok := decisions[w]; !ok {
			return nil, nil, nil, unprocessable("missing_decision", fmt.Sprintf("call %s needs a decision too: Letta resumes the run only with an answer for every waiting call", w), ids)
		}
	}
	t := o.newTurn(ctx, id, r, mode, nil)
	return t, r.agent.Pending, decisions, nil
}

// resume answers the paused calls (running the approved ones, and in client
// mode the calls that need no approval) and streams the rest of the turn.
func (t *turn) resume(pending []letta.ToolCall, decisions map[string]decision) {
	items := t.runCalls(pending, decisions)
	if t.ctx.Err() != nil {
		return
	}
	req := t.request("", items)
	if s := t.open(req); s != nil {
		t.run(s, req)
	}
}

func (o *Orchestrator) handleApprovals(w http.ResponseWriter, r *http.Request) error {
	threadID := r.PathValue("thread_id")
	if err := checkThreadID(threadID); err != nil {
		return o.writeError(w, r, err)
	}
	var body Approvals
	if err := o.decodeJSON(w, r, &body); err != nil {
		return o.writeError(w, r, err)
	}
	release, err := o.streamSlot(r)
	if err != nil {
		return o.writeError(w, r, err)
	}
	defer release()
	t, pending, decisions, err := o.openApproval(r.Context(), identity(r), threadID, body)
	if err != nil {
		return o.writeError(w, r, err)
	}
	o.log.InfoContext(r.Context(), "thread approvals answered", "thread", threadID, "agent", t.rec.agent.ID, "decisions", len(decisions))
	run := func(ctx context.Context, emit func(Event) bool) {
		t.ctx, t.emit = ctx, emit
		t.resume(pending, decisions)
	}
	return o.answerTurn(w, r, threadID, t, run, func(ctx context.Context) (*Reply, *Error) {
		col := &collector{reply: Reply{ThreadID: threadID, AgentID: t.rec.agent.ID, ToolCalls: []ToolCallResult{}}}
		run(ctx, func(ev Event) bool { col.add([]Event{ev}); return true })
		if col.err != nil {
			return &col.reply, &Error{Status: http.StatusBadGateway, Code: "letta_stream_error",
				Message: fmt.Sprintf("Letta's run failed (%s): %s", col.err.Type, col.err.Message)}
		}
		return &col.reply, nil
	})
}
