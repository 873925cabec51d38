package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// One user message is one turn; in client-tools mode a turn is several Letta
// requests (the message, then one resume per pause for client tools), and
// the caller sees one stream: tool_call, tool_return and content events as
// they come, one usage event summed over the turn, one done.

// EventApprovalRequired announces a call waiting for the user's approval
// (the turn then ends with done {"finish_reason":"approval_required"}).
const EventApprovalRequired = "approval_required"

// ApprovalData is an approval_required event, and a pending approval in a
// thread's GET answer.
type ApprovalData struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments any    `json:"arguments"`
}

// Texts the agent gets for calls odoo-mcp did not run.
const (
	abandonedText = "Error: odoo-mcp did not finish this call: the request that was running it ended (the caller left, or a replica stopped) " +
		"before its result was delivered, or the run was started outside odoo-mcp. It may or may not have run: check before calling it again."
	supersededText = "the user sent a new message instead of answering the approval request"
	deniedPrefix   = "Error: request to call tool denied. User reason: "
)

// turn drives one turn. emit returns false once the caller is gone.
type turn struct {
	o        *Orchestrator // nil: relay one stream, no follow-up requests
	ctx      context.Context
	id       *auth.Identity
	rec      *record
	mode     string
	tools    []letta.ClientTool
	emit     func(Event) bool
	tr       *translator
	usage    UsageData
	sawUsage bool
	returned map[string]bool // tool_return ids already sent to the caller
	rounds   int
	limited  bool // the round limit was reached: the turn goes on without tools
	// memoryEdited: the agent called one of Letta's memory tools.
	memoryEdited bool
}

func (o *Orchestrator) newTurn(ctx context.Context, id *auth.Identity, r *record, mode string, emit func(Event) bool) *turn {
	t := &turn{o: o, ctx: ctx, id: id, rec: r, mode: mode, emit: emit, tr: newTranslator(), returned: map[string]bool{}}
	if mode == ToolModeClient {
		t.tools = clientTools(r.meta.Tools)
	}
	for _, c := range r.agent.Pending {
		t.tr.names[c.ToolCallID] = c.Name
	}
	return t
}

// request is a Letta request of this turn.
func (t *turn) request(text string, items []letta.ApprovalItem) letta.MessageRequest {
	return letta.MessageRequest{Text: text, Approvals: items, ClientTools: t.tools, StreamTokens: t.o.letta.TokenStreaming(t.ctx), IncludePings: true}
}

// run reads s (the turn's first stream, opened with req) and the streams
// that follow, until the turn ends. It always ends with a done event,
// unless the caller left.
func (t *turn) run(s *letta.Stream, req letta.MessageRequest) {
	retried := false
	for {
		// A caller who leaves closes the stream, which unblocks its read
		// and cancels the upstream request.
		unwatch := context.AfterFunc(t.ctx, func() { _ = s.Close() })
		calls, err, emitted := t.read(s)
		unwatch()
		stop := s.StopReason()
		_ = s.Close()
		if t.ctx.Err() != nil {
			return
		}
		if !emitted && !retried && t.o != nil {
			if next, ok := t.recover(err, req); ok {
				retried, req = true, next
				if s = t.open(req); s == nil {
					return
				}
				continue
			}
		}
		if !errors.Is(err, io.EOF) || stop != "requires_approval" || len(calls) == 0 {
			t.finish(err, stop)
			return
		}
		// Paused: the calls are complete.
		for _, c := range calls {
			if !t.emit(t.tr.announce(c)) {
				return
			}
		}
		var waiting []letta.ToolCall
		for _, c := range calls {
			if t.o == nil || t.mode != ToolModeClient || containsStr(t.rec.meta.Approve, c.Name) {
				waiting = append(waiting, c)
			}
		}
		if len(waiting) > 0 {
			t.awaitApproval(waiting)
			return
		}
		t.rounds++
		if t.limited {
			// Paused again without its tools: leave the pause to the next
			// message, which answers it as abandoned.
			t.end(Event{EventError, ErrorData{Source: "odoo-mcp", Type: "tool_round_limit",
				Message: fmt.Sprintf("the agent kept asking for tools after the limit of %d rounds for one message; its last calls were not run", t.o.opts.MaxToolRounds)}},
				Event{EventDone, DoneData{FinishReason: "tool_round_limit", StopReason: stop}})
			return
		}
		var items []letta.ApprovalItem
		if t.rounds > t.o.opts.MaxToolRounds {
			// The limit: these calls are answered without running, and the
			// rest of the turn goes without client tools, so the model
			// answers with what it has and no pause is left behind.
			text := fmt.Sprintf("Error: not run: the limit of %d tool rounds for one message was reached. Answer the user with what you have; they can ask again.", t.o.opts.MaxToolRounds)
			for _, c := range calls {
				items = append(items, letta.ToolResult(c.ToolCallID, text, true))
				t.sendReturn(c, text, true)
			}
			t.tools, t.limited = nil, true
		} else {
			items = t.runCalls(calls, nil)
		}
		if t.ctx.Err() != nil {
			return
		}
		req, retried = t.request("", items), false
		if s = t.open(req); s == nil {
			return
		}
	}
}

// openFirst sends the turn's first request. A refusal before the stream
// starts (HTTP 409 for a pause Letta holds, 400 for an answer to a pause
// already resolved) is recovered from once, as on the stream.
func (t *turn) openFirst(req letta.MessageRequest) (*letta.Stream, letta.MessageRequest, error) {
	s, err := t.o.letta.StreamMessageRequest(t.ctx, t.rec.agent.ID, req)
	if err == nil {
		return s, req, nil
	}
	if next, ok := t.recover(err, req); ok {
		s, err = t.o.letta.StreamMessageRequest(t.ctx, t.rec.agent.ID, next)
		return s, next, err
	}
	return nil, req, err
}

// open sends a follow-up request; nil when it failed (the turn is ended).
// A resume that could not reach Letta is sent once more: the tools have run,
// and Letta takes a repeated answer as a keep-alive.
func (t *turn) open(req letta.MessageRequest) *letta.Stream {
	s, err := t.o.letta.StreamMessageRequest(t.ctx, t.rec.agent.ID, req)
	if err != nil && t.ctx.Err() == nil && (errors.Is(err, letta.ErrUnavailable) || letta.StatusCode(err) >= 500) {
		s, err = t.o.letta.StreamMessageRequest(t.ctx, t.rec.agent.ID, req)
	}
	if err != nil {
		if t.ctx.Err() == nil {
			e := lettaFailure("resuming the agent's run", err)
			t.end(Event{EventError, ErrorData{Source: "letta", Type: e.Code, Message: e.Message}},
				Event{EventDone, DoneData{FinishReason: "error", StopReason: "error"}})
		}
		return nil
	}
	return s
}

// read relays one Letta stream; it returns the calls of an approval request
// (fragments joined by tool_call_id), the stream's end (io.EOF after
// [DONE]) and whether anything reached the caller.
func (t *turn) read(s *letta.Stream) ([]letta.ToolCall, error, bool) {
	var asm callAssembler
	emitted := false
	for {
		ev, err := s.Next()
		if err != nil {
			for _, e := range t.tr.flushCalls(nil) {
				emitted = true
				if !t.emit(e) {
					return nil, context.Canceled, emitted
				}
			}
			return asm.list(), err, emitted
		}
		switch ev.Type {
		case letta.TypeApprovalRequest:
			asm.add(ev)
			continue
		case letta.TypeUsage:
			if u := ev.Usage; u != nil {
				t.sawUsage = true
				t.usage.PromptTokens += u.PromptTokens
				t.usage.CompletionTokens += u.CompletionTokens
				t.usage.TotalTokens += u.TotalTokens
				t.usage.Steps += u.StepCount
				d := usageData(u)
				t.usage.CachedTokens += d.CachedTokens
				t.usage.ReasoningTokens += d.ReasoningTokens
			}
			continue
		case letta.TypeToolReturn:
			if ev.ToolReturn != nil && t.returned[ev.ToolReturn.ToolCallID] {
				continue // odoo-mcp ran it and told the caller already
			}
		}
		for _, e := range t.tr.next(ev) {
			emitted = true
			if c, ok := e.Data.(ToolCallData); ok && lettaMemoryTools[c.Name] {
				t.memoryEdited = true
			}
			if !t.emit(e) {
				return nil, context.Canceled, emitted
			}
		}
	}
}

// recover handles what Letta refuses before a run starts: a user message
// while a run is paused (the pause is resolved, its calls answered as
// abandoned, and the message sent with the answer), and an answer to a
// pause someone else resolved meanwhile (the message is sent alone).
func (t *turn) recover(err error, req letta.MessageRequest) (letta.MessageRequest, bool) {
	var text string
	var se *letta.StreamError
	var ae *letta.APIError
	switch {
	case errors.As(err, &se):
		text = se.Message + " " + se.Detail
	case errors.As(err, &ae) && (ae.Status == 409 || ae.Status == 400):
		text = ae.Detail // refused before the stream started
	default:
		return req, false
	}
	switch {
	case strings.Contains(text, letta.PendingApprovalPrefix) && req.Text != "" && len(req.Approvals) == 0:
		pending, perr := t.o.pendingCalls(t.ctx, t.rec.agent.ID)
		if perr != nil || len(pending) == 0 {
			return req, false
		}
		t.rec.agent.Pending = pending
		req.Approvals = t.o.abandon(t.ctx, t.id, t.rec, pending)
		return req, true
	case strings.Contains(text, letta.NoApprovalPending) && req.Text != "" && len(req.Approvals) > 0:
		req.Approvals = nil
		return req, true
	}
	return req, false
}

// awaitApproval ends the turn on calls that wait for the user.
func (t *turn) awaitApproval(calls []letta.ToolCall) {
	for _, c := range calls {
		if !t.emit(Event{EventApprovalRequired, approvalData(c)}) {
			return
		}
	}
	t.end(Event{EventDone, DoneData{FinishReason: "approval_required", StopReason: "requires_approval"}})
}

// finish ends the turn after the last stream: usage, error (if any), done.
func (t *turn) finish(err error, stop string) {
	evs := t.tr.end(err, stop)
	if d, ok := evs[len(evs)-1].Data.(DoneData); ok && t.limited && d.FinishReason == "stop" {
		d.FinishReason = "tool_round_limit" // answered, but without all the tools it asked for
		evs[len(evs)-1].Data = d
	}
	t.end(evs...)
}

// end sends the usage summed over the turn, then evs (error and done, or
// done alone).
func (t *turn) end(evs ...Event) {
	if t.memoryEdited && t.o != nil {
		t.o.afterMemoryTools(t.ctx, t.rec)
	}
	if t.sawUsage && !t.emit(Event{EventUsage, t.usage}) {
		return
	}
	for _, ev := range evs {
		if !t.emit(ev) {
			return
		}
	}
}

func approvalData(c letta.ToolCall) ApprovalData {
	var args any = c.Arguments
	if c.Arguments == "" {
		args = map[string]any{}
	} else if json.Valid([]byte(c.Arguments)) {
		args = json.RawMessage(c.Arguments)
	}
	return ApprovalData{ID: c.ToolCallID, Name: c.Name, Arguments: args}
}

// decision is the user's answer to one call.
type decision struct {
	approve bool
	reason  string
}

// runCalls answers the calls of a pause. Client mode: each call runs here as
// the thread's user, unless the user denied it (reads in parallel when every
// call reads, else one after the other, in order); MCP mode: Letta gets the
// decisions and runs the approved calls itself.
func (t *turn) runCalls(calls []letta.ToolCall, decisions map[string]decision) []letta.ApprovalItem {
	items := make([]letta.ApprovalItem, len(calls))
	if t.mode != ToolModeClient {
		for i, c := range calls {
			d := decisions[c.ToolCallID]
			items[i] = letta.Decision(c.ToolCallID, d.approve, d.reason)
			if !d.approve {
				t.sendReturn(c, deniedPrefix+d.reason, true)
			}
		}
		return items
	}
	parallel := len(calls) > 1
	for _, c := range calls {
		parallel = parallel && readOnlyTool(c.Name)
	}
	run := func(i int) {
		c := calls[i]
		text, isErr := "", true
		if d, ok := decisions[c.ToolCallID]; ok && !d.approve {
			text = deniedPrefix + d.reason
		} else {
			text, isErr = t.runOne(c)
		}
		items[i] = letta.ToolResult(c.ToolCallID, cutResult(text, t.resultLimit()), isErr)
	}
	if parallel {
		var wg sync.WaitGroup
		for i := range calls {
			wg.Add(1)
			go func() { defer wg.Done(); run(i) }()
		}
		wg.Wait()
	} else {
		for i := range calls {
			if t.ctx.Err() != nil {
				break
			}
			run(i)
		}
	}
	for i, c := range calls {
		if t.ctx.Err() != nil {
			break
		}
		t.sendReturn(c, items[i].Return, items[i].IsError)
	}
	return items
}

func (t *turn) sendReturn(c letta.ToolCall, text string, isErr bool) {
	status := "success"
	if isErr {
		status = "error"
	}
	t.returned[c.ToolCallID] = true
	t.emit(Event{EventToolReturn, ToolReturnData{ID: c.ToolCallID, Name: c.Name, Status: status, Content: text}})
}

// runOne runs one call as the thread's user.
func (t *turn) runOne(c letta.ToolCall) (string, bool) {
	if !containsStr(t.rec.meta.Tools, c.Name) {
		return fmt.Sprintf("tool %s is not enabled for this thread", c.Name), true
	}
	args := json.RawMessage(c.Arguments)
	if strings.TrimSpace(c.Arguments) == "" {
		args = json.RawMessage("{}")
	}
	if !json.Valid(args) {
		return "the arguments are not valid JSON: send one JSON object", true
	}
	text, isErr, err := t.o.opts.Runner.RunTool(t.ctx, t.id, t.rec.meta.ThreadID, c.Name, args)
	if err != nil {
		return "internal error in odoo-mcp; the call was not completed", true
	}
	return text, isErr
}

// resultLimit is the longest result Letta keeps whole: 20 % of the
// context window at 4 characters a token, at least 5000 characters.
func (t *turn) resultLimit() int {
	return max(5000, int(float64(t.rec.agent.LLMConfig.ContextWindow)*0.8))
}

// callAssembler joins the calls of an approval request: full messages carry
// tool_calls as a list (each call whole); token-streaming fragments carry
// one delta object naming its tool_call_id (or continuing the last one).
type callAssembler struct {
	byID  map[string]*letta.ToolCall
	order []string
	last  string
}

func (a *callAssembler) add(ev letta.Event) {
	if a.byID == nil {
		a.byID = map[string]*letta.ToolCall{}
	}
	var w struct {
		ToolCall  json.RawMessage `json:"tool_call"`
		ToolCalls json.RawMessage `json:"tool_calls"`
	}
	_ = json.Unmarshal(ev.Raw, &w)
	var list []letta.ToolCall
	if json.Unmarshal(w.ToolCalls, &list) == nil && len(list) > 0 {
		for _, c := range list {
			a.put(c, false)
		}
		return
	}
	var one letta.ToolCall
	if json.Unmarshal(w.ToolCalls, &one) == nil && (one.ToolCallID != "" || one.Arguments != "" || one.Name != "") {
		a.put(one, true)
		return
	}
	if json.Unmarshal(w.ToolCall, &one) == nil {
		a.put(one, true)
	}
}

func (a *callAssembler) put(c letta.ToolCall, fragment bool) {
	id := c.ToolCallID
	if id == "" {
		id = a.last
	}
	a.last = id
	cur := a.byID[id]
	if cur == nil {
		cur = &letta.ToolCall{ToolCallID: id}
		a.byID[id] = cur
		a.order = append(a.order, id)
	}
	if c.Name != "" {
		cur.Name = c.Name
	}
	if fragment {
		cur.Arguments += c.Arguments
	} else {
		cur.Arguments = c.Arguments
	}
}

func (a *callAssembler) list() []letta.ToolCall {
	out := make([]letta.ToolCall, 0, len(a.order))
	for _, id := range a.order {
		if id != "" {
			out = append(out, *a.byID[id])
		}
	}
	return out
}

// pendingCalls asks Letta for the agent's paused calls.
func (o *Orchestrator) pendingCalls(ctx context.Context, agentID string) ([]letta.ToolCall, error) {
	a, err := o.letta.GetAgentInclude(ctx, agentID, letta.IncludePendingApproval)
	if err != nil {
		return nil, err
	}
	return a.Pending, nil
}

// abandon answers every call of a leftover pause with an error saying it was
// not run by this request (never running it blindly): calls that wait for
// the user are denied as superseded by the new message.
func (o *Orchestrator) abandon(ctx context.Context, id *auth.Identity, r *record, pending []letta.ToolCall) []letta.ApprovalItem {
	mode, _ := o.toolMode(ctx)
	items := make([]letta.ApprovalItem, len(pending))
	for i, c := range pending {
		waiting := containsStr(r.meta.Approve, c.Name)
		switch {
		case mode != ToolModeClient:
			reason := abandonedText
			if waiting {
				reason = supersededText
			}
			items[i] = letta.Decision(c.ToolCallID, false, reason)
		case waiting:
			items[i] = letta.ToolResult(c.ToolCallID, deniedPrefix+supersededText, true)
		default:
			items[i] = letta.ToolResult(c.ToolCallID, abandonedText, true)
		}
	}
	o.log.InfoContext(ctx, "resolved a leftover pause of the thread's agent", "db", id.DB, "uid", id.UID, "thread", r.meta.ThreadID,
		"agent", r.agent.ID, "calls", len(pending))
	return items
}

// awaitingUser are the pending calls that wait for the user's approval.
func awaitingUser(r record) []ApprovalData {
	var out []ApprovalData
	for _, c := range r.agent.Pending {
		if containsStr(r.meta.Approve, c.Name) {
			out = append(out, approvalData(c))
		}
	}
	return out
}
