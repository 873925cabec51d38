package letta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// OLD step streaming, letta.md §6.3 (ping in the middle, no event: lines).
const sseOldSteps = `data: {"id":"message-7d2c","date":"2025-09-04T10:00:01.120000Z","name":null,"message_type":"reasoning_message","otid":"7d2c-0","sender_id":null,"step_id":"step-91a","is_err":null,"seq_id":null,"run_id":null,"source":"non_reasoner_model","reasoning":"User wants quotations; call the Odoo tool.","signature":null}

data: {"id":"message-7d2c","date":"2025-09-04T10:00:01.120000Z","name":null,"message_type":"tool_call_message","otid":"7d2c-1","sender_id":null,"step_id":"step-91a","is_err":null,"seq_id":null,"run_id":null,"tool_call":{"name":"odoo_record_retriever","arguments":"{\"model\":\"sale.order\",\"domain\":[[\"state\",\"=\",\"draft\"]]}","tool_call_id":"call_Ab12"}}

data: {"id":"message-e41f","date":"2025-09-04T10:00:02.480000Z","name":null,"message_type":"tool_return_message","otid":null,"sender_id":null,"step_id":"step-91a","is_err":null,"seq_id":null,"run_id":null,"tool_return":"[{\"id\": 7, \"name\": \"S00007\"}]","status":"success","tool_call_id":"call_Ab12","stdout":null,"stderr":null}

data: {"message_type":"ping"}

data: {"id":"message-5b90","date":"2025-09-04T10:00:03.900000Z","name":null,"message_type":"assistant_message","otid":"5b90-1","sender_id":null,"step_id":"step-a02","is_err":null,"seq_id":null,"run_id":null,"content":"You have one open quotation: S00007."}

data: {"message_type":"stop_reason","stop_reason":"end_turn"}

data: {"message_type":"usage_statistics","completion_tokens":87,"prompt_tokens":5120,"total_tokens":5207,"step_count":2,"steps_messages":null,"run_ids":null}

data: [DONE]

`

// NEW token streaming: first ping with run id, reasoning and assistant
// fragments joined by otid, tool_call fragment with tool_calls as ONE delta
// object (§1.10), tool_return with tool_returns, an assistant content list,
// an unknown type, CRLF line ends in places.
const sseNewTokens = "data: {\"id\":\"ping-1\",\"date\":\"2026-05-20T10:00:00Z\",\"message_type\":\"ping\",\"run_id\":\"run-3c\",\"seq_id\":0}\n\n" +
	`data: {"id":"message-a","message_type":"reasoning_message","otid":"a-0","run_id":"run-3c","seq_id":1,"reasoning":"Look up "}

data: {"id":"message-a","message_type":"reasoning_message","otid":"a-0","run_id":"run-3c","seq_id":2,"reasoning":"quotations."}

data: {"id":"message-a","message_type":"tool_call_message","otid":"a-1","run_id":"run-3c","seq_id":3,"tool_call":{"name":"odoo_search","arguments":"{\"model\":","tool_call_id":"call_1"},"tool_calls":{"name":"odoo_search","arguments":"{\"model\":","tool_call_id":"call_1"}}

data: {"id":"message-a","message_type":"tool_call_message","otid":"a-1","run_id":"run-3c","seq_id":4,"tool_call":{"name":null,"arguments":"\"sale.order\"}","tool_call_id":"call_1"},"tool_calls":{"name":null,"arguments":"\"sale.order\"}","tool_call_id":"call_1"}}

data: {"id":"message-b","message_type":"tool_return_message","otid":"b-0","run_id":"run-3c","seq_id":5,"tool_return":"[7]","status":"success","tool_call_id":"call_1","stdout":null,"stderr":null,"tool_returns":[{"type":"tool","tool_return":"[7]","status":"success","tool_call_id":"call_1","stdout":null,"stderr":null}]}

data: {"message_type":"event_message","event_type":"compaction","run_id":"run-3c"}

` + "data: {\"id\":\"message-c\",\"message_type\":\"assistant_message\",\"otid\":\"c-1\",\"run_id\":\"run-3c\",\"seq_id\":6,\"content\":\"You have \"}\r\n\r\n" +
	`data: {"id":"message-c","message_type":"assistant_message","otid":"c-1","run_id":"run-3c","seq_id":7,"content":[{"type":"text","text":"one open quotation"}]}

: a comment line

data: {"id":"message-c","message_type":"assistant_message","otid":"c-1","run_id":"run-3c","seq_id":8,"content":"."}

data: {"message_type":"stop_reason","stop_reason":"end_turn"}

data: {"message_type":"usage_statistics","completion_tokens":10,"prompt_tokens":20,"total_tokens":30,"step_count":2,"cached_input_tokens":null,"cache_write_tokens":null,"reasoning_tokens":null,"context_tokens":null}

data: [DONE]
`

// OLD mid-stream error: stop_reason error, then event: error, no [DONE].
const sseOldError = `data: {"id":"message-a","message_type":"assistant_message","otid":"a-1","content":"Working"}

data: {"message_type":"stop_reason","stop_reason":"error"}

event: error
data: {"error":"Connection error.","code":"INTERNAL_SERVER_ERROR"}

`

// NEW mid-stream error, letta.md §6.3.
const sseNewError = `data: {"message_type":"stop_reason","stop_reason":"llm_api_error"}

event: error
data: {"message_type":"error_message","run_id":"run-3c","error_type":"llm_rate_limit","message":"Rate limit exceeded for LLM model provider. Please wait before making another request.","detail":"429 from provider","seq_id":null}

data: [DONE]

`

type wantEvent struct {
	typ, text, joined string
}

func TestStreamParse(t *testing.T) {
	tests := []struct {
		name    string
		sse     string
		want    []wantEvent
		wantErr func(t *testing.T, err error)
		check   func(t *testing.T, s *Stream, evs []Event)
	}{
		{
			name: "old step streaming",
			sse:  sseOldSteps,
			want: []wantEvent{
				{TypeReasoning, "User wants quotations; call the Odoo tool.", "User wants quotations; call the Odoo tool."},
				{TypeToolCall, `{"model":"sale.order","domain":[["state","=","draft"]]}`, `{"model":"sale.order","domain":[["state","=","draft"]]}`},
				{TypeToolReturn, `[{"id": 7, "name": "S00007"}]`, `[{"id": 7, "name": "S00007"}]`},
				{TypeAssistant, "You have one open quotation: S00007.", "You have one open quotation: S00007."},
				{TypeStopReason, "", ""},
				{TypeUsage, "", ""},
			},
			check: func(t *testing.T, s *Stream, evs []Event) {
				if tc := evs[1].ToolCall; tc == nil || tc.Name != "odoo_record_retriever" || tc.ToolCallID != "call_Ab12" {
					t.Errorf("tool call = %+v", tc)
				}
				if tr := evs[2].ToolReturn; tr == nil || tr.Status != "success" || tr.ToolCallID != "call_Ab12" {
					t.Errorf("tool return = %+v", tr)
				}
				if evs[2].Key != "message-e41f/tool_return_message" {
					t.Errorf("key without otid = %q", evs[2].Key)
				}
				if s.StopReason() != "end_turn" || s.Usage() == nil || s.Usage().TotalTokens != 5207 || s.Usage().StepCount != 2 {
					t.Errorf("stop %q usage %+v", s.StopReason(), s.Usage())
				}
				if s.AssistantText() != "You have one open quotation: S00007." {
					t.Errorf("assistant text = %q", s.AssistantText())
				}
			},
		},
		{
			name: "new token streaming",
			sse:  sseNewTokens,
			want: []wantEvent{
				{TypeReasoning, "Look up ", "Look up "},
				{TypeReasoning, "quotations.", "Look up quotations."},
				{TypeToolCall, `{"model":`, `{"model":`},
				{TypeToolCall, `"sale.order"}`, `{"model":"sale.order"}`},
				{TypeToolReturn, "[7]", "[7]"},
				{TypeAssistant, "You have ", "You have "},
				{TypeAssistant, "one open quotation", "You have one open quotation"},
				{TypeAssistant, ".", "You have one open quotation."},
				{TypeStopReason, "", ""},
				{TypeUsage, "", ""},
			},
			check: func(t *testing.T, s *Stream, evs []Event) {
				if tc := evs[3].ToolCall; tc == nil || *tc != (ToolCall{Name: "odoo_search", Arguments: `{"model":"sale.order"}`, ToolCallID: "call_1"}) {
					t.Errorf("joined tool call = %+v", tc)
				}
				if len(evs[3].ToolCalls) != 1 || evs[3].ToolCalls[0].Arguments != `"sale.order"}` {
					t.Errorf("tool_calls delta = %+v", evs[3].ToolCalls)
				}
				if s.RunID() != "run-3c" || evs[0].RunID != "run-3c" || evs[0].SeqID == nil || *evs[0].SeqID != 1 {
					t.Errorf("run id %q seq %v", s.RunID(), evs[0].SeqID)
				}
				if s.Joined("c-1") != "You have one open quotation." || s.AssistantText() != "You have one open quotation." {
					t.Errorf("joined = %q / %q", s.Joined("c-1"), s.AssistantText())
				}
			},
		},
		{
			name: "old error frame",
			sse:  sseOldError,
			want: []wantEvent{{TypeAssistant, "Working", "Working"}, {TypeStopReason, "", ""}},
			wantErr: func(t *testing.T, err error) {
				var se *StreamError
				if !errors.As(err, &se) || se.Type != "INTERNAL_SERVER_ERROR" || se.Message != "Connection error." || se.StopReason != "error" {
					t.Errorf("err = %#v", err)
				}
			},
		},
		{
			name: "new error frame",
			sse:  sseNewError,
			want: []wantEvent{{TypeStopReason, "", ""}},
			wantErr: func(t *testing.T, err error) {
				var se *StreamError
				if !errors.As(err, &se) || se.Type != "llm_rate_limit" || se.RunID != "run-3c" || se.Detail != "429 from provider" || se.StopReason != "llm_api_error" {
					t.Errorf("err = %#v", err)
				}
				if !strings.Contains(err.Error(), "llm_rate_limit") {
					t.Errorf("message = %q", err)
				}
			},
		},
		{
			name: "error_message without event line",
			sse:  "data: {\"message_type\":\"error_message\",\"error_type\":\"internal_error\",\"message\":\"boom\"}\n\n",
			wantErr: func(t *testing.T, err error) {
				var se *StreamError
				if !errors.As(err, &se) || se.Type != "internal_error" || se.Message != "boom" {
					t.Errorf("err = %#v", err)
				}
			},
		},
		{
			name: "old cancelled",
			sse:  "event: cancelled\ndata: {\"message\":\"Job was cancelled\"}\n\n",
			wantErr: func(t *testing.T, err error) {
				var se *StreamError
				if !errors.As(err, &se) || se.Type != "cancelled" || se.Message != "Job was cancelled" {
					t.Errorf("err = %#v", err)
				}
			},
		},
		{
			name: "truncated after stop_reason",
			sse:  "data: {\"message_type\":\"assistant_message\",\"otid\":\"x\",\"content\":\"hi\"}\n\ndata: {\"message_type\":\"stop_reason\",\"stop_reason\":\"end_turn\"}\n\n",
			want: []wantEvent{{TypeAssistant, "hi", "hi"}, {TypeStopReason, "", ""}},
			wantErr: func(t *testing.T, err error) {
				var te *TruncatedError
				if !errors.Is(err, ErrStreamTruncated) || !errors.As(err, &te) || te.StopReason != "end_turn" || te.Events != 2 || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "cut mid-line",
			sse:  "data: {\"message_type\":\"assistant_message\",\"otid\":\"x\",\"content\":\"hi\"}\n\ndata: {\"message_type\":\"assist",
			want: []wantEvent{{TypeAssistant, "hi", "hi"}},
			wantErr: func(t *testing.T, err error) {
				if !errors.Is(err, ErrStreamTruncated) {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "empty body",
			sse:  "",
			wantErr: func(t *testing.T, err error) {
				if !errors.Is(err, ErrStreamTruncated) {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "last event and done without blank line",
			sse:  "data: {\"message_type\":\"stop_reason\",\"stop_reason\":\"end_turn\"}\n\ndata: [DONE]",
			want: []wantEvent{{TypeStopReason, "", ""}},
		},
		{
			name: "multi-line data and other fields",
			sse:  "id: 1\nretry: 1000\nevent: message\ndata: {\"message_type\":\"assistant_message\",\ndata: \"otid\":\"m\",\"content\":\"x\"}\n\ndata:[DONE]\n\n",
			want: []wantEvent{{TypeAssistant, "x", "x"}},
		},
		{
			name: "unknown named event and non-JSON data ignored",
			sse:  "event: heartbeat\ndata: {}\n\ndata: not json\n\ndata: [DONE]\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ParseStream(strings.NewReader(tt.sse), 0)
			defer s.Close()
			var evs []Event
			var err error
			for {
				var ev Event
				ev, err = s.Next()
				if err != nil {
					break
				}
				evs = append(evs, ev)
			}
			var got []wantEvent
			for _, ev := range evs {
				got = append(got, wantEvent{ev.Type, ev.Text, ev.Joined})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events:\n%q\nwant\n%q", got, tt.want)
			}
			if tt.wantErr == nil {
				if err != io.EOF {
					t.Errorf("end = %v, want io.EOF", err)
				}
			} else {
				tt.wantErr(t, err)
			}
			// The end is sticky.
			if _, err2 := s.Next(); err2 != err {
				t.Errorf("second end = %v, first %v", err2, err)
			}
			if tt.check != nil {
				tt.check(t, s, evs)
			}
		})
	}
}

// TestStreamIncremental: an event is returned as soon as its frame is
// complete, while the body is still open.
func TestStreamIncremental(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	s := ParseStream(pr, 0)
	defer s.Close()
	go func() {
		_, _ = io.WriteString(pw, "data: {\"message_type\":\"assistant_message\",\"otid\":\"a\",\"content\":\"Hel\"}\n\n")
	}()
	got := make(chan Event, 1)
	go func() {
		ev, err := s.Next()
		if err != nil {
			t.Errorf("Next: %v", err)
		}
		got <- ev
	}()
	select {
	case ev := <-got:
		if ev.Text != "Hel" {
			t.Fatalf("event = %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first event not returned before the body ended")
	}
	go func() {
		_, _ = io.WriteString(pw, "data: {\"message_type\":\"assistant_message\",\"otid\":\"a\",\"content\":\"lo\"}\n\ndata: [DONE]\n\n")
		pw.Close()
	}()
	ev, err := s.Next()
	if err != nil || ev.Joined != "Hello" {
		t.Fatalf("second = %+v, %v", ev, err)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("end = %v", err)
	}
}

// TestStreamIdle: a server that stops sending is cut after the idle
// timeout, never hangs; a slow consumer does not trip it.
func TestStreamIdle(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	s := ParseStream(pr, 100*time.Millisecond)
	go func() {
		_, _ = io.WriteString(pw, "data: {\"message_type\":\"assistant_message\",\"otid\":\"a\",\"content\":\"x\"}\n\n")
	}()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // slow consumer: timer not running
	go func() {
		_, _ = io.WriteString(pw, "data: {\"message_type\":\"assistant_message\",\"otid\":\"a\",\"content\":\"y\"}\n\n")
	}()
	if ev, err := s.Next(); err != nil || ev.Joined != "xy" {
		t.Fatalf("after slow consumer: %+v, %v", ev, err)
	}
	start := time.Now()
	_, err := s.Next() // the writer now stays silent
	if !errors.Is(err, ErrStreamTruncated) || !errors.Is(err, ErrStreamIdle) {
		t.Fatalf("err = %v, want truncated by idle timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("idle cut took %v", d)
	}
}

func TestStreamCloseUnblocks(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	s := ParseStream(pr, 0)
	done := make(chan error, 1)
	go func() {
		_, err := s.Next()
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	_ = s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStreamTruncated) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Next")
	}
	_ = s.Close() // idempotent
}

func TestStreamLongLine(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	sse := `data: {"message_type":"tool_return_message","tool_return":"` + big + `","status":"success"}` + "\n\ndata: [DONE]\n\n"
	s := ParseStream(strings.NewReader(sse), 0)
	ev, err := s.Next()
	if err != nil || len(ev.ToolReturn.Return) != 1<<20 {
		t.Fatalf("long line: %v", err)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatal(err)
	}
}

// TestStreamMessage streams through the fake Letta of each version: the
// request is checked against the spec, the events arrive while the server
// still writes, and a stalled stream does not block other calls.
func TestStreamMessage(t *testing.T) {
	agent := uuidID("agent", 1)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			proceed := make(chan struct{})
			f.on("POST /v1/agents/{agent_id}/messages/stream", func(c call) reply {
				return reply{sse: func(w io.Writer, flush func()) {
					fmt.Fprint(w, "data: {\"message_type\":\"ping\"}\n\n")
					fmt.Fprint(w, "data: {\"id\":\"message-1\",\"message_type\":\"assistant_message\",\"otid\":\"o-1\",\"content\":\"Hello\"}\n\n")
					flush()
					select { // stall until the test has made another call
					case <-proceed:
					case <-time.After(10 * time.Second):
					}
					fmt.Fprint(w, "data: {\"id\":\"message-1\",\"message_type\":\"assistant_message\",\"otid\":\"o-1\",\"content\":\" world\"}\n\n")
					fmt.Fprint(w, "data: {\"message_type\":\"stop_reason\",\"stop_reason\":\"end_turn\"}\n\n")
					fmt.Fprint(w, "data: {\"message_type\":\"usage_statistics\",\"completion_tokens\":2,\"prompt_tokens\":3,\"total_tokens\":5,\"step_count\":1}\n\n")
					fmt.Fprint(w, "data: [DONE]\n\n")
				}}
			})
			c := f.client(t, Options{APIKey: "k"})
			ctx := context.Background()
			s, err := c.StreamMessage(ctx, agent, "List my open quotations")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ev, err := s.Next()
			if err != nil || ev.Text != "Hello" {
				t.Fatalf("first event = %+v, %v", ev, err)
			}
			// The stream is stalled; an unrelated call still goes through.
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if _, err := c.Health(hctx); err != nil {
				t.Fatalf("health during a stalled stream: %v", err)
			}
			cancel()
			close(proceed)
			var types []string
			for {
				ev, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				types = append(types, ev.Type)
			}
			if !reflect.DeepEqual(types, []string{TypeAssistant, TypeStopReason, TypeUsage}) || s.AssistantText() != "Hello world" {
				t.Errorf("types %v text %q", types, s.AssistantText())
			}
			cl := f.callsTo("POST /v1/agents/{agent_id}/messages/stream")[0]
			// Token streaming only where Letta streams tool arguments whole
			// (0.16+): 0.11.7 garbles them (found on the real server).
			want := map[string]any{"messages": []any{map[string]any{"role": "user", "content": "List my open quotations"}}, "stream_tokens": v != vOld, "include_pings": true}
			if !reflect.DeepEqual(cl.json(t), want) {
				t.Errorf("body = %s", cl.Body)
			}
			if cl.Header.Get("Accept") != "text/event-stream" || cl.Params["agent_id"] != agent {
				t.Errorf("accept %q params %v", cl.Header.Get("Accept"), cl.Params)
			}
		})
	}
}

func TestStreamMessageErrors(t *testing.T) {
	agent := uuidID("agent", 1)
	t.Run("unknown agent before the stream", func(t *testing.T) {
		f := newFake(t, vOld)
		f.on("POST /v1/agents/{agent_id}/messages/stream", func(call) reply {
			return reply{status: 404, raw: `{"detail":"Agent with ID ` + agent + ` not found"}`}
		})
		_, err := f.client(t, Options{}).StreamMessage(context.Background(), agent, "hi")
		if !IsNotFound(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("server cuts the stream", func(t *testing.T) {
		f := newFake(t, vNew)
		f.on("POST /v1/agents/{agent_id}/messages/stream", func(call) reply {
			return reply{sse: func(w io.Writer, flush func()) {
				fmt.Fprint(w, "data: {\"message_type\":\"assistant_message\",\"otid\":\"o\",\"content\":\"par\"}\n\n")
			}}
		})
		s, err := f.client(t, Options{}).StreamMessage(context.Background(), agent, "hi")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Next(); !errors.Is(err, ErrStreamTruncated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("context cancelled mid-stream", func(t *testing.T) {
		f := newFake(t, vNew)
		f.on("POST /v1/agents/{agent_id}/messages/stream", func(c call) reply {
			return reply{sse: func(w io.Writer, flush func()) {
				fmt.Fprint(w, "data: {\"message_type\":\"ping\"}\n\n")
				flush()
				// Comments keep the connection busy until the client goes away.
				for range 200 {
					time.Sleep(10 * time.Millisecond)
					if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
						return
					}
					flush()
				}
			}}
		})
		ctx, cancel := context.WithCancel(context.Background())
		s, err := f.client(t, Options{}).StreamMessage(ctx, agent, "hi")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		if _, err := s.Next(); !errors.Is(err, ErrStreamTruncated) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if time.Since(start) > time.Second {
			t.Fatal("cancellation did not end Next promptly")
		}
	})
	t.Run("json instead of a stream", func(t *testing.T) {
		f := newFake(t, vNew)
		f.on("POST /v1/agents/{agent_id}/messages/stream", func(call) reply {
			return reply{raw: `{"detail":"odd"}`, noValidate: true}
		})
		if _, err := f.client(t, Options{}).StreamMessage(context.Background(), agent, "hi"); err == nil || !strings.Contains(err.Error(), "event stream") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSendMessage(t *testing.T) {
	agent := uuidID("agent", 1)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			f.on("POST /v1/agents/{agent_id}/messages", func(call) reply {
				return reply{body: map[string]any{
					"messages": []any{
						map[string]any{"id": "message-1", "date": "2025-09-04T10:00:01Z", "message_type": "reasoning_message", "otid": "o-0", "reasoning": "think"},
						map[string]any{"id": "message-1", "date": "2025-09-04T10:00:01Z", "message_type": "assistant_message", "otid": "o-1", "content": "Done."},
					},
					"stop_reason": map[string]any{"message_type": "stop_reason", "stop_reason": "end_turn"},
					"usage":       map[string]any{"message_type": "usage_statistics", "completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3, "step_count": 1},
				}}
			})
			resp, err := f.client(t, Options{}).SendMessage(context.Background(), agent, MessageRequest{Text: "hi", MaxSteps: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Messages) != 2 || resp.AssistantText() != "Done." || resp.StopReason != "end_turn" || resp.Usage.TotalTokens != 3 {
				t.Errorf("resp = %+v", resp)
			}
			b := f.callsTo("POST /v1/agents/{agent_id}/messages")[0].json(t)
			if _, ok := b["stream_tokens"]; ok || b["max_steps"] != float64(5) {
				t.Errorf("body = %v", b)
			}
		})
	}
}
