package letta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/odoo-mcp/odoo-mcp/sse"
)

// Message types returned by Stream.Next (others, and "ping", are skipped).
const (
	TypeAssistant       = "assistant_message"
	TypeReasoning       = "reasoning_message"
	TypeHiddenReasoning = "hidden_reasoning_message"
	TypeToolCall        = "tool_call_message"
	TypeToolReturn      = "tool_return_message"
	TypeApprovalRequest = "approval_request_message"
	TypeSystem          = "system_message"
	TypeUser            = "user_message"
	TypeStopReason      = "stop_reason"
	TypeUsage           = "usage_statistics"
)

var knownTypes = map[string]bool{
	TypeAssistant: true, TypeReasoning: true, TypeHiddenReasoning: true, TypeToolCall: true,
	TypeToolReturn: true, TypeApprovalRequest: true, TypeSystem: true, TypeUser: true,
	TypeStopReason: true, TypeUsage: true,
}

// ErrStreamTruncated is matched (errors.Is) by *TruncatedError: the stream
// ended without its `data: [DONE]` terminator.
var ErrStreamTruncated = errors.New("letta: stream truncated before [DONE]")

// ErrStreamIdle is the cause inside a *TruncatedError when no byte arrived
// for Options.StreamIdleTimeout.
var ErrStreamIdle = errors.New("letta: stream idle timeout")

// maxSSELine bounds one SSE line (a tool return can be large).
const maxSSELine = 16 << 20

// TruncatedError reports a stream that ended (EOF, read error, idle
// timeout, cancellation) before `data: [DONE]`. Both Letta versions end a
// normal run with stop_reason, usage_statistics, then [DONE]; OLD's
// mid-stream errors come as an `event: error` frame (a *StreamError), not as
// a cut. StopReason tells how far the run got: a cut after "end_turn" lost
// only the trailer.
type TruncatedError struct {
	StopReason string // last stop_reason seen, or ""
	Events     int    // events returned before the cut
	Err        error  // io.ErrUnexpectedEOF, ErrStreamIdle, context error, read error
}

func (e *TruncatedError) Error() string {
	msg := fmt.Sprintf("letta: stream truncated before [DONE] after %d events", e.Events)
	if e.StopReason != "" {
		msg += " (stop_reason " + e.StopReason + ")"
	}
	return msg + ": " + e.Err.Error()
}

func (e *TruncatedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrStreamTruncated) true.
func (e *TruncatedError) Is(target error) bool { return target == ErrStreamTruncated }

// StreamError is an error frame of the stream: OLD
// `event: error` / {"error":"…","code":"INTERNAL_SERVER_ERROR"}, NEW
// `event: error` / {"message_type":"error_message","error_type":…,
// "message":…,"detail":…,"run_id":…}, or OLD `event: cancelled`.
type StreamError struct {
	Type       string // NEW error_type (llm_rate_limit, …), OLD code, or "cancelled"
	Message    string
	Detail     string
	RunID      string
	StopReason string // the stop_reason event that preceded it, if any
	Raw        []byte
}

func (e *StreamError) Error() string {
	msg := "letta: stream error"
	if e.Type != "" {
		msg += " [" + e.Type + "]"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Detail != "" && e.Detail != e.Message {
		msg += ": " + e.Detail
	}
	return msg
}

// ToolCall is a tool call (in token streaming, the fragments of one call
// joined so far).
type ToolCall struct {
	Name       string `json:"name"`
	Arguments  string `json:"arguments"`
	ToolCallID string `json:"tool_call_id"`
}

// ToolReturn is a tool's result.
type ToolReturn struct {
	Return     string // the text returned to the agent
	Status     string // "success" or "error"
	ToolCallID string
	Stdout     []string
	Stderr     []string
}

// Usage is the usage_statistics event.
type Usage struct {
	CompletionTokens int `json:"completion_tokens"`
	PromptTokens     int `json:"prompt_tokens"`
	TotalTokens      int `json:"total_tokens"`
	StepCount        int `json:"step_count"`
	// NEW only (null or absent on OLD).
	CachedInputTokens *int            `json:"cached_input_tokens"`
	ReasoningTokens   *int            `json:"reasoning_tokens"`
	Raw               json.RawMessage `json:"-"`
}

// Event is one message of a stream (or of a non-stream response).
type Event struct {
	Type   string // message_type
	ID     string
	OTID   string
	Key    string // what fragments are joined by: otid, else id + "/" + message_type
	RunID  string
	StepID string
	SeqID  *int
	Date   string

	// Text is this event's own text: the fragment (token streaming) or the
	// whole text (step streaming) of an assistant message (content), a
	// reasoning message (reasoning), a tool call (arguments) or a tool
	// return. Joined is the text of every event with the same Key so far.
	Text   string
	Joined string

	ToolCall   *ToolCall  // tool_call/approval_request: the call joined so far
	ToolCalls  []ToolCall // NEW full messages: every call of the message
	ToolReturn *ToolReturn
	Returns    []ToolReturn // approval responses (ListMessages): client tools' results
	StopReason string       // stop_reason events
	Usage      *Usage       // usage_statistics events
	Raw        json.RawMessage
}

// Stream reads a Letta SSE response event by event, without buffering the
// body. Next and the accessors are not safe for concurrent use; Close may
// be called from any goroutine to abort.
type Stream struct {
	body   io.ReadCloser
	sse    *sse.Reader
	cancel context.CancelFunc

	idle      time.Duration
	timer     *time.Timer
	idleFired atomic.Bool
	closeOnce sync.Once

	err        error // terminal: io.EOF, *StreamError, *TruncatedError
	events     int
	stopReason string
	usage      *Usage
	runID      string
	parts      map[string]*part
	order      []string
}

type part struct {
	typ  string
	text strings.Builder
	call ToolCall
}

// ParseStream reads SSE from r (e.g. a recorded Letta stream). idle > 0
// aborts a Next that waits longer than that for a line, by closing r: it
// needs r to be an io.ReadCloser whose Close unblocks Read.
func ParseStream(r io.Reader, idle time.Duration) *Stream {
	rc, ok := r.(io.ReadCloser)
	if !ok {
		rc = io.NopCloser(r)
	}
	return newStream(rc, nil, idle)
}

func newStream(body io.ReadCloser, cancel context.CancelFunc, idle time.Duration) *Stream {
	s := &Stream{body: body, cancel: cancel, idle: idle, parts: map[string]*part{}}
	var r io.Reader = body
	if idle > 0 {
		r = &idleReader{r: body, s: s}
		// Armed by Next only.
		s.timer = time.AfterFunc(math.MaxInt64, func() {
			s.idleFired.Store(true)
			s.abort()
		})
		s.timer.Stop()
	}
	s.sse = sse.NewReader(r, sse.Options{MaxLine: maxSSELine})
	return s
}

// idleReader restarts the idle timer whenever bytes arrive: the timeout is
// for a silent server, not for a long event.
type idleReader struct {
	r io.Reader
	s *Stream
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.s.timer.Reset(r.s.idle)
	}
	return n, err
}

func (s *Stream) abort() {
	if s.cancel != nil {
		s.cancel()
	}
	_ = s.body.Close()
}

// Close releases the stream (safe to call more than once, and while Next
// is blocked in another goroutine).
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		if s.timer != nil {
			s.timer.Stop()
		}
		s.abort()
	})
	return nil
}

// StopReason returns the last stop_reason seen ("end_turn", "error", …).
func (s *Stream) StopReason() string { return s.stopReason }

// Usage returns the usage_statistics event, if seen.
func (s *Stream) Usage() *Usage { return s.usage }

// RunID returns the run id announced by any event (NEW), or "".
func (s *Stream) RunID() string { return s.runID }

// Joined returns the text joined so far for a fragment key (Event.Key).
func (s *Stream) Joined(key string) string {
	if p := s.parts[key]; p != nil {
		return p.text.String()
	}
	return ""
}

// AssistantText returns the assistant messages' text so far, in order of
// first appearance, one message per line.
func (s *Stream) AssistantText() string {
	var texts []string
	for _, k := range s.order {
		if p := s.parts[k]; p.typ == TypeAssistant && p.text.Len() > 0 {
			texts = append(texts, p.text.String())
		}
	}
	return strings.Join(texts, "\n")
}

// Next returns the next event. It returns io.EOF after `data: [DONE]`, a
// *StreamError for an error frame, a *TruncatedError when the stream ends
// or breaks before [DONE]; once it has returned an error it returns the
// same error again. ping and unknown message types are skipped.
func (s *Stream) Next() (Event, error) {
	if s.err != nil {
		return Event{}, s.err
	}
	// The idle timer runs only while Next waits for the server, so a slow
	// consumer never trips it.
	if s.timer != nil {
		s.timer.Reset(s.idle)
		defer s.timer.Stop()
	}
	for {
		fr, rerr := s.sse.Next()
		if rerr != nil {
			return Event{}, s.finish(s.truncated(rerr))
		}
		// A last frame not followed by a blank line still counts (fr is
		// Unterminated): the cut is reported by the next call.
		ev, ok, err := s.dispatch(fr.Type, fr.Data)
		if err != nil {
			return Event{}, s.finish(err)
		}
		if ok {
			s.events++
			return ev, nil
		}
	}
}

func (s *Stream) truncated(rerr error) error {
	err := rerr
	switch {
	case s.idleFired.Load():
		err = ErrStreamIdle
	case errors.Is(rerr, io.EOF):
		err = io.ErrUnexpectedEOF
	}
	return &TruncatedError{StopReason: s.stopReason, Events: s.events, Err: err}
}

func (s *Stream) finish(err error) error {
	if err == nil {
		err = io.EOF
	}
	s.err = err
	_ = s.Close()
	return err
}

// dispatch handles one frame: ok reports an event to return; err a
// terminal condition (io.EOF for [DONE]).
func (s *Stream) dispatch(eventName string, data []byte) (Event, bool, error) {
	if string(bytes.TrimSpace(data)) == "[DONE]" {
		return Event{}, false, io.EOF
	}
	switch eventName {
	case "", "message":
	case "error":
		return Event{}, false, s.streamError(data)
	case "cancelled":
		se := &StreamError{Type: "cancelled", StopReason: s.stopReason, Raw: append([]byte(nil), data...)}
		var m struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &m)
		se.Message = m.Message
		return Event{}, false, se
	default:
		return Event{}, false, nil
	}
	var mt struct {
		MessageType string `json:"message_type"`
	}
	if json.Unmarshal(data, &mt) != nil {
		return Event{}, false, nil // not JSON: ignore the frame
	}
	if mt.MessageType == "error_message" {
		return Event{}, false, s.streamError(data)
	}
	ev, known, err := decodeMessage(data)
	if ev.RunID != "" {
		s.runID = ev.RunID
	}
	if err != nil || !known {
		return Event{}, false, nil
	}
	s.join(&ev)
	switch ev.Type {
	case TypeStopReason:
		s.stopReason = ev.StopReason
	case TypeUsage:
		s.usage = ev.Usage
	}
	return ev, true, nil
}

func (s *Stream) streamError(data []byte) error {
	se := &StreamError{StopReason: s.stopReason, Raw: append([]byte(nil), data...)}
	var w struct {
		ErrorType string          `json:"error_type"`
		Message   string          `json:"message"`
		Detail    json.RawMessage `json:"detail"`
		RunID     string          `json:"run_id"`
		Error     json.RawMessage `json:"error"`
		Code      string          `json:"code"`
	}
	if json.Unmarshal(data, &w) != nil {
		se.Message = truncate(strings.TrimSpace(string(data)), 512)
		return se
	}
	se.Type = firstNonEmpty(w.ErrorType, w.Code)
	se.RunID = w.RunID
	se.Message = w.Message
	se.Detail, _ = decodeDetail(w.Detail)
	if len(w.Error) > 0 {
		d, code := decodeErrorBody(data)
		if se.Message == "" {
			se.Message = d
		}
		if se.Type == "" {
			se.Type = code
		}
	}
	if se.RunID != "" {
		s.runID = se.RunID
	}
	return se
}

// join accumulates fragments by key and fills ev.Joined / ev.ToolCall.
func (s *Stream) join(ev *Event) {
	switch ev.Type {
	case TypeAssistant, TypeReasoning, TypeToolCall, TypeApprovalRequest, TypeToolReturn:
	default:
		return
	}
	p := s.parts[ev.Key]
	if p == nil {
		p = &part{typ: ev.Type}
		s.parts[ev.Key] = p
		s.order = append(s.order, ev.Key)
	}
	p.text.WriteString(ev.Text)
	ev.Joined = p.text.String()
	if ev.ToolCall != nil {
		if p.call.Name == "" {
			p.call.Name = ev.ToolCall.Name
		}
		if p.call.ToolCallID == "" {
			p.call.ToolCallID = ev.ToolCall.ToolCallID
		}
		p.call.Arguments = ev.Joined
		c := p.call
		ev.ToolCall = &c
	}
}

// decodeMessage decodes one Letta message object; known reports a type
// Next returns.
func decodeMessage(data []byte) (Event, bool, error) {
	var w struct {
		MessageType string          `json:"message_type"`
		ID          string          `json:"id"`
		OTID        *string         `json:"otid"`
		RunID       *string         `json:"run_id"`
		StepID      *string         `json:"step_id"`
		SeqID       *int            `json:"seq_id"`
		Date        *string         `json:"date"`
		Content     json.RawMessage `json:"content"`
		Reasoning   *string         `json:"reasoning"`
		ToolCall    json.RawMessage `json:"tool_call"`
		ToolCalls   json.RawMessage `json:"tool_calls"`
		ToolReturn  json.RawMessage `json:"tool_return"`
		Status      *string         `json:"status"`
		ToolCallID  *string         `json:"tool_call_id"`
		Stdout      []string        `json:"stdout"`
		Stderr      []string        `json:"stderr"`
		StopReason  json.RawMessage `json:"stop_reason"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return Event{}, false, err
	}
	ev := Event{
		Type: w.MessageType, ID: w.ID, OTID: deref(w.OTID), RunID: deref(w.RunID),
		StepID: deref(w.StepID), SeqID: w.SeqID, Date: deref(w.Date),
		Raw: append(json.RawMessage(nil), data...),
	}
	ev.Key = ev.OTID
	if ev.Key == "" {
		ev.Key = ev.ID + "/" + ev.Type
	}
	if !knownTypes[ev.Type] {
		return ev, false, nil
	}
	switch ev.Type {
	case TypeAssistant, TypeSystem, TypeUser:
		ev.Text = contentText(w.Content)
	case TypeReasoning:
		ev.Text = deref(w.Reasoning)
	case TypeToolCall, TypeApprovalRequest:
		one, many := decodeToolCalls(w.ToolCall, w.ToolCalls)
		ev.ToolCalls = many
		if one == nil && len(many) > 0 {
			c := many[0]
			one = &c
		}
		if one != nil {
			ev.ToolCall = one
			ev.Text = one.Arguments
		}
	case TypeToolReturn:
		tr := &ToolReturn{Status: deref(w.Status), ToolCallID: deref(w.ToolCallID), Stdout: w.Stdout, Stderr: w.Stderr}
		var s string
		if json.Unmarshal(w.ToolReturn, &s) == nil {
			tr.Return = s
		} else if len(w.ToolReturn) > 0 && string(w.ToolReturn) != "null" {
			tr.Return = string(w.ToolReturn)
		}
		ev.ToolReturn = tr
		ev.Text = tr.Return
	case TypeStopReason:
		_ = json.Unmarshal(w.StopReason, &ev.StopReason)
	case TypeUsage:
		var u Usage
		if err := json.Unmarshal(data, &u); err != nil {
			return ev, false, err
		}
		u.Raw = ev.Raw
		ev.Usage = &u
	}
	return ev, true, nil
}

// contentText flattens content: a string, or a list of parts whose "text"
// parts are concatenated (NEW assistant messages).
func contentText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			if p.Type == "text" || p.Type == "" {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	return ""
}

// decodeToolCalls reads tool_call (object, deprecated) and tool_calls (a
// list in full messages; one delta object in NEW token fragments, §1.10).
func decodeToolCalls(one, many json.RawMessage) (*ToolCall, []ToolCall) {
	var single *ToolCall
	if len(one) > 0 && string(one) != "null" {
		var c ToolCall
		if json.Unmarshal(one, &c) == nil {
			single = &c
		}
	}
	var list []ToolCall
	if len(many) > 0 && string(many) != "null" {
		if json.Unmarshal(many, &list) != nil {
			var c ToolCall
			if json.Unmarshal(many, &c) == nil {
				list = []ToolCall{c}
			}
		}
	}
	return single, list
}

// MessageRequest is one request to an agent: a user message, the answer
// to a paused run (Approvals), or both (the answer first).
type MessageRequest struct {
	Text         string
	Approvals    []ApprovalItem // answers every pending call of a paused run (0.16.2+)
	ClientTools  []ClientTool   // tools the caller runs (0.16.2+); sent again on every request of a turn
	StreamTokens bool           // token deltas (only for some providers; else step streaming)
	IncludePings bool           // keep-alive pings (skipped by the parser)
	MaxSteps     int            // 0 = Letta's default (50)
}

func (r MessageRequest) body(stream bool) map[string]any {
	msgs := []map[string]any{}
	if len(r.Approvals) > 0 {
		items := make([]map[string]any, len(r.Approvals))
		for i, a := range r.Approvals {
			items[i] = a.body()
		}
		msgs = append(msgs, map[string]any{"type": "approval", "approvals": items})
	}
	if r.Text != "" || len(r.Approvals) == 0 {
		msgs = append(msgs, map[string]any{"role": "user", "content": r.Text})
	}
	b := map[string]any{"messages": msgs}
	if len(r.ClientTools) > 0 {
		b["client_tools"] = r.ClientTools
	}
	if stream {
		b["stream_tokens"] = r.StreamTokens
		b["include_pings"] = r.IncludePings
	}
	if r.MaxSteps > 0 {
		b["max_steps"] = r.MaxSteps
	}
	return b
}

// StreamMessage sends text to an agent and streams the run, pings on:
// POST /v1/agents/{id}/messages/stream, served to every caller by both
// versions. Token streaming is on where Letta streams tool arguments whole
// (TokenStreamsWholeToolArguments); before 0.16 the run is step-streamed, so
// every tool call arrives with its complete arguments. The stream lives as
// long as ctx; Close it.
func (c *Client) StreamMessage(ctx context.Context, agentID, text string) (*Stream, error) {
	return c.StreamMessageRequest(ctx, agentID, MessageRequest{Text: text, StreamTokens: c.TokenStreaming(ctx), IncludePings: true})
}

// TokenStreaming says whether a message request should ask for token
// streaming: only where Letta streams tool arguments whole (0.16 and later,
// Cloud). Before 0.16 token-streamed arguments do not join into JSON (seen
// on the real 0.11.7), so runs are step-streamed there. The version is
// detected once per client.
func (c *Client) TokenStreaming(ctx context.Context) bool {
	v, err := c.DetectVersion(ctx)
	return err != nil || v.TokenStreamsWholeToolArguments()
}

// StreamMessageRequest is StreamMessage with every option.
func (c *Client) StreamMessageRequest(ctx context.Context, agentID string, r MessageRequest) (*Stream, error) {
	path := escapedPath("/v1/agents/%s/messages/stream", agentID)
	ctx, cancel := context.WithCancel(ctx)
	req, err := c.newRequest(ctx, http.MethodPost, path, nil, r.body(true))
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.send(req, path)
	if err != nil {
		cancel()
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && mt != "text/event-stream" {
		defer cancel()
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		d, _ := decodeErrorBody(b)
		return nil, fmt.Errorf("letta: POST %s: expected an event stream, got %s: %s", path, mt, d)
	}
	idle := c.opts.StreamIdleTimeout
	if idle < 0 {
		idle = 0
	}
	return newStream(resp.Body, cancel, idle), nil
}

// MessageResponse is the answer of SendMessage.
type MessageResponse struct {
	Messages   []Event // known message types, in order
	StopReason string
	Usage      *Usage
}

// AssistantText joins the assistant messages' text, one per line.
func (r *MessageResponse) AssistantText() string {
	var texts []string
	for _, m := range r.Messages {
		if m.Type == TypeAssistant && m.Text != "" {
			texts = append(texts, m.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// SendMessage sends text and waits for the whole run (POST
// /v1/agents/{id}/messages), bounded by Options.MessageTimeout.
func (c *Client) SendMessage(ctx context.Context, agentID string, r MessageRequest) (*MessageResponse, error) {
	var w struct {
		Messages   []json.RawMessage `json:"messages"`
		StopReason *struct {
			StopReason string `json:"stop_reason"`
		} `json:"stop_reason"`
		Usage *Usage `json:"usage"`
	}
	path := escapedPath("/v1/agents/%s/messages", agentID)
	if err := c.doTimeout(ctx, c.opts.MessageTimeout, http.MethodPost, path, nil, r.body(false), &w); err != nil {
		return nil, err
	}
	out := &MessageResponse{Usage: w.Usage}
	if w.StopReason != nil {
		out.StopReason = w.StopReason.StopReason
	}
	for _, raw := range w.Messages {
		ev, known, err := decodeMessage(raw)
		if err != nil || !known {
			continue
		}
		ev.Joined = ev.Text
		out.Messages = append(out.Messages, ev)
	}
	return out, nil
}
