package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// maxContentLen bounds one message (Letta keeps the history; only the
// latest message is sent, as odoo-llm does).
const maxContentLen = 100000

// Message is the body of POST /api/v1/threads/{id}/messages.
type Message struct {
	Content string `json:"content"`
}

func (m Message) check() error {
	switch {
	case strings.TrimSpace(m.Content) == "":
		return unprocessable("missing_content", `"content" is required: the user's message as text`, nil)
	case utf8.RuneCountInString(m.Content) > maxContentLen:
		return unprocessable("content_too_long", fmt.Sprintf(`"content" is longer than %d characters`, maxContentLen), nil)
	}
	return nil
}

// openStream sends the message to the thread's agent and returns Letta's
// stream, which lives as long as ctx (the caller's request), with the turn
// that goes on from it. A pause left over from a run odoo-mcp did not finish
// is resolved in the same request: its calls are answered as abandoned
// (never run), then the message follows.
func (o *Orchestrator) openStream(ctx context.Context, id *auth.Identity, threadID string, msg Message) (*letta.Stream, *turn, letta.MessageRequest, error) {
	var req letta.MessageRequest // returned with errors only for the signature's sake
	if err := checkThreadID(threadID); err != nil {
		return nil, nil, req, err
	}
	if err := msg.check(); err != nil {
		return nil, nil, req, err
	}
	r, err := o.agentFor(ctx, id, threadID)
	if err != nil {
		return nil, nil, req, err
	}
	mode, err := o.toolMode(ctx)
	if err != nil {
		return nil, nil, req, err
	}
	t := o.newTurn(ctx, id, r, mode, nil)
	var leftovers []letta.ApprovalItem
	if len(r.agent.Pending) > 0 {
		leftovers = o.abandon(ctx, id, r, r.agent.Pending)
	}
	s, req, err := t.openFirst(t.request(msg.Content, leftovers))
	if err != nil {
		if letta.IsNotFound(err) {
			return nil, nil, req, ErrThreadNotFound // deleted between lookup and send
		}
		return nil, nil, req, lettaFailure("sending the message to the thread's agent", err)
	}
	return s, t, req, nil
}

// agentFor finds the thread's agent and repairs what would make the run
// fail: a token to reissue (the caller's Odoo key changed, the token is
// half-way to expiry, or it was never written), so the run's tool calls use
// the new one; and declared tools Letta lost (its MCP server was deleted and
// registered again), which are attached again.
func (o *Orchestrator) agentFor(ctx context.Context, id *auth.Identity, threadID string) (*record, error) {
	ow := ownerOf(id)
	rs, err := o.find(ctx, ow, threadID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrThreadNotFound
	}
	if mode, err := o.toolMode(ctx); err != nil {
		return nil, err
	} else if mode == ToolModeClient {
		if !hasMCPGrant(rs[0]) {
			return &rs[0], nil // nothing to repair: no token, no attached tools
		}
		unlock, err := o.locks.lock(ctx, o.threadTag(ow, threadID))
		if err != nil {
			return nil, lettaFailure("waiting for the thread", err)
		}
		defer unlock()
		r, err := o.dropMCPGrant(ctx, rs[0])
		if err != nil {
			return nil, err
		}
		return &r, nil
	}
	if o.tokenReason(id, rs[0], false) == "" && len(o.lostTools(rs[0])) == 0 {
		return &rs[0], nil
	}
	unlock, err := o.locks.lock(ctx, o.threadTag(ow, threadID))
	if err != nil {
		return nil, lettaFailure("waiting for the thread", err)
	}
	defer unlock()
	if rs, err = o.find(ctx, ow, threadID); err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrThreadNotFound
	}
	r := rs[0]
	if lost := o.lostTools(r); len(lost) > 0 {
		ids, err := o.toolIDs(ctx, r.meta.Tools, false)
		if err != nil {
			return nil, err
		}
		if _, err := o.syncTools(ctx, r.agent.ID, r.meta.Tools, ids); err != nil {
			if errors.Is(err, errRetry) {
				return nil, ErrThreadNotFound
			}
			return nil, err
		}
		o.log.InfoContext(ctx, "thread tools attached again", "db", ow.DB, "uid", ow.UID, "thread", threadID, "agent", r.agent.ID, "tools", lost)
	}
	reason := o.tokenReason(id, r, false)
	if reason == "" {
		return &r, nil
	}
	token, next, err := o.issue(id, r.meta, r.agent.ID)
	if err != nil {
		return nil, err
	}
	upd, err := o.letta.ModifyAgent(ctx, r.agent.ID, letta.ModifyAgentRequest{EnvVars: envWith(r.agent.EnvVars, token), Metadata: metadataWith(r.agent.Metadata, next)})
	if err != nil {
		if letta.IsNotFound(err) {
			return nil, ErrThreadNotFound
		}
		return nil, lettaFailure("renewing the thread's token", err)
	}
	o.markCurrent(r.agent.ID, next.TokenID)
	o.log.InfoContext(ctx, "thread token reissued", "db", ow.DB, "uid", ow.UID, "thread", threadID, "agent", r.agent.ID, "reason", reason)
	upd.Pending = r.agent.Pending // the update's answer does not carry it
	return &record{agent: upd, meta: next}, nil
}

// lostTools are the declared tools the agent, as listed, does not have.
// An agent listed without its tools (Letta's v1 callers) counts as whole.
func (o *Orchestrator) lostTools(r record) []string {
	if r.agent.Tools == nil {
		return nil
	}
	var lost []string
	for _, name := range r.meta.Tools {
		if !slices.ContainsFunc(r.agent.Tools, func(t letta.Tool) bool { return t.Name == name && o.ourTool(t) }) {
			lost = append(lost, name)
		}
	}
	return lost
}

// Reply is the JSON answer to a message (Accept: application/json).
type Reply struct {
	ThreadID  string           `json:"thread_id"`
	AgentID   string           `json:"agent_id"`
	Content   string           `json:"content"`
	ToolCalls []ToolCallResult `json:"tool_calls"`
	Usage     *UsageData       `json:"usage,omitempty"`
	// Approvals are the calls waiting for the user's approval
	// (finish_reason "approval_required").
	Approvals    []ApprovalData `json:"approvals_required,omitempty"`
	FinishReason string         `json:"finish_reason"`
	StopReason   string         `json:"stop_reason,omitempty"`
	// MessageID names the turn for feedback, as the done event does.
	MessageID string `json:"message_id,omitempty"`
}

// ToolCallResult is a tool call with its return.
type ToolCallResult struct {
	ToolCallData
	Status string `json:"status,omitempty"`
	Result string `json:"result,omitempty"`
}

// collector builds a Reply from events.
type collector struct {
	reply Reply
	err   *ErrorData
	byID  map[string]int
}

func (c *collector) add(evs []Event) {
	for _, ev := range evs {
		switch d := ev.Data.(type) {
		case ContentData:
			c.reply.Content += d.Text
		case ToolCallData:
			if c.byID == nil {
				c.byID = map[string]int{}
			}
			c.byID[d.ID] = len(c.reply.ToolCalls)
			c.reply.ToolCalls = append(c.reply.ToolCalls, ToolCallResult{ToolCallData: d})
		case ToolReturnData:
			if i, ok := c.byID[d.ID]; ok {
				c.reply.ToolCalls[i].Status, c.reply.ToolCalls[i].Result = d.Status, d.Content
			} else {
				// A call announced in an earlier reply (answered approvals).
				c.reply.ToolCalls = append(c.reply.ToolCalls, ToolCallResult{ToolCallData: ToolCallData{ID: d.ID, Name: d.Name}, Status: d.Status, Result: d.Content})
			}
		case UsageData:
			u := d
			c.reply.Usage = &u
		case ApprovalData:
			c.reply.Approvals = append(c.reply.Approvals, d)
		case ErrorData:
			e := d
			c.err = &e
		case DoneData:
			c.reply.FinishReason, c.reply.StopReason, c.reply.MessageID = d.FinishReason, d.StopReason, d.MessageID
		}
	}
}

// collect runs the whole turn into a Reply; a run that failed or a stream
// that broke is a 502 naming Letta, with what arrived so far.
func collect(ctx context.Context, t *turn, s *letta.Stream, req letta.MessageRequest, threadID string) (*Reply, *Error) {
	c := &collector{reply: Reply{ThreadID: threadID, AgentID: t.rec.agent.ID, ToolCalls: []ToolCallResult{}}}
	t.ctx, t.emit = ctx, func(ev Event) bool { c.add([]Event{ev}); return true }
	t.run(s, req)
	if c.err != nil {
		return &c.reply, &Error{Status: http.StatusBadGateway, Code: "letta_stream_error",
			Message: fmt.Sprintf("Letta's run failed (%s): %s", c.err.Type, c.err.Message)}
	}
	return &c.reply, nil
}
