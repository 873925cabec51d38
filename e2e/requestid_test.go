package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/requestid"
)

// Every line logged while handling a request carries the request's id,
// the one sent back in X-Request-Id.

// recordIDs remembers the X-Request-Id answered to each tools/call POST,
// after sending the request with extra headers.
type recordIDs struct {
	header http.Header
	mu     sync.Mutex
	ids    []string
}

func (r *recordIDs) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range r.header {
		req.Header[k] = v
	}
	isCall := false
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		isCall = bytes.Contains(b, []byte(`"tools/call"`))
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && isCall {
		r.mu.Lock()
		r.ids = append(r.ids, resp.Header.Get(requestid.Header))
		r.mu.Unlock()
	}
	return resp, err
}

func (r *recordIDs) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) == 0 {
		return ""
	}
	return r.ids[len(r.ids)-1]
}

// logLines parses the binary's JSON log lines.
func logLines(t *testing.T, p *process) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.Logs()))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// linesWithID returns the messages of the lines that carry id.
func linesWithID(t *testing.T, p *process, id string) []string {
	t.Helper()
	var msgs []string
	for _, l := range logLines(t, p) {
		if l[requestid.Key] == id {
			msgs = append(msgs, l["msg"].(string))
		}
	}
	return msgs
}

func TestRequestIDOnToolCallLogLines(t *testing.T) {
	odoo := startFakeOdoo(t, "18.0")
	admin := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"stateless", nil},
		{"stateful", []string{"--stateful"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			p := startBinary(t, []string{"ODOO_URL=" + odoo.URL, "ODOO_DB=e2e"}, mode.args...)
			for _, tc := range []struct {
				name   string
				sent   string // X-Request-Id the client sends
				wantAs string // "" for a fresh id
			}{
				{"a fresh id", "", ""},
				{"the caller's id", "proxy-1234-abcd", "proxy-1234-abcd"},
				{"a caller's id that could break a log line is replaced", `evil" id`, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					rec := &recordIDs{header: http.Header{"Authorization": {admin}}}
					if tc.sent != "" {
						rec.header.Set(requestid.Header, tc.sent)
					}
					transport := &gomcp.StreamableClientTransport{Endpoint: p.URL + "/mcp", HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second}}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, transport, nil)
					if err != nil {
						t.Fatal(err)
					}
					defer cs.Close()
					for i := 0; i < 2; i++ { // the second call of a stateful session must not log the first's id
						res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: "odoo_record_retriever",
							Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1}})
						if err != nil || res.IsError {
							t.Fatalf("call: %v %v", res, err)
						}
					}
					id := rec.last()
					switch {
					case !requestid.Valid(id):
						t.Fatalf("X-Request-Id %q", id)
					case tc.wantAs != "" && id != tc.wantAs:
						t.Fatalf("X-Request-Id %q, want the caller's %q", id, tc.wantAs)
					case tc.wantAs == "" && id == tc.sent:
						t.Fatalf("X-Request-Id %q kept", id)
					}
					// The audit line is written after the answer is sent: wait for it.
					deadline := time.Now().Add(10 * time.Second)
					for {
						msgs := strings.Join(linesWithID(t, p, id), "|")
						if strings.Contains(msgs, "tool call") && strings.Contains(msgs, "http request") {
							break
						}
						if time.Now().After(deadline) {
							t.Fatalf("no audit and request lines with request_id %s (lines with it: %s):\n%s", id, msgs, p.Logs())
						}
						time.Sleep(20 * time.Millisecond)
					}
					if tc.wantAs == "" {
						if n := len(linesWithID(t, p, id)); n > 2 {
							t.Errorf("%d lines carry the fresh id %s, want the call's audit and request lines", n, id)
						}
					}
				})
			}
		})
	}
}

func TestRequestIDOnThreadAPILogLines(t *testing.T) {
	s := startThreadStack(t, fakeletta.VersionNew)
	waitForLog(t, s.p, "registered with Letta", 30*time.Second)
	admin := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	for _, tc := range []struct {
		name, method, body string
		status             int
		line               string
	}{
		{"a refused declaration", http.MethodPut, `{"model":"openai/gpt-5"}`, http.StatusUnprocessableEntity, "http request"},
		{"a declaration", http.MethodPut, `{"model":"` + thModel + `"}`, http.StatusCreated, "thread declared"},
		{"a deletion", http.MethodDelete, "", http.StatusNoContent, "thread deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := thDo(t, s.p, tc.method, "/api/v1/threads/rid-1", admin, tc.body)
			if status != tc.status {
				t.Fatalf("PUT: %d %s", status, body)
			}
			id := hdr.Get(requestid.Header)
			if !requestid.Valid(id) {
				t.Fatalf("X-Request-Id %q", id)
			}
			// The request line is written after the answer: wait for it.
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(strings.Join(linesWithID(t, s.p, id), "|"), tc.line) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q line with request_id %s: %v", tc.line, id, linesWithID(t, s.p, id))
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
