package letta

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct {
		base    string
		wantErr bool
		want    string
	}{
		{base: "http://localhost:8283", want: "http://localhost:8283"},
		{base: "https://api.letta.com/", want: "https://api.letta.com"},
		{base: "http://proxy.example/letta/", want: "http://proxy.example/letta"},
		{base: "ftp://x", wantErr: true},
		{base: "localhost:8283", wantErr: true},
		{base: "http://", wantErr: true},
		{base: "http://x/?a=1", wantErr: true},
		{base: "://bad", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, err := New(tt.base, Options{})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%q) succeeded", tt.base)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := New("http://x", Options{ServerVersion: "nope"}); err == nil {
		t.Error("bad ServerVersion accepted")
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in                  string
		want                Version
		wantErr             bool
		mcpAPI, modelSet, p bool
	}{
		{in: "0.11.7", want: Version{0, 11, 7, "0.11.7"}},
		{in: "0.12.1", want: Version{0, 12, 1, "0.12.1"}},
		{in: "0.13.0", want: Version{0, 13, 0, "0.13.0"}, mcpAPI: true, modelSet: true},
		{in: "0.16.6", want: Version{0, 16, 6, "0.16.6"}, mcpAPI: true, modelSet: true},
		{in: "0.16.8", want: Version{0, 16, 8, "0.16.8"}, mcpAPI: true, modelSet: true, p: true},
		{in: "v1.0.0rc2", want: Version{1, 0, 0, "v1.0.0rc2"}, mcpAPI: true, modelSet: true, p: true},
		{in: "0.16", want: Version{0, 16, 0, "0.16"}, mcpAPI: true, modelSet: true},
		{in: "dev", wantErr: true},
		{in: "", wantErr: true},
		{in: "1.x", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseVersion(%q) = %v, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		if got.HasMCPServersAPI() != tt.mcpAPI || got.HasModelSettings() != tt.modelSet || got.BlocksPrivateMCPURLs() != tt.p {
			t.Errorf("%s: features = %v %v %v", tt.in, got.HasMCPServersAPI(), got.HasModelSettings(), got.BlocksPrivateMCPURLs())
		}
	}
}

// TestHeaders: every call carries the API key, the project and our own
// User-Agent, and never the v1-SDK switch (we stay a legacy caller, §9).
func TestHeaders(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			f.on("GET /v1/tools/", func(call) reply { return reply{body: []any{}} })
			c := f.client(t, Options{APIKey: "sk-secret", Project: "odoo"})
			if _, err := c.ListTools(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			for _, cl := range f.callsTo("") {
				h := cl.Header
				if got := h.Get("Authorization"); got != "Bearer sk-secret" {
					t.Errorf("%s: Authorization = %q", cl.Route, got)
				}
				if got := h.Get("X-Project"); got != "odoo" {
					t.Errorf("%s: X-Project = %q", cl.Route, got)
				}
				if got := h.Get("User-Agent"); got != "odoo-mcp/"+ClientVersion {
					t.Errorf("%s: User-Agent = %q", cl.Route, got)
				}
				if _, ok := h["X-Stainless-Package-Version"]; ok {
					t.Errorf("%s: sent X-Stainless-Package-Version", cl.Route)
				}
			}
		})
	}
	t.Run("no key, custom agent", func(t *testing.T) {
		f := newFake(t, vNew)
		c := f.client(t, Options{UserAgent: "  odoo-mcp-test/1  "})
		if _, err := c.Health(context.Background()); err != nil {
			t.Fatal(err)
		}
		h := f.callsTo("GET /v1/health/")[0].Header
		if h.Get("Authorization") != "" || h.Get("X-Project") != "" {
			t.Errorf("unexpected auth headers: %v", h)
		}
		if h.Get("User-Agent") != "odoo-mcp-test/1" {
			t.Errorf("User-Agent = %q", h.Get("User-Agent"))
		}
	})
}

func TestDetectVersion(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			c := f.client(t, Options{})
			for range 3 {
				got, err := c.DetectVersion(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if got.String() != v {
					t.Fatalf("version = %s, want %s", got, v)
				}
			}
			if n := len(f.callsTo("GET /v1/health/")); n != 1 {
				t.Errorf("health probed %d times, want 1", n)
			}
		})
	}
	t.Run("pinned", func(t *testing.T) {
		f := newFake(t, vNew)
		c := f.client(t, Options{ServerVersion: "0.16.8"})
		if _, err := c.DetectVersion(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(f.callsTo("")); n != 0 {
			t.Errorf("pinned version still probed: %v", f.routesCalled())
		}
	})
	t.Run("failed probe is retried", func(t *testing.T) {
		n := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n++
			if n == 1 {
				w.WriteHeader(500)
				_, _ = w.Write([]byte(`{"detail":"An internal server error occurred"}`))
				return
			}
			_, _ = w.Write([]byte(`{"version":"0.16.8","status":"ok"}`))
		}))
		defer srv.Close()
		c, _ := New(srv.URL, Options{})
		if _, err := c.DetectVersion(context.Background()); StatusCode(err) != 500 {
			t.Fatalf("first probe err = %v", err)
		}
		if v, err := c.DetectVersion(context.Background()); err != nil || v.Minor != 16 {
			t.Fatalf("second probe = %v, %v", v, err)
		}
	})
}

// TestErrorDecoding covers the error bodies of letta.md §10.
func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantDetail string
		wantCode   string
		notFound   bool
	}{
		{name: "old not found", status: 404, body: `{"detail":"Agent agent-1 not found for user_id=user-1."}`, wantDetail: "Agent agent-1 not found for user_id=user-1.", notFound: true},
		{name: "old validation list", status: 422, body: `{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required","input":{}}]}`, wantDetail: "body.messages: Field required"},
		{name: "new validation string", status: 422, body: `{"trace_id":"abc","detail":"[{'type': 'string_pattern_mismatch', 'loc': ('path', 'agent_id'), 'msg': \"String should match pattern 'agent-{uuid4}'\"}]","examples":["agent-123e4567-e89b-42d3-8456-426614174000"]}`, wantDetail: "[{'type': 'string_pattern_mismatch', 'loc': ('path', 'agent_id'), 'msg': \"String should match pattern 'agent-{uuid4}'\"}]"},
		{name: "mcp object detail", status: 409, body: `{"detail":{"code":"MCPServerNameAlreadyExistsError","message":"MCP server odoo already exists","server_name":"odoo"}}`, wantDetail: "MCP server odoo already exists", wantCode: "MCPServerNameAlreadyExistsError"},
		{name: "mcp not found object", status: 404, body: `{"detail":{"code":"MCPServerNotFoundError","message":"not found","server_name":"x"}}`, wantDetail: "not found", wantCode: "MCPServerNotFoundError", notFound: true},
		{name: "new error object", status: 502, body: `{"error":{"type":"mcp_connection_error","message":"Failed to connect to MCP server.","detail":"connection refused"}}`, wantDetail: "Failed to connect to MCP server.: connection refused", wantCode: "mcp_connection_error"},
		{name: "new llm error", status: 429, body: `{"error":{"type":"llm_rate_limit","message":"Rate limited","detail":null}}`, wantDetail: "Rate limited", wantCode: "llm_rate_limit"},
		{name: "unauthorized", status: 401, body: `{"detail":"Unauthorized"}`, wantDetail: "Unauthorized"},
		{name: "html", status: 502, body: "<html>Bad Gateway</html>", wantDetail: "<html>Bad Gateway</html>"},
		{name: "empty", status: 503, body: "", wantDetail: ""},
		{name: "new generic", status: 500, body: `{"detail":"An unknown error occurred"}`, wantDetail: "An unknown error occurred"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, _ := New(srv.URL, Options{APIKey: "sk-secret", ServerVersion: vNew})
			_, err := c.GetAgent(context.Background(), "agent-1")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if ae.Status != tt.status || ae.Detail != tt.wantDetail || ae.Code != tt.wantCode {
				t.Errorf("got status %d detail %q code %q", ae.Status, ae.Detail, ae.Code)
			}
			if ae.Method != "GET" || ae.Path != "/v1/agents/agent-1" || string(ae.Body) != tt.body {
				t.Errorf("got method %q path %q body %q", ae.Method, ae.Path, ae.Body)
			}
			if IsNotFound(err) != tt.notFound {
				t.Errorf("IsNotFound = %v", IsNotFound(err))
			}
			if IsConflict(err) != (tt.status == 409) || IsUnauthorized(err) != (tt.status == 401) || IsValidation(err) != (tt.status == 422) {
				t.Errorf("status helpers wrong for %d", tt.status)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("error leaks the API key: %v", err)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c, _ := New(base, Options{APIKey: "sk-secret"})
	_, err := c.Health(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var ue *UnavailableError
	if !errors.As(err, &ue) || ue.Path != "/v1/health/" || ue.Method != "GET" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "letta unavailable") || strings.Contains(err.Error(), "sk-secret") {
		t.Errorf("message = %q", err)
	}
	if StatusCode(err) != 0 || IsNotFound(err) {
		t.Error("transport error looks like an HTTP status")
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(srv.URL, Options{Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := c.Health(context.Background())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want unavailable + deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %v", d)
	}
}

func TestEscaping(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	c, _ := New(srv.URL+"/prefix/", Options{ServerVersion: vOld})
	if _, err := c.ListMCPServerLiveTools(context.Background(), "odoo prod/1"); err != nil {
		t.Fatal(err)
	}
	if want := "/prefix/v1/tools/mcp/servers/odoo%20prod%2F1/tools"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
}
