package fakeletta

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/sse"
)

// harness is a fake Letta behind an httptest server plus a client that does
// not follow redirects.
type harness struct {
	t      *testing.T
	fake   *Server
	srv    *httptest.Server
	client *http.Client
	ua     string // User-Agent sent by do ("" = Go's default)
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	fake := New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &harness{
		t: t, fake: fake, srv: srv,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// response is a received HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.status, r.body)
	}
	return v
}

func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("response is not an object: %s", r.body)
	}
	return m
}

func (r response) list(t *testing.T) []any {
	t.Helper()
	l, ok := r.json(t).([]any)
	if !ok {
		t.Fatalf("response is not an array: %s", r.body)
	}
	return l
}

// do sends a request; body is marshalled unless it is a string.
func (h *harness) do(method, path string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.ua != "" {
		req.Header.Set("User-Agent", h.ua)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect checks the status code and returns the response.
func (h *harness) expect(status int, method, path string, body any, headers ...string) response {
	h.t.Helper()
	r := h.do(method, path, body, headers...)
	if r.status != status {
		h.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, status, r.body)
	}
	return r
}

// createAgent creates an agent and returns its id.
func (h *harness) createAgent(body map[string]any) string {
	h.t.Helper()
	if _, ok := body["model"]; !ok {
		body["model"] = "openai/gpt-4o-mini"
	}
	if _, ok := body["embedding"]; !ok {
		body["embedding"] = "openai/text-embedding-3-small"
	}
	return h.expect(200, "POST", "/v1/agents/", body).obj(h.t)["id"].(string)
}

// sseEvent is one server-sent event.
type sseEvent struct {
	Event string // "" for plain data events
	Data  string
}

func (e sseEvent) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.Data), &m); err != nil {
		t.Fatalf("event data is not a JSON object: %q", e.Data)
	}
	return m
}

// parseSSE splits an SSE body into events. The fake must write Letta's
// plain form: the events, written back by sse.Writer, are the body again
// (no comment, id or other field, no line break but \n).
func parseSSE(t *testing.T, body []byte) []sseEvent {
	t.Helper()
	var out []sseEvent
	var again bytes.Buffer
	w := sse.NewWriter(&again)
	r := sse.NewReader(bytes.NewReader(body), sse.Options{MaxLine: 1 << 20, Comments: true})
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		switch {
		case err != nil:
			t.Fatalf("SSE body: %v", err)
		case ev.Unterminated:
			t.Fatalf("SSE body does not end with a blank line: %q", body)
		case ev.IsComment():
			t.Fatalf("unexpected SSE comment %q", ev.Comment)
		}
		out = append(out, sseEvent{Event: ev.Type, Data: string(ev.Data)})
		if err := w.Event(ev.Type, ev.Data); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(again.Bytes(), body) {
		t.Fatalf("SSE body is not in plain form:\n%q\nwant\n%q", body, again.Bytes())
	}
	return out
}

// messageTypes lists the message_type of data events ("[DONE]" as is,
// "event:<name>" for named events).
func messageTypes(t *testing.T, events []sseEvent) []string {
	t.Helper()
	var out []string
	for _, e := range events {
		switch {
		case e.Event != "":
			out = append(out, "event:"+e.Event)
		case e.Data == "[DONE]":
			out = append(out, "[DONE]")
		default:
			out = append(out, e.obj(t)["message_type"].(string))
		}
	}
	return out
}

// compact removes consecutive duplicates (token fragments of one part).
func compact(types []string) []string {
	var out []string
	for _, t := range types {
		if len(out) == 0 || out[len(out)-1] != t {
			out = append(out, t)
		}
	}
	return out
}
