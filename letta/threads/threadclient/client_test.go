package threadclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/requestid"
)

// server answers every request with fn, recording what it got.
func server(t *testing.T, fn func(w http.ResponseWriter, r *http.Request)) (*Client, *[]string) {
	t.Helper()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, fmt.Sprintf("%s %s auth=%s accept=%s ua=%s body=%s", r.Method, r.URL.EscapedPath(),
			r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("User-Agent"), body))
		fn(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/", "Basic YTpi", Options{UserAgent: "test/1"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

func TestRequests(t *testing.T) {
	c, got := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/models":
			io.WriteString(w, `{"models":[{"handle":"openai/gpt-4o-mini"}]}`)
		case r.URL.Path == "/api/v1/threads":
			io.WriteString(w, `{"threads":[{"thread_id":"a b","tools":[]}]}`)
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodPost:
			io.WriteString(w, `{"thread_id":"a b","content":"hi","tool_calls":[],"finish_reason":"stop"}`)
		default:
			io.WriteString(w, `{"thread_id":"a b","agent_id":"agent-1","model":"m","tools":["x"],"created":true}`)
		}
	})
	ctx := context.Background()
	ms, err := c.Models(ctx)
	if err != nil || len(ms.Models) != 1 || ms.Models[0].Handle != "openai/gpt-4o-mini" {
		t.Errorf("Models: %+v %v", ms, err)
	}
	ts, err := c.List(ctx)
	if err != nil || len(ts) != 1 || ts[0].ThreadID != "a b" {
		t.Errorf("List: %+v %v", ts, err)
	}
	th, err := c.Get(ctx, "a b")
	if err != nil || th.AgentID != "agent-1" {
		t.Errorf("Get: %+v %v", th, err)
	}
	tools := []string{"x"}
	th, err = c.Declare(ctx, "a b", threads.Spec{Model: "m", Tools: &tools})
	if err != nil || !th.Created {
		t.Errorf("Declare: %+v %v", th, err)
	}
	reply, err := c.Ask(ctx, "a b", "hello")
	if err != nil || reply.Content != "hi" || reply.FinishReason != "stop" {
		t.Errorf("Ask: %+v %v", reply, err)
	}
	if err := c.Delete(ctx, "a b"); err != nil {
		t.Errorf("Delete: %v", err)
	}
	want := []string{
		"GET /api/v1/models auth=Basic YTpi accept=application/json ua=test/1 body=",
		"GET /api/v1/threads auth=Basic YTpi accept=application/json ua=test/1 body=",
		"GET /api/v1/threads/a%20b auth=Basic YTpi accept=application/json ua=test/1 body=",
		`PUT /api/v1/threads/a%20b auth=Basic YTpi accept=application/json ua=test/1 body={"model":"m","tools":["x"]}`,
		`POST /api/v1/threads/a%20b/messages auth=Basic YTpi accept=application/json ua=test/1 body={"content":"hello"}`,
		"DELETE /api/v1/threads/a%20b auth=Basic YTpi accept=application/json ua=test/1 body=",
	}
	if strings.Join(*got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(*got, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"the API's error", http.StatusUnprocessableEntity, `{"error":"invalid_tools","message":"unknown tool","valid":["a","b"]}`,
			"unknown tool (HTTP 422 invalid_tools, request id rid-1)\n  valid: a, b"},
		{"the API's 404", http.StatusNotFound, `{"error":"thread_not_found","message":"no thread x"}`, "no thread x (HTTP 404 thread_not_found, request id rid-1)"},
		{"a 404 from elsewhere", http.StatusNotFound, `404 page not found`, "no thread API at "},
		{"no body", http.StatusBadGateway, ``, "Bad Gateway (HTTP 502, request id rid-1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set(requestid.Header, "rid-1")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := c.Get(context.Background(), "x")
			var e *Error
			if !errors.As(err, &e) || e.Status != tc.status || StatusOf(err) != tc.status || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an *Error %d containing %q", err, tc.status, tc.want)
			}
		})
	}
	// A failed run answered as JSON keeps its partial reply.
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, `{"error":"letta_stream_error","message":"boom","partial":{"content":"half"}}`)
	})
	_, err := c.Ask(context.Background(), "x", "hello")
	var e *Error
	if !errors.As(err, &e) || e.Partial == nil || e.Partial.Content != "half" {
		t.Errorf("got %#v, want the partial reply", err)
	}
	// No server: the error says what to check.
	c, err = New("http://127.0.0.1:1", "Basic x", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "is odoo-mcp serve running there") {
		t.Errorf("no server: %v", err)
	}
}

func TestNewRefusesABadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8808", "ftp://x", "http://"} {
		if _, err := New(u, "Basic x", Options{}); err == nil || !strings.Contains(err.Error(), "http(s) URL") {
			t.Errorf("New(%q): %v", u, err)
		}
	}
}

func TestSend(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
		err        bool
	}{
		{"a whole reply", "event: content\ndata: {\"text\":\"a\"}\n\n: keep-alive\n\nevent: done\ndata: {\"finish_reason\":\"stop\"}\n\n",
			[]string{`content {"text":"a"}`, `done {"finish_reason":"stop"}`}, false},
		{"an event cut off before its blank line is dropped", "event: content\ndata: {}\n\nevent: done\ndata: {}",
			[]string{"content {}"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, reqs := server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set(requestid.Header, "rid-2")
				io.WriteString(w, tc.body)
			})
			s, err := c.Send(context.Background(), "t", "hello")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var got []string
			for {
				ev, err := s.Next()
				if err != nil {
					if (err != io.EOF) != tc.err {
						t.Errorf("ended with %v", err)
					}
					break
				}
				got = append(got, ev.Name+" "+string(ev.Data))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || s.RequestID != "rid-2" {
				t.Errorf("got %q (request id %q), want %q", got, s.RequestID, tc.want)
			}
			if want := `POST /api/v1/threads/t/messages auth=Basic YTpi accept=text/event-stream ua=test/1 body={"content":"hello"}`; (*reqs)[0] != want {
				t.Errorf("request %s, want %s", (*reqs)[0], want)
			}
		})
	}
}

// TestSendBrokenStream: a connection cut mid-reply is an error, not an end.
func TestSendBrokenStream(t *testing.T) {
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: content\ndata: {\"text\":\"a\"}\n\nevent: content\n")
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	s, err := c.Send(context.Background(), "t", "hello")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ev, err := s.Next(); err != nil || ev.Name != threads.EventContent {
		t.Fatalf("first event %+v %v", ev, err)
	}
	if _, err := s.Next(); err == nil || err == io.EOF {
		t.Fatalf("a cut connection ended with %v, want an error", err)
	}
}

func TestSendRefusesAnotherContentType(t *testing.T) {
	c, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"content":"hi"}`)
	})
	if _, err := c.Send(context.Background(), "t", "hello"); err == nil || !strings.Contains(err.Error(), `expected an event stream, got "application/json"`) {
		t.Errorf("got %v", err)
	}
}
