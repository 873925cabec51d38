package lettaspec_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/letta/lettaspec"
)

func load(t *testing.T, version string) *lettaspec.Validator {
	t.Helper()
	dir, err := lettaspec.FindDir()
	if err != nil {
		t.Skip("../shared/letta not found: Letta's OpenAPI specs live beside the checkout; see README")
	}
	v, err := lettaspec.Load(dir, version)
	if err != nil {
		t.Fatalf("Load(%s): %v", version, err)
	}
	return v
}

const agentID = "agent-123e4567-e89b-42d3-8456-426614174000"

func TestValidateRequest(t *testing.T) {
	tests := []struct {
		name    string
		version string
		method  string
		target  string
		body    string
		wantErr string // substring; "" = valid
		noRoute bool
	}{
		{name: "health", version: lettaspec.New, method: "GET", target: "/v1/health/"},
		{name: "health without slash is not a route", version: lettaspec.New, method: "GET", target: "/v1/health", noRoute: true},
		{name: "unknown path", version: lettaspec.Old, method: "GET", target: "/v1/nope/", noRoute: true},
		{name: "wrong method", version: lettaspec.Old, method: "DELETE", target: "/v1/health/", noRoute: true},
		{name: "new create mcp server", version: lettaspec.New, method: "POST", target: "/v1/mcp-servers/",
			body: `{"server_name":"odoo","config":{"mcp_server_type":"streamable_http","server_url":"https://x.example/mcp","custom_headers":{"A":"b"}}}`},
		{name: "new create mcp server rejects extra field", version: lettaspec.New, method: "POST", target: "/v1/mcp-servers/",
			body: `{"server_name":"odoo","bogus":1,"config":{"mcp_server_type":"streamable_http","server_url":"https://x.example/mcp"}}`, wantErr: "bogus"},
		{name: "new create mcp server needs config", version: lettaspec.New, method: "POST", target: "/v1/mcp-servers/",
			body: `{"server_name":"odoo"}`, wantErr: "config"},
		{name: "old put mcp server", version: lettaspec.Old, method: "PUT", target: "/v1/tools/mcp/servers",
			body: `{"server_name":"odoo","type":"streamable_http","server_url":"https://x.example/mcp","custom_headers":{"A":"b"}}`},
		{name: "literal segment beats parameter", version: lettaspec.New, method: "GET", target: "/v1/tools/mcp/servers/odoo/tools"},
		{name: "agent id pattern (new)", version: lettaspec.New, method: "GET", target: "/v1/agents/agent-1", wantErr: "pattern"},
		{name: "agent get", version: lettaspec.New, method: "GET", target: "/v1/agents/" + agentID},
		{name: "stream body needs messages on old", version: lettaspec.Old, method: "POST", target: "/v1/agents/" + agentID + "/messages/stream",
			body: `{"stream_tokens":true}`, wantErr: "messages"},
		{name: "stream body", version: lettaspec.Old, method: "POST", target: "/v1/agents/" + agentID + "/messages/stream",
			body: `{"messages":[{"role":"user","content":"hi"}],"stream_tokens":true,"include_pings":true}`},
		{name: "bad type in create agent", version: lettaspec.New, method: "POST", target: "/v1/agents/",
			body: `{"name":5}`, wantErr: "name"},
		{name: "tags query", version: lettaspec.Old, method: "GET", target: "/v1/agents/?tags=a&tags=b&match_all_tags=true&limit=100"},
		{name: "bad limit type", version: lettaspec.Old, method: "GET", target: "/v1/agents/?limit=many", wantErr: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := load(t, tt.version)
			var body *strings.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			} else {
				body = strings.NewReader("")
			}
			r := httptest.NewRequest(tt.method, tt.target, body)
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			err := v.ValidateRequest(r)
			switch {
			case tt.noRoute:
				if !errors.Is(err, lettaspec.ErrNoRoute) {
					t.Fatalf("err = %v, want ErrNoRoute", err)
				}
			case tt.wantErr == "":
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
			}
		})
	}
}

func TestValidateRequestKeepsBody(t *testing.T) {
	v := load(t, lettaspec.New)
	const b = `{"messages":[{"role":"user","content":"hi"}]}`
	r := httptest.NewRequest("POST", "/v1/agents/"+agentID+"/messages/stream", strings.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	got := new(strings.Builder)
	if _, err := io_copy(got, r); err != nil || got.String() != b {
		t.Fatalf("body after validation = %q, %v", got.String(), err)
	}
}

func TestValidateResponse(t *testing.T) {
	v := load(t, lettaspec.New)
	r := httptest.NewRequest("GET", "/v1/health/", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	if err := v.ValidateResponse(r, 200, h, []byte(`{"version":"0.16.8","status":"ok"}`)); err != nil {
		t.Fatalf("valid health: %v", err)
	}
	if err := v.ValidateResponse(r, 200, h, []byte(`{"status":"ok"}`)); err == nil {
		t.Fatal("health without version accepted")
	}
}

func TestRequireAuth(t *testing.T) {
	dir, err := lettaspec.FindDir()
	if err != nil {
		t.Skip("../shared/letta not found: Letta's OpenAPI specs live beside the checkout; see README")
	}
	v, err := lettaspec.LoadWithOptions(dir, lettaspec.Old, lettaspec.Options{RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/tools/", nil)
	if err := v.ValidateRequest(r); err == nil {
		t.Fatal("request without Authorization accepted")
	}
	r.Header.Set("Authorization", "Bearer k")
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
}

func TestForServerVersion(t *testing.T) {
	for in, want := range map[string]string{"0.11.7": lettaspec.Old, "0.12.1": lettaspec.Old, "0.13.0": lettaspec.New, "0.16.8": lettaspec.New, "1.0.0": lettaspec.New, "garbage": lettaspec.New} {
		if got := lettaspec.ForServerVersion(in); got != want {
			t.Errorf("ForServerVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func io_copy(w *strings.Builder, r *http.Request) (int64, error) {
	b, err := io.ReadAll(r.Body)
	w.Write(b)
	return int64(len(b)), err
}

func TestRejectUnknownQuery(t *testing.T) {
	dir, err := lettaspec.FindDir()
	if err != nil {
		t.Skip("../shared/letta not found: Letta's OpenAPI specs live beside the checkout; see README")
	}
	v, err := lettaspec.LoadWithOptions(dir, lettaspec.Old, lettaspec.Options{
		RejectUnknownQuery: true,
		AllowQuery:         map[string][]string{"GET /v1/agents/{agent_id}/tools": {"limit"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for target, ok := range map[string]bool{
		"/v1/tools/?limit=5&name=x":                true,
		"/v1/tools/?bogus=1":                       false,
		"/v1/agents/" + agentID + "/tools?limit=5": true,
		"/v1/agents/" + agentID + "/tools?after=x": false,
	} {
		err := v.ValidateRequest(httptest.NewRequest("GET", target, nil))
		if (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok=%v", target, err, ok)
		}
	}
	// The default validator (shared document) still ignores unknown names.
	plain, _ := lettaspec.Load(dir, lettaspec.Old)
	if err := plain.ValidateRequest(httptest.NewRequest("GET", "/v1/tools/?bogus=1", nil)); err != nil {
		t.Errorf("default validator: %v", err)
	}
}

func TestFindDirAbsent(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "pkg")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	if _, err := lettaspec.FindDir(); !errors.Is(err, lettaspec.ErrSpecsNotFound) {
		t.Fatalf("err = %v, want ErrSpecsNotFound", err)
	}
	if _, err := lettaspec.Load(filepath.Join(root, "nope"), lettaspec.New); err == nil {
		t.Fatal("Load from a missing dir succeeded")
	}
}
