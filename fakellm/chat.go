package fakellm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ChatRequest is the part of a chat completion request the fake reads.
type ChatRequest struct {
	Model         string          `json:"model"`
	Messages      []Message       `json:"messages"`
	Tools         []Tool          `json:"tools,omitempty"`
	ToolChoice    json.RawMessage `json:"tool_choice,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	StreamOptions *StreamOptions  `json:"stream_options,omitempty"`
	// ParallelToolCalls is nil when the request does not set it.
	ParallelToolCalls *bool `json:"parallel_tool_calls,omitempty"`
}

// StreamOptions of a streamed request.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Message is one chat message. Content is a string, a list of parts or null.
type Message struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content,omitempty"`
	ToolCalls  []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
	Name       string          `json:"name,omitempty"`
}

// Text returns the message's text: the string content, or its text parts joined.
func (m Message) Text() string {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(m.Content, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return ""
}

// ResultText is a tool message's content as the tool returned it, without
// the wrapper Letta 0.11.7 puts around it.
func (m Message) ResultText() string { return unwrapLetta(m.Text()) }

// Tool is one function tool offered to the model.
type Tool struct {
	Type     string   `json:"type"`
	Function Function `json:"function"`
}

// Function is a tool's definition.
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ToolCall is a call in an assistant message.
type ToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// answer is a rendered assistant answer.
type answer struct {
	text  string
	calls []renderedCall
}

type renderedCall struct {
	id, name, args string
}

func (s *Server) chat(w http.ResponseWriter, body []byte) {
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "We could not parse the JSON body of your request: "+err.Error(), "", "")
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "[] is too short - 'messages'", "messages", "")
		return
	}
	for i, t := range req.Tools {
		if t.Function.Strict == nil || !*t.Function.Strict {
			continue
		}
		if msg := StrictProblem(t.Function.Parameters); msg != "" {
			writeError(w, http.StatusBadRequest, "invalid_request_error",
				fmt.Sprintf("Invalid schema for function '%s': %s", t.Function.Name, msg),
				fmt.Sprintf("tools[%d].function.parameters", i), "invalid_function_parameters")
			return
		}
	}
	p := s.decide(&req)
	var a answer
	switch {
	case p.calls != nil:
		for _, c := range p.calls {
			a.calls = append(a.calls, s.render(&req, c))
		}
	case req.forcedTool() && req.hasTool("send_message"):
		a.calls = []renderedCall{s.render(&req, Call{Name: "send_message", Args: map[string]any{"message": p.text}})}
	default:
		a.text = p.text
	}
	usage := map[string]int{"prompt_tokens": tokens(req.textLen()), "completion_tokens": tokens(len(a.text) + argsLen(a.calls))}
	usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
	id := s.nextID("chatcmpl-fake")
	if req.Stream {
		s.stream(w, &req, id, a, usage)
		return
	}
	msg := map[string]any{"role": "assistant", "content": nil, "refusal": nil}
	finish := "stop"
	if len(a.calls) > 0 {
		msg["tool_calls"] = callsJSON(a.calls, true)
		finish = "tool_calls"
	} else {
		msg["content"] = a.text
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "chat.completion", "created": now(), "model": req.Model,
		"system_fingerprint": "fp_fakellm",
		"choices":            []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish, "logprobs": nil}},
		"usage":              usage,
	})
}

func (s *Server) render(req *ChatRequest, c Call) renderedCall {
	return renderedCall{id: s.nextID("call_fake"), name: c.Name, args: argsJSON(req, c)}
}

func callsJSON(calls []renderedCall, full bool) []any {
	out := make([]any, 0, len(calls))
	for i, c := range calls {
		m := map[string]any{"id": c.id, "type": "function", "function": map[string]any{"name": c.name, "arguments": c.args}}
		if !full {
			m["index"] = i
		}
		out = append(out, m)
	}
	return out
}

func argsLen(calls []renderedCall) int {
	n := 0
	for _, c := range calls {
		n += len(c.name) + len(c.args)
	}
	return n
}

// textLen is the length of the conversation's text (message contents and
// call arguments; tool schemas and JSON framing are not counted), the base
// of the prompt's token count. Counting the whole body would make Letta
// believe its context window is full and summarise.
func (r *ChatRequest) textLen() int {
	n := 0
	for _, m := range r.Messages {
		n += len(m.Text())
		for _, c := range m.ToolCalls {
			n += len(c.Function.Name) + len(c.Function.Arguments)
		}
	}
	return n
}

// tokens is a deterministic stand-in for a tokenizer: four bytes a token.
func tokens(n int) int { return n/4 + 1 }

// stream writes the answer as OpenAI's chat.completion.chunk events: a role
// chunk, the text or each call's name then its arguments in ChunkSize
// pieces, a finish chunk, the usage chunk when asked for, then [DONE].
func (s *Server) stream(w http.ResponseWriter, req *ChatRequest, id string, a answer, usage map[string]int) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	created := now()
	send := func(choices []any, extra map[string]any) {
		ev := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"system_fingerprint": "fp_fakellm", "choices": choices}
		for k, v := range extra {
			ev[k] = v
		}
		if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
			if _, ok := ev["usage"]; !ok {
				ev["usage"] = nil
			}
		}
		b, _ := json.Marshal(ev)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	delta := func(d map[string]any, finish any) []any {
		return []any{map[string]any{"index": 0, "delta": d, "finish_reason": finish, "logprobs": nil}}
	}
	finish := "stop"
	if len(a.calls) == 0 {
		send(delta(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil), nil)
		for _, piece := range chunks(a.text, s.opts.ChunkSize) {
			send(delta(map[string]any{"content": piece}, nil), nil)
		}
	} else {
		finish = "tool_calls"
		send(delta(map[string]any{"role": "assistant", "content": nil, "refusal": nil}, nil), nil)
		for i, c := range a.calls {
			send(delta(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": c.id, "type": "function",
				"function": map[string]any{"name": c.name, "arguments": ""}}}}, nil), nil)
			for _, piece := range chunks(c.args, s.opts.ChunkSize) {
				send(delta(map[string]any{"tool_calls": []any{map[string]any{"index": i, "function": map[string]any{"arguments": piece}}}}, nil), nil)
			}
		}
	}
	send(delta(map[string]any{}, finish), nil)
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		send([]any{}, map[string]any{"usage": usage})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// chunks cuts s into pieces of at most n bytes without splitting a UTF-8 sequence.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		end := n
		if end >= len(s) {
			out = append(out, s)
			break
		}
		for end > 0 && s[end]&0xC0 == 0x80 {
			end--
		}
		if end == 0 {
			end = n
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}
