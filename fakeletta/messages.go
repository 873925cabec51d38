package fakeletta

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// messageRequest is a parsed LettaRequest / LettaStreamingRequest.
type messageRequest struct {
	Input        []inputMsg
	Approval     *approvalInput
	ClientTools  []string
	MaxSteps     int
	Streaming    bool
	StreamTokens bool
	IncludePings bool
	Include      []string
	Background   bool
}

var messageRoles = []string{"user", "system", "assistant"}

// parseMessageRequest reads the body; it answers 422 and returns false on a
// bad body.
func (c *reqCtx) parseMessageRequest() (messageRequest, bool) {
	req := messageRequest{IncludePings: true}
	f := c.decodeBody()
	if f == nil {
		return req, false
	}
	rawMsgs, hasMsgs := f.m["messages"]
	rawInput, hasInput := f.m["input"]
	if rawMsgs == nil {
		hasMsgs = false
	}
	if rawInput == nil || !c.s.isNew {
		hasInput = false
	}
	switch {
	case !c.s.isNew && !hasMsgs:
		f.add("missing", f.at("messages"), "Field required", f.m)
	case c.s.isNew && hasMsgs && hasInput:
		f.issues = append(f.issues, valueError([]any{"body"}, "Cannot specify both 'input' and 'messages'. Use one or the other.", f.m))
	case c.s.isNew && !hasMsgs && !hasInput:
		f.issues = append(f.issues, valueError([]any{"body"}, "Must specify either 'input' or 'messages'.", f.m))
	}
	if hasInput {
		text, ok := contentText(rawInput)
		if !ok {
			f.add("string_type", f.at("input"), "Input should be a valid string", rawInput)
		}
		req.Input = append(req.Input, inputMsg{Role: "user", Text: text})
	}
	if hasMsgs {
		list, ok := rawMsgs.([]any)
		if !ok {
			f.add("list_type", f.at("messages"), "Input should be a valid list", rawMsgs)
		}
		for i, item := range list {
			loc := append(f.at("messages"), i)
			m, ok := item.(map[string]any)
			if !ok {
				f.add("model_attributes_type", loc, "Input should be a valid dictionary or object to extract fields from", item)
				continue
			}
			mf := &fields{m: m, loc: loc}
			if t, _ := m["type"].(string); t == "approval" || t == "tool_return" {
				if !c.s.isNew {
					continue // OLD: accepted and ignored
				}
				if i != 0 {
					continue // Letta acts only on an approval that comes first
				}
				req.Approval = parseApproval(mf, t)
				f.issues = append(f.issues, mf.issues...)
				continue
			}
			role := mf.requiredStr("role")
			if role != "" && !slices.Contains(messageRoles, role) {
				mf.add("enum", mf.at("role"), "Input should be 'user', 'system' or 'assistant'", role)
			}
			content, present := m["content"]
			if !present {
				mf.add("missing", mf.at("content"), "Field required", m)
			}
			text, ok := contentText(content)
			if present && !ok {
				mf.add("string_type", mf.at("content"), "Input should be a valid string", content)
			}
			otid := mf.str("otid")
			f.issues = append(f.issues, mf.issues...)
			in := inputMsg{Role: role, Text: text}
			if otid != nil {
				in.Otid = *otid
			}
			req.Input = append(req.Input, in)
		}
	}
	req.Streaming = f.boolean("streaming", false)
	req.StreamTokens = f.boolean("stream_tokens", false)
	req.IncludePings = f.boolean("include_pings", true)
	req.Background = f.boolean("background", false)
	req.Include, _ = f.strList("include_return_message_types")
	if c.s.isNew {
		req.ClientTools = parseClientTools(f)
		if v, ok := f.m["max_steps"].(float64); ok {
			req.MaxSteps = int(v)
		}
	}
	if c.failed(f) {
		return req, false
	}
	return req, true
}

func (r messageRequest) runInput() runInput {
	return runInput{Messages: r.Input, Approval: r.Approval, ClientTools: r.ClientTools, MaxSteps: r.MaxSteps}
}

// parseApproval reads an ApprovalCreate ({"type":"approval","approvals":[…]})
// or a ToolReturnCreate ({"type":"tool_return","tool_returns":[…]}).
func parseApproval(mf *fields, typ string) *approvalInput {
	key := "approvals"
	if typ == "tool_return" {
		key = "tool_returns"
	}
	list, _ := mf.m[key].([]any)
	out := &approvalInput{}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			mf.add("model_attributes_type", append(mf.at(key), i), "Input should be a valid dictionary or object to extract fields from", item)
			continue
		}
		it := &fields{m: m, loc: append(mf.at(key), i)}
		a := approvalItem{ToolCallID: it.requiredStr("tool_call_id")}
		kind, _ := m["type"].(string)
		if kind == "" && typ == "tool_return" {
			kind = "tool"
		}
		switch kind {
		case "tool":
			a.Kind = "tool"
			switch v := m["tool_return"].(type) {
			case string:
				a.Return = v
			case []any:
				a.Return, _ = contentText(v)
			default:
				it.add("missing", it.at("tool_return"), "Field required", m)
			}
			a.Status = it.requiredStr("status")
			if a.Status != "" && a.Status != "success" && a.Status != "error" {
				it.add("literal_error", it.at("status"), "Input should be 'success' or 'error'", a.Status)
			}
		case "approval":
			a.Kind = "approval"
			a.Approve = it.boolean("approve", false)
			if r := it.str("reason"); r != nil {
				a.Reason = *r
			}
		default:
			it.add("union_tag_invalid", it.at("type"), "Input tag does not match any of the expected tags: 'approval', 'tool'", kind)
		}
		mf.issues = append(mf.issues, it.issues...)
		out.Items = append(out.Items, a)
	}
	return out
}

// parseClientTools reads client_tools: [{name, description?, parameters?}].
func parseClientTools(f *fields) []string {
	list, _ := f.m["client_tools"].([]any)
	var names []string
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			f.add("model_attributes_type", append(f.at("client_tools"), i), "Input should be a valid dictionary or object to extract fields from", item)
			continue
		}
		tf := &fields{m: m, loc: append(f.at("client_tools"), i)}
		if n := tf.requiredStr("name"); n != "" {
			names = append(names, n)
		}
		f.issues = append(f.issues, tf.issues...)
	}
	return names
}

// contentText flattens message content: a string, or a list of parts whose
// text parts are joined by newlines.
func contentText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []any:
		var parts []string
		for _, p := range x {
			if m, ok := p.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, "\n"), true
	}
	return "", false
}

// agentForRun checks the path id and that the agent exists (404 otherwise),
// and tells whether the model supports token streaming.
func (c *reqCtx) agentForRun() (tokenCapable bool, ok bool) {
	if !c.checkAgentID(false) {
		return false, false
	}
	id := c.params["agent_id"]
	c.s.mu.Lock()
	a := c.s.agents[id]
	endpoint := ""
	if a != nil {
		endpoint, _ = a.LLMConfig["model_endpoint_type"].(string)
	}
	c.s.mu.Unlock()
	if a == nil {
		c.detail(http.StatusNotFound, agentNotFound(id))
		return false, false
	}
	return slices.Contains([]string{"anthropic", "openai", "bedrock", "deepseek"}, endpoint), true
}

// sendMessageStream serves POST /v1/agents/{agent_id}/messages/stream.
func (c *reqCtx) sendMessageStream() {
	tokenCapable, ok := c.agentForRun()
	if !ok {
		return
	}
	req, ok := c.parseMessageRequest()
	if !ok {
		return
	}
	c.stream(req, tokenCapable)
}

// stream runs the agent and writes the SSE response.
func (c *reqCtx) stream(req messageRequest, tokenCapable bool) {
	runID := newID("run")
	sw := c.newStream(runID, req.StreamTokens && tokenCapable, req.Include, req.IncludePings)
	defer sw.close()
	c.s.startRun(c.params["agent_id"], runID)
	out := c.s.runAgent(c.r.Context(), c.params["agent_id"], runID, req.runInput(), sw)
	c.s.endRun(runID, out.StopReason)
	var lerr *lettaRunError
	if errors.As(out.Err, &lerr) {
		// Raised inside the stream, after the ping: HTTP 200 with Letta's
		// error frames (streaming_service.py, error_aware_stream).
		msg := "An unknown error occurred with the LLM streaming request."
		if lerr.conflict {
			msg = lerr.msg // a LettaError keeps its own message
		}
		sw.failWith("error", "internal_error", msg, lerr.msg)
		return
	}
	if out.Err != nil {
		sw.fail("internal_error", out.Err.Error())
		return
	}
	sw.finish(out)
}

// collector is the runSink of a non-streaming request.
type collector struct{ msgs []*historyMsg }

func (col *collector) early([]*historyMsg) bool { return true }

func (col *collector) step(msgs []*historyMsg) bool {
	col.msgs = append(col.msgs, msgs...)
	return true
}

// sendMessage serves POST /v1/agents/{agent_id}/messages: a LettaResponse,
// or on NEW with "streaming": true an SSE stream for v1 SDK callers only.
func (c *reqCtx) sendMessage() {
	tokenCapable, ok := c.agentForRun()
	if !ok {
		return
	}
	req, ok := c.parseMessageRequest()
	if !ok {
		return
	}
	if c.s.isNew {
		if len(req.Input) == 0 && req.Approval == nil {
			c.detail(http.StatusUnprocessableEntity, "Messages must not be empty")
			return
		}
		if !req.Streaming {
			var errs []string
			if req.StreamTokens {
				errs = append(errs, "stream_tokens can only be true when streaming=true")
			}
			if !req.IncludePings {
				errs = append(errs, "include_pings can only be set to false when streaming=true")
			}
			if req.Background {
				errs = append(errs, "background can only be true when streaming=true")
			}
			if len(errs) > 0 {
				c.detail(http.StatusUnprocessableEntity, "Streaming options set without streaming enabled. "+strings.Join(errs, "; ")+". Either set streaming=true or use default values for streaming options.")
				return
			}
		} else {
			if !c.v1Client() {
				c.detail(http.StatusUnprocessableEntity, "streaming=true is only supported for SDK v1.0+ clients.")
				return
			}
			c.stream(req, tokenCapable)
			return
		}
	}
	runID := newID("run")
	col := &collector{}
	c.s.startRun(c.params["agent_id"], runID)
	out := c.s.runAgent(c.r.Context(), c.params["agent_id"], runID, req.runInput(), col)
	c.s.endRun(runID, out.StopReason)
	var lerr *lettaRunError
	if errors.As(out.Err, &lerr) {
		status := http.StatusBadRequest
		if lerr.conflict {
			status = http.StatusConflict
		}
		c.detail(status, lerr.msg)
		return
	}
	if out.Err != nil {
		c.detail(http.StatusNotFound, agentNotFound(c.params["agent_id"]))
		return
	}
	render := &msgRenderer{isNew: c.s.isNew, runID: runID}
	msgs := []any{}
	for _, m := range col.msgs {
		if req.Include == nil || slices.Contains(req.Include, m.Type) {
			msgs = append(msgs, render.full(m))
		}
	}
	resp := obj{{"messages", msgs}, {"stop_reason", stopReasonJSON(out.StopReason)}, {"usage", render.usage(out)}}
	if c.s.isNew {
		resp = append(resp, kv{"logprobs", nil}, kv{"turns", nil})
	}
	writeJSON(c.w, http.StatusOK, resp)
}

// listMessages serves GET /v1/agents/{agent_id}/messages as both versions'
// get_agent_recall_async does: the window of `limit` stored messages
// (default 10 on OLD, 100 on NEW) — the newest, or on NEW with order=asc
// the oldest — after `after` and before `before` (message ids; one that
// names no message is a 404), always returned oldest first: Letta lists
// descending, then reverses the list, whatever NEW's order description
// says. A stored message is what shares one id: a step's reasoning and
// tool calls count as one.
func (c *reqCtx) listMessages() {
	if !c.checkAgentID(false) {
		return
	}
	def := 10
	if c.s.isNew {
		def = 100
	}
	limit, ok := c.queryInt("limit", def)
	if !ok {
		return
	}
	id := c.params["agent_id"]
	c.s.mu.Lock()
	a := c.s.agents[id]
	var msgs []*historyMsg
	if a != nil {
		msgs = append(msgs, a.Messages...)
	}
	c.s.mu.Unlock()
	if a == nil {
		c.detail(http.StatusNotFound, agentNotFound(id))
		return
	}
	// rows[i] is the index in msgs where the i-th stored message starts.
	var rows []int
	for i, m := range msgs {
		if i == 0 || msgs[i-1].MessageID != m.MessageID {
			rows = append(rows, i)
		}
	}
	rowOf := func(msgID string) int {
		return slices.IndexFunc(rows, func(i int) bool { return msgs[i].MessageID == msgID })
	}
	lo, hi := 0, len(rows) // the window of rows [lo, hi)
	q := c.r.URL.Query()
	for _, cur := range []string{"after", "before"} {
		v := q.Get(cur)
		if v == "" {
			continue
		}
		r := rowOf(v)
		if r < 0 {
			c.detail(http.StatusNotFound, fmt.Sprintf("No message found with id '%s' for agent '%s'.", v, id))
			return
		}
		if cur == "after" {
			lo = max(lo, r+1)
		} else {
			hi = min(hi, r)
		}
	}
	if lo > hi {
		lo = hi
	}
	if limit >= 0 && hi-lo > limit {
		if c.s.isNew && q.Get("order") == "asc" {
			hi = lo + limit
		} else {
			lo = hi - limit
		}
	}
	start, end := len(msgs), len(msgs)
	if lo < len(rows) {
		start = rows[lo]
	}
	if hi < len(rows) {
		end = rows[hi]
	}
	msgs = msgs[start:end]
	render := &msgRenderer{isNew: c.s.isNew}
	out := make([]any, len(msgs))
	for i, m := range msgs {
		render.runID = m.RunID
		render.seq = 0
		out[i] = render.full(m)
	}
	writeJSON(c.w, http.StatusOK, out)
}
