package httpapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

// stubAuth answers every credential with err, or with id.
type stubAuth struct {
	id  *auth.Identity
	err error
}

func (s stubAuth) Authenticate(context.Context, string) (*auth.Identity, error) { return s.id, s.err }

// seen is a handler that records the identity it was handed.
type seen struct{ id *auth.Identity }

func (s *seen) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.id = auth.IdentityFrom(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

// threadsStub serves every thread route with one handler behind the
// application's authentication, as letta/threads does.
type threadsStub struct{ h http.Handler }

func (t threadsStub) Handler(authenticate func(http.Handler) http.Handler) http.Handler {
	return authenticate(t.h)
}

func (threadsStub) Paths() []string {
	return []string{"/api/v1/threads", "/api/v1/threads/{thread_id}"}
}

func do(t *testing.T, h http.Handler, method, path, authorization string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`))
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Every route answers a failed credential check from the one table: the
// same status, code, Retry-After and WWW-Authenticate on /mcp and on the
// thread API.
func TestAuthFailuresSameOnEveryRoute(t *testing.T) {
	cases := []struct {
		err        error
		status     int
		code       string
		retryAfter string
		challenge  bool
	}{
		{auth.ErrNoCredentials, 401, "unauthorized", "", true},
		{auth.ErrMalformed, 401, "unauthorized", "", true},
		{fmt.Errorf("%w: Odoo refused the login or API key", auth.ErrInvalid), 401, "unauthorized", "", true},
		{auth.ErrBearerNeedsLogin, 401, "unauthorized", "", true},
		{fmt.Errorf("%w: dial tcp: refused", auth.ErrUnavailable), 503, "odoo_unavailable", "5", false},
		{fmt.Errorf("checking: %w: letta down", auth.ErrRevocationUnknown), 503, "letta_unavailable", "5", false},
		{errors.New("Odoo said something odd"), 502, "odoo_error", "", false},
	}
	mcp, threads := &seen{}, &seen{}
	for _, tc := range cases {
		app := New(Config{MCP: mcp, Threads: threadsStub{threads}, Auth: stubAuth{err: tc.err}})
		for _, path := range []string{"/mcp", "/api/v1/threads"} {
			method := http.MethodPost
			if path != "/mcp" {
				method = http.MethodGet
			}
			rec := do(t, app, method, path, "Basic eDp5")
			var body map[string]string
			json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tc.status || body["error"] != tc.code || rec.Header().Get("Retry-After") != tc.retryAfter ||
				(len(rec.Header().Values("WWW-Authenticate")) > 0) != tc.challenge || rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("%s, %v: %d %v %v", path, tc.err, rec.Code, rec.Header(), body)
			}
			if tc.status == 401 && !strings.Contains(body["message"], tc.err.Error()) {
				t.Errorf("%s: a 401 should say what was wrong: %q", path, body["message"])
			}
		}
	}
	if mcp.id != nil || threads.id != nil {
		t.Error("a refused request reached a handler")
	}
}

// The caller is checked once, at the edge, and handed down in the context.
func TestIdentityHandedDown(t *testing.T) {
	id := &auth.Identity{DB: "db", UID: 7}
	mcp, threads := &seen{}, &seen{}
	app := New(Config{MCP: mcp, Threads: threadsStub{threads}, Auth: stubAuth{id: id}})
	if rec := do(t, app, http.MethodPost, "/mcp", "Basic eDp5"); rec.Code != http.StatusNoContent || mcp.id != id {
		t.Errorf("/mcp: %d, identity %v", rec.Code, mcp.id)
	}
	if rec := do(t, app, http.MethodGet, "/api/v1/threads", "Basic eDp5"); rec.Code != http.StatusNoContent || threads.id != id {
		t.Errorf("/api/v1: %d, identity %v", rec.Code, threads.id)
	}
}

// A thread token is the agent's credential for /mcp: the thread API
// refuses it, checked or not; /mcp takes it and limits its agent.
func TestThreadTokenOnlyOnMCP(t *testing.T) {
	id := &auth.Identity{DB: "db", UID: 7, Thread: &auth.ThreadClaims{AgentID: "agent-1", Thread: "t"}}
	mcp, threads := &seen{}, &seen{}
	app := New(Config{MCP: mcp, Threads: threadsStub{threads}, Auth: stubAuth{id: id}, Rate: limits.NewRate(0.001, 1)})
	if rec := do(t, app, http.MethodGet, "/api/v1/threads", "Basic eDp5"); rec.Code != http.StatusUnauthorized || threads.id != nil {
		t.Errorf("thread API with a thread identity: %d", rec.Code)
	}
	if rec := do(t, app, http.MethodPost, "/mcp", "Basic eDp5"); rec.Code != http.StatusNoContent || mcp.id != id {
		t.Errorf("/mcp with a thread identity: %d", rec.Code)
	}
	// The agent's bucket (burst 1) is spent.
	rec := do(t, app, http.MethodPost, "/mcp", "Basic eDp5")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("second call of the agent: %d %v", rec.Code, rec.Header())
	}
	// Another agent's token is not the same bucket... but X-Agent-Id naming
	// another agent than the token's is refused first.
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.Header.Set("Authorization", "Basic eDp5")
	req.Header.Set("X-Agent-Id", "agent-2")
	app = New(Config{MCP: mcp, Auth: stubAuth{id: id}})
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("X-Agent-Id of another agent: %d", rec.Code)
	}
}

// With the public tool list, a request without a valid credential may list
// tools, anonymously, and nothing else; Odoo down is still a 503.
func TestPublicToolList(t *testing.T) {
	mcp := &seen{}
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}`
	for _, tc := range []struct {
		err    error
		body   string
		status int
	}{
		{auth.ErrNoCredentials, list, http.StatusNoContent},
		{auth.ErrNoCredentials, call, http.StatusUnauthorized},
		{auth.ErrUnavailable, list, http.StatusServiceUnavailable},
	} {
		app := New(Config{MCP: mcp, Auth: stubAuth{err: tc.err}, PublicToolList: true})
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tc.body))
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%v, %s: %d, want %d", tc.err, tc.body, rec.Code, tc.status)
		}
		if mcp.id != nil {
			t.Error("an anonymous listing carried an identity")
		}
	}
}
