package fakeletta

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Letta's OpenAPI specs live next to the repository (../shared/letta); they
// are not copied into it. Tests that need them skip when they are absent.

func specFile(t *testing.T, version string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "letta", "openapi-"+version+".json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("Letta OpenAPI spec not available at %s (the ../shared directory is absent): %v", p, err)
	}
	return p
}

var (
	specMu    sync.Mutex
	specCache = map[string]*openapi3.T{}
)

func loadSpec(t *testing.T, version string) *openapi3.T {
	t.Helper()
	path := specFile(t, version)
	specMu.Lock()
	defer specMu.Unlock()
	if doc, ok := specCache[version]; ok {
		return doc
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	specCache[version] = doc
	return doc
}

// specValidator is a small kin-openapi RequestValidator (and response
// checker) for the tests.
type specValidator struct {
	router routers.Router
}

func newSpecValidator(t *testing.T, version, serverURL string) *specValidator {
	t.Helper()
	doc := *loadSpec(t, version)
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := gorillamux.NewRouter(&doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &specValidator{router: router}
}

func (v *specValidator) input(r *http.Request) *openapi3filter.RequestValidationInput {
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return nil // not in the spec: let the fake answer (404/405/redirect)
	}
	return &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
}

func (v *specValidator) ValidateRequest(r *http.Request) error {
	in := v.input(r)
	if in == nil {
		return nil
	}
	return openapi3filter.ValidateRequest(r.Context(), in)
}

// validatingProxy is an http.Handler in front of the fake that validates
// every response it produces against the spec.
type validatingProxy struct {
	t         *testing.T
	v         *specValidator
	fake      http.Handler
	mu        sync.Mutex
	issues    []string
	validated int
}

func (p *validatingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: http.Header{}}
	p.fake.ServeHTTP(rec, r)
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())

	r.Body = io.NopCloser(bytes.NewReader(body))
	in := p.v.input(r)
	if in == nil || rec.status >= 300 || strings.HasPrefix(rec.header.Get("Content-Type"), "text/event-stream") {
		return
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.status, Header: rec.header,
		Body:    io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.validated++
	if err != nil {
		p.issues = append(p.issues, fmt.Sprintf("%s %s: %v", r.Method, r.URL.Path, err))
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Flush() {}

// TestSpecValidation plugs a kin-openapi validator into the fake: a body
// that breaks the spec gets Letta's 422, and the fake's answers to valid
// requests conform to the spec's response schemas.
func TestSpecValidation(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			specFile(t, v)
			proxy := &validatingProxy{t: t}
			srv := httptest.NewUnstartedServer(proxy)
			validator := newSpecValidator(t, v, "http://"+srv.Listener.Addr().String())
			fake := New(Options{Version: v, AllowPrivateURLs: true, Validator: validator})
			proxy.v, proxy.fake = validator, fake
			srv.Start()
			t.Cleanup(srv.Close)
			h := &harness{t: t, fake: fake, srv: srv, client: srv.Client()}

			// A body the spec rejects: messages must be an array.
			id := h.createAgent(map[string]any{"name": "spec", "tags": []any{"t"}, "memory_blocks": []any{map[string]any{"label": "human", "value": "x"}}})
			// max_steps is not checked by the fake itself: only the validator does.
			body := streamBody("hello")
			body["max_steps"] = "lots"
			r := h.expect(422, "POST", "/v1/agents/"+id+"/messages/stream", body)
			if v == VersionOld {
				issue := r.obj(t)["detail"].([]any)[0].(map[string]any)
				if fmt.Sprint(issue["loc"]) != "[body max_steps]" || issue["msg"] != "got string, want integer" ||
					issue["type"] != "value_error" || issue["input"] != "lots" {
					t.Errorf("OLD 422 issue %v", issue)
				}
				// The FastAPI shape of a missing field, exactly.
				r = h.expect(422, "POST", "/v1/agents/"+id+"/messages/stream", map[string]any{})
				if string(r.body) != `{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required","input":{}}]}` {
					t.Errorf("OLD missing messages: %s", r.body)
				}
			} else {
				body := r.obj(t)
				if _, ok := body["trace_id"]; !ok || body["detail"] != "[{'type': 'value_error', 'loc': ('body', 'max_steps'), 'msg': 'got string, want integer', 'input': 'lots'}]" {
					t.Errorf("NEW 422 %s", r.body)
				}
			}
			h.expect(422, "PATCH", "/v1/agents/"+id, map[string]any{"tags": "not-a-list"})

			// Valid traffic passes the validator and answers per the spec.
			_, url, _ := newTestMCP(t)
			ids := registerOdoo(t, h, url, "echo")
			h.expect(200, "PATCH", "/v1/agents/"+id+"/tools/attach/"+ids["echo"], nil)
			h.expect(200, "GET", "/v1/agents/"+id, nil)
			h.expect(200, "GET", "/v1/agents/?tags=t&match_all_tags=true&limit=5", nil)
			h.expect(200, "PATCH", "/v1/agents/"+id, map[string]any{"name": "renamed", "tool_exec_environment_variables": map[string]any{"A": "b"}})
			h.expect(200, "GET", "/v1/agents/"+id+"/tools", nil)
			h.expect(200, "GET", "/v1/tools/?name=echo", nil)
			h.expect(200, "GET", "/v1/models/", nil)
			h.expect(200, "GET", "/v1/models/embedding", nil)
			h.expect(200, "GET", "/v1/health/", nil)
			h.expect(200, "GET", "/v1/tools/mcp/servers", nil)
			h.expect(200, "GET", "/v1/tools/mcp/servers/odoo/tools", nil)
			h.expect(200, "POST", "/v1/agents/"+id+"/messages", streamBody(`call echo {"text":"x"}`))
			h.expect(200, "POST", "/v1/agents/"+id+"/messages/stream", streamBody(`call echo {"text":"x"}`))
			h.expect(200, "PUT", "/v1/tools/mcp/servers", map[string]any{"server_name": "second", "type": "streamable_http", "server_url": url, "custom_headers": map[string]any{"X-Key": "{{ KEY | k }}"}})
			h.expect(200, "PATCH", "/v1/tools/mcp/servers/second", map[string]any{"server_url": url})
			h.expect(200, "POST", "/v1/tools/mcp/servers/second/echo", nil)
			h.expect(200, "DELETE", "/v1/tools/mcp/servers/second", nil)
			h.expect(200, "GET", "/v1/blocks/"+fake.Blocks()[0].ID+"/agents?order=asc&limit=10", nil)
			if v == VersionNew {
				h.expect(200, "POST", "/v1/agents/"+id+"/recompile?dry_run=true", nil)
				h.expect(200, "GET", "/v1/mcp-servers/", nil)
				sid := h.expect(200, "POST", "/v1/mcp-servers/", map[string]any{"server_name": "third", "config": map[string]any{
					"mcp_server_type": "streamable_http", "server_url": url, "auth_header": "Authorization", "auth_token": "Bearer tok",
				}}).obj(t)["id"].(string)
				h.expect(200, "GET", "/v1/mcp-servers/"+sid, nil)
				h.expect(200, "GET", "/v1/mcp-servers/"+sid+"/tools", nil)
				h.expect(200, "PATCH", "/v1/mcp-servers/"+sid+"/refresh", nil)
				h.expect(200, "PATCH", "/v1/mcp-servers/"+sid, map[string]any{"config": map[string]any{"mcp_server_type": "streamable_http", "server_url": url}})
				h.expect(204, "DELETE", "/v1/mcp-servers/"+sid, nil)
			}
			h.expect(200, "DELETE", "/v1/agents/"+id, nil)
			if proxy.validated < 18 {
				t.Errorf("only %d responses were validated", proxy.validated)
			}
			for _, issue := range proxy.issues {
				t.Errorf("response does not match the spec: %s", issue)
			}
		})
	}
}
