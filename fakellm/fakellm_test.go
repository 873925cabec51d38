package fakellm

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func newServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	s := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func post(t *testing.T, url string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

var retrieverTool = map[string]any{"type": "function", "function": map[string]any{
	"name": "odoo_record_retriever",
	"parameters": map[string]any{"type": "object", "properties": map[string]any{
		"model":             map[string]any{"type": "string"},
		"request_heartbeat": map[string]any{"type": "boolean"},
	}, "required": []string{"model", "request_heartbeat"}},
}}

func TestModels(t *testing.T) {
	_, ts := newServer(t)
	resp, err := http.Get(ts.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Object string `json:"object"`
		Data   []struct {
			ID            string `json:"id"`
			ContextLength int    `json:"context_length"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	if got.Object != "list" || len(got.Data) != 1 || got.Data[0].ID != DefaultModel || got.Data[0].ContextLength != 128000 {
		t.Fatalf("models = %+v", got)
	}
}

// TestScriptNonStreaming: the scripted turn calls a tool, then quotes its result.
func TestScriptNonStreaming(t *testing.T) {
	s, ts := newServer(t)
	s.Script("list partners",
		CallTool("odoo_record_retriever", map[string]any{"model": "res.partner"}),
		Quote(func(tn Turn) string { return "Got: " + tn.Last() + " from " + tn.Results[0].Name }))
	user := map[string]any{"role": "user", "content": `{"type":"user_message","message":"please list partners"}`}
	code, body := post(t, ts.URL+"/v1/chat/completions", map[string]any{
		"model": DefaultModel, "messages": []any{map[string]any{"role": "system", "content": "sys"}, user},
		"tools": []any{retrieverTool}, "tool_choice": "auto"})
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var first struct {
		Choices []struct {
			Message struct {
				ToolCalls []ToolCall `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	json.Unmarshal(body, &first)
	if len(first.Choices) != 1 || first.Choices[0].FinishReason != "tool_calls" || len(first.Choices[0].Message.ToolCalls) != 1 {
		t.Fatalf("first answer = %s", body)
	}
	call := first.Choices[0].Message.ToolCalls[0]
	if call.Function.Name != "odoo_record_retriever" || call.Function.Arguments != `{"model":"res.partner","request_heartbeat":true}` {
		t.Fatalf("call = %+v", call)
	}
	code, body = post(t, ts.URL+"/v1/chat/completions", map[string]any{
		"model": DefaultModel, "messages": []any{user,
			map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{call}},
			map[string]any{"role": "tool", "tool_call_id": call.ID, "content": `{"records":[7]}`}},
		"tools": []any{retrieverTool}})
	if code != 200 || !strings.Contains(string(body), `"content":"Got: {\"records\":[7]} from odoo_record_retriever"`) {
		t.Fatalf("second answer %d: %s", code, body)
	}
	if n := len(s.ChatRequests()); n != 2 {
		t.Fatalf("recorded %d chat requests, want 2", n)
	}
}

// TestForcedToolSendsMessage: with tool_choice "required" (Letta 0.11.7)
// text goes out as send_message, with inner_thoughts filled in.
func TestForcedToolSendsMessage(t *testing.T) {
	s, ts := newServer(t)
	s.Script("hi", Say("hello"))
	send := map[string]any{"type": "function", "function": map[string]any{"name": "send_message",
		"parameters": map[string]any{"type": "object", "properties": map[string]any{
			"thinking": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}
	code, body := post(t, ts.URL+"/v1/chat/completions", map[string]any{"model": DefaultModel,
		"messages": []any{map[string]any{"role": "user", "content": "hi"}}, "tools": []any{send}, "tool_choice": "required"})
	if code != 200 || !strings.Contains(string(body), `"arguments":"{\"thinking\":\"Calling send_message.\",\"message\":\"hello\"}"`) {
		t.Fatalf("%d: %s", code, body)
	}
}

// TestStreaming: chunks carry fragments that join into the call, the
// finish reason, the usage chunk when asked for, then [DONE].
func TestStreaming(t *testing.T) {
	for _, usage := range []bool{true, false} {
		s, ts := newServer(t)
		s.Script("go", CallTool("odoo_record_retriever", map[string]any{"model": "res.partner"}))
		req := map[string]any{"model": DefaultModel, "stream": true,
			"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "go"}}}},
			"tools":    []any{retrieverTool}}
		if usage {
			req["stream_options"] = map[string]any{"include_usage": true}
		}
		code, body := post(t, ts.URL+"/v1/chat/completions", req)
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		var args, name, finish string
		var sawUsage, done bool
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				continue
			}
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				t.Fatalf("line %q is not a data line", line)
			}
			if data == "[DONE]" {
				done = true
				continue
			}
			var ev struct {
				Choices []struct {
					Delta struct {
						ToolCalls []struct {
							Function struct{ Name, Arguments string } `json:"function"`
						} `json:"tool_calls"`
					} `json:"delta"`
					FinishReason *string `json:"finish_reason"`
				} `json:"choices"`
				Usage *struct {
					TotalTokens int `json:"total_tokens"`
				} `json:"usage"`
			}
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Usage != nil && ev.Usage.TotalTokens > 0 {
				sawUsage = true
			}
			for _, c := range ev.Choices {
				for _, tc := range c.Delta.ToolCalls {
					name += tc.Function.Name
					args += tc.Function.Arguments
				}
				if c.FinishReason != nil {
					finish = *c.FinishReason
				}
			}
		}
		if name != "odoo_record_retriever" || args != `{"model":"res.partner","request_heartbeat":true}` || finish != "tool_calls" || !done || sawUsage != usage {
			t.Fatalf("usage=%v: name %q args %q finish %q done %v usage %v\n%s", usage, name, args, finish, done, sawUsage, body)
		}
	}
}

// TestStrictRefusal: a strict tool OpenAI would refuse gets OpenAI's 400.
func TestStrictRefusal(t *testing.T) {
	obj := func(props map[string]any, req []string, extra map[string]any) map[string]any {
		m := map[string]any{"type": "object", "properties": props, "required": req, "additionalProperties": false}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	str := map[string]any{"type": "string"}
	tests := []struct {
		name   string
		params map[string]any
		want   string // "" = accepted
	}{
		{"compliant", obj(map[string]any{"a": str, "b": map[string]any{"type": []any{"integer", "null"}}}, []string{"a", "b"}, nil), ""},
		{"optional property", obj(map[string]any{"a": str, "b": str}, []string{"a"}, nil), "Missing 'b'"},
		{"open object", map[string]any{"type": "object", "properties": map[string]any{"a": str}, "required": []string{"a"}}, "'additionalProperties' is required to be supplied and to be false"},
		{"default", obj(map[string]any{"a": map[string]any{"type": "integer", "default": 3}}, []string{"a"}, nil), "In context=('properties', 'a'), 'default' is not permitted."},
		{"array without items", obj(map[string]any{"a": map[string]any{"type": "array"}}, []string{"a"}, nil), "array schema missing items"},
		{"nested open object in items", obj(map[string]any{"a": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"f": str}}}}, []string{"a"}, nil), "context=('properties', 'a', 'items')"},
		{"anyOf branch checked", obj(map[string]any{"a": map[string]any{"anyOf": []any{str, map[string]any{"type": "object"}}}}, []string{"a"}, nil), "context=('properties', 'a', 'anyOf', '1')"},
		{"root not object", map[string]any{"type": "string"}, "must be a JSON Schema of 'type: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := newServer(t)
			tool := map[string]any{"type": "function", "function": map[string]any{"name": "t", "strict": true, "parameters": tt.params}}
			code, body := post(t, ts.URL+"/v1/chat/completions", map[string]any{"model": DefaultModel,
				"messages": []any{map[string]any{"role": "user", "content": "x"}}, "tools": []any{tool}})
			if tt.want == "" {
				if code != 200 {
					t.Fatalf("refused a compliant schema: %s", body)
				}
				return
			}
			if code != 400 || !strings.Contains(string(body), tt.want) || !strings.Contains(string(body), `"type":"invalid_request_error"`) {
				t.Fatalf("status %d body %s, want 400 containing %q", code, body, tt.want)
			}
		})
	}
}

func TestStrictOffNotChecked(t *testing.T) {
	_, ts := newServer(t)
	tool := map[string]any{"type": "function", "function": map[string]any{"name": "t", "strict": false,
		"parameters": map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string", "default": "x"}}}}}
	code, body := post(t, ts.URL+"/v1/chat/completions", map[string]any{"model": DefaultModel,
		"messages": []any{map[string]any{"role": "user", "content": "x"}}, "tools": []any{tool}})
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
}

func TestEmbeddings(t *testing.T) {
	_, ts := newServer(t)
	tests := []struct {
		name  string
		req   map[string]any
		n     int
		dim   int
		isB64 bool
	}{
		{"one string, known model", map[string]any{"model": "text-embedding-3-small", "input": "abc"}, 1, 1536, false},
		{"large model", map[string]any{"model": "text-embedding-3-large", "input": []string{"a", "b"}}, 2, 3072, false},
		{"dimensions wins", map[string]any{"model": "text-embedding-3-small", "input": "a", "dimensions": 8}, 1, 8, false},
		{"base64 (the openai SDK's default)", map[string]any{"model": "x", "input": "abc", "encoding_format": "base64"}, 1, 1536, true},
		{"tokens", map[string]any{"model": "x", "input": []int{1, 2, 3}}, 1, 1536, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(t, ts.URL+"/v1/embeddings", tt.req)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			var got struct {
				Data []struct {
					Embedding json.RawMessage `json:"embedding"`
				} `json:"data"`
			}
			json.Unmarshal(body, &got)
			if len(got.Data) != tt.n {
				t.Fatalf("%d vectors, want %d", len(got.Data), tt.n)
			}
			var v []float32
			if tt.isB64 {
				var s string
				json.Unmarshal(got.Data[0].Embedding, &s)
				raw, _ := base64.StdEncoding.DecodeString(s)
				for i := 0; i+4 <= len(raw); i += 4 {
					v = append(v, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
				}
			} else {
				json.Unmarshal(got.Data[0].Embedding, &v)
			}
			if len(v) != tt.dim {
				t.Fatalf("dim %d, want %d", len(v), tt.dim)
			}
			var norm float64
			for _, f := range v {
				norm += float64(f) * float64(f)
			}
			if math.Abs(norm-1) > 1e-3 {
				t.Fatalf("norm² = %v, want 1", norm)
			}
		})
	}
	a, b, c := Vector("x", 4), Vector("x", 4), Vector("y", 4)
	if a[0] != b[0] || a[0] == c[0] {
		t.Fatal("vectors are not deterministic per text")
	}
}

func TestUnknownRoute(t *testing.T) {
	s, ts := newServer(t)
	code, body := post(t, ts.URL+"/v1/responses", map[string]any{"model": "o3"})
	if code != 404 || !strings.Contains(string(body), "Unknown request URL: POST /v1/responses") {
		t.Fatalf("%d %s", code, body)
	}
	if u := s.Unknown(); len(u) != 1 || u[0] != "POST /v1/responses" {
		t.Fatalf("unknown = %v", u)
	}
	if r := s.Requests(); len(r) != 1 || r[0].Status != 404 {
		t.Fatalf("requests = %+v", r)
	}
}

func TestUnscriptedAnswersOK(t *testing.T) {
	_, ts := newServer(t)
	code, body := post(t, ts.URL+"/v1/chat/completions", map[string]any{"model": DefaultModel,
		"messages": []any{map[string]any{"role": "user", "content": "summarise this"}}})
	if code != 200 || !strings.Contains(string(body), `"content":"ok"`) {
		t.Fatalf("%d %s", code, body)
	}
}

func TestUnwrapLetta(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`{"status": "OK", "message": "{\"a\":1}", "time": "2026-01-01"}`, `{"a":1}`},
		{`{"status": "Failed", "message": null, "time": "x"}`, `null`},
		{`{"a":1}`, `{"a":1}`},
		{`plain`, `plain`},
	}
	for _, tt := range tests {
		if got := unwrapLetta(tt.raw); got != tt.want {
			t.Errorf("unwrapLetta(%s) = %s, want %s", tt.raw, got, tt.want)
		}
	}
}
