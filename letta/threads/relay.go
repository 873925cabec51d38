package threads

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/odoo-mcp/odoo-mcp/letta"
)

// The events of POST /api/v1/threads/{id}/messages, in SSE and in the JSON
// answer alike:
//
//	content      {"text": "…"}  assistant text delta; all deltas joined are the reply
//	tool_call    {"id","name","arguments"}  once per call, when its arguments are complete
//	tool_return  {"id","name","status","content"}
//	usage        {"prompt_tokens","completion_tokens","total_tokens","steps"}
//	error        {"source":"letta","type","message"}
//	done         {"finish_reason","stop_reason"}  always last
const (
	EventContent    = "content"
	EventToolCall   = "tool_call"
	EventToolReturn = "tool_return"
	EventUsage      = "usage"
	EventError      = "error"
	EventDone       = "done"
)

// Event is one event of a reply.
type Event struct {
	Name string
	Data any
}

// ContentData is a content event.
type ContentData struct {
	Text string `json:"text"`
}

// ToolCallData is a tool_call event. Arguments is the JSON object the agent
// passed, or a string when it is not valid JSON.
type ToolCallData struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments any    `json:"arguments"`
}

// ToolReturnData is a tool_return event.
type ToolReturnData struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Status  string `json:"status"`
	Content string `json:"content"`
}

// UsageData is a usage event.
type UsageData struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	Steps            int `json:"steps"`
	CachedTokens     int `json:"cached_tokens"`
	ReasoningTokens  int `json:"reasoning_tokens"`
}

// ErrorData is an error event.
type ErrorData struct {
	Source  string `json:"source"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// DoneData is the last event.
type DoneData struct {
	FinishReason string `json:"finish_reason"`
	StopReason   string `json:"stop_reason,omitempty"`
	// MessageID names the turn for feedback (Letta's id of its last step).
	MessageID string `json:"message_id,omitempty"`
}

// translator turns Letta stream events into reply events. Letta's token
// streaming sends a tool call's arguments in fragments with no end marker:
// a call is announced as soon as its joined arguments form a valid JSON
// document (a proper prefix of a JSON object never does), or when another
// message starts.
type translator struct {
	calls       map[string]*pendingCall // by fragment key
	order       []string
	names       map[string]string // tool_call_id → tool name
	lastContent string            // key of the last assistant message with text
	lastStep    string            // Letta's id of the latest step seen
	failed      bool
}

type pendingCall struct {
	call    letta.ToolCall
	emitted bool
}

func newTranslator() *translator {
	return &translator{calls: map[string]*pendingCall{}, names: map[string]string{}}
}

// next translates one Letta event.
func (t *translator) next(ev letta.Event) []Event {
	var out []Event
	if ev.StepID != "" {
		t.lastStep = ev.StepID
	}
	if ev.Type != letta.TypeToolCall {
		out = t.flushCalls(out)
	}
	switch ev.Type {
	case letta.TypeAssistant:
		if ev.Text == "" {
			break
		}
		text := ev.Text
		if t.lastContent != "" && t.lastContent != ev.Key {
			text = "\n" + text // a new assistant message: same joining as the JSON answer
		}
		t.lastContent = ev.Key
		out = append(out, Event{EventContent, ContentData{Text: text}})
	case letta.TypeToolCall:
		out = t.toolCall(ev, out)
	case letta.TypeToolReturn:
		if tr := ev.ToolReturn; tr != nil {
			out = append(out, Event{EventToolReturn, ToolReturnData{ID: tr.ToolCallID, Name: t.names[tr.ToolCallID], Status: tr.Status, Content: tr.Return}})
		}
	case letta.TypeUsage:
		if u := ev.Usage; u != nil {
			out = append(out, Event{EventUsage, usageData(u)})
		}
	}
	return out
}

func (t *translator) toolCall(ev letta.Event, out []Event) []Event {
	// A complete message (step streaming, NEW) may carry several calls.
	if len(ev.ToolCalls) > 1 {
		out = t.flushCalls(out)
		for _, c := range ev.ToolCalls {
			out = append(out, t.announce(c))
		}
		return out
	}
	if ev.ToolCall == nil {
		return out
	}
	// Another call started: the previous ones are as complete as they get.
	for _, k := range t.order {
		if k != ev.Key {
			out = t.flushOne(k, out)
		}
	}
	p := t.calls[ev.Key]
	if p == nil {
		p = &pendingCall{}
		t.calls[ev.Key] = p
		t.order = append(t.order, ev.Key)
	}
	p.call = *ev.ToolCall
	if !p.emitted && json.Valid([]byte(p.call.Arguments)) {
		p.emitted = true
		out = append(out, t.announce(p.call))
	}
	return out
}

func (t *translator) flushCalls(out []Event) []Event {
	for _, k := range t.order {
		out = t.flushOne(k, out)
	}
	t.calls, t.order = map[string]*pendingCall{}, nil
	return out
}

func (t *translator) flushOne(key string, out []Event) []Event {
	if p := t.calls[key]; p != nil && !p.emitted {
		p.emitted = true
		out = append(out, t.announce(p.call))
	}
	return out
}

func (t *translator) announce(c letta.ToolCall) Event {
	if c.ToolCallID != "" {
		t.names[c.ToolCallID] = c.Name
	}
	var args any = c.Arguments
	if c.Arguments == "" {
		args = map[string]any{}
	} else if json.Valid([]byte(c.Arguments)) {
		args = withoutLettaArgs(json.RawMessage(c.Arguments))
	}
	return Event{EventToolCall, ToolCallData{ID: c.ToolCallID, Name: c.Name, Arguments: args}}
}

// withoutLettaArgs drops request_heartbeat, the argument Letta adds to every
// tool for its own loop and removes before calling the tool: real Letta
// 0.11.7 keeps it in its tool_call_message (found with e2e/realletta), so
// the caller would see an argument the tool never received.
func withoutLettaArgs(raw json.RawMessage) json.RawMessage {
	if !bytes.Contains(raw, []byte(`"request_heartbeat"`)) {
		return raw
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	delete(m, "request_heartbeat")
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}

// end closes the reply after Next returned err (io.EOF after [DONE]): an
// error event when the run failed or the stream broke, then done.
func (t *translator) end(err error, stopReason string) []Event {
	out := t.flushCalls(nil)
	var se *letta.StreamError
	switch {
	case errors.Is(err, io.EOF):
		if isErrorStop(stopReason) {
			out = append(out, Event{EventError, ErrorData{Source: "letta", Type: stopReason, Message: "Letta stopped the run: " + stopReason}})
		}
	case errors.As(err, &se):
		msg := se.Message
		if se.Detail != "" && se.Detail != se.Message {
			msg += ": " + se.Detail
		}
		if msg == "" {
			msg = "Letta reported an error during the run"
		}
		typ := se.Type
		if typ == "" {
			typ = "letta_error"
		}
		out = append(out, Event{EventError, ErrorData{Source: "letta", Type: typ, Message: truncate(redact(msg), 1000)}})
		if stopReason == "" || !isErrorStop(stopReason) {
			stopReason = firstNonEmpty(se.StopReason, "error")
		}
	case errors.Is(err, letta.ErrStreamIdle):
		out = append(out, Event{EventError, ErrorData{Source: "letta", Type: "stream_idle", Message: "Letta's stream went silent and was abandoned"}})
		stopReason = "error"
	default:
		out = append(out, Event{EventError, ErrorData{Source: "letta", Type: "stream_truncated", Message: "Letta's stream ended before the run was complete"}})
		stopReason = "error"
	}
	t.failed = len(out) > 0 && out[len(out)-1].Name == EventError
	return append(out, Event{EventDone, DoneData{FinishReason: finishReason(stopReason, t.failed), StopReason: stopReason, MessageID: t.lastStep}})
}

func isErrorStop(r string) bool {
	switch r {
	case "error", "llm_api_error", "invalid_llm_response", "invalid_tool_call", "insufficient_credits",
		"context_window_overflow_in_system_prompt":
		return true
	}
	return false
}

// finishReason maps Letta's stop reason to a chat-style finish reason.
func finishReason(stop string, failed bool) string {
	if failed || isErrorStop(stop) {
		return "error"
	}
	switch stop {
	case "end_turn", "no_tool_call", "tool_rule", "":
		return "stop"
	case "max_tokens_exceeded":
		return "length"
	}
	return stop // max_steps, cancelled, requires_approval, …
}
