package mcp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

type stack struct {
	endpoint *Endpoint
	fake     *fakeodoo.Server
	odoo     *httptest.Server
	mcp      *httptest.Server
}

func newStack(t *testing.T, version string, mutate func(*testConfig)) *stack {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	odooSrv := httptest.NewServer(fake)
	t.Cleanup(odooSrv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig{Config: Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{}), Version: "test"}}
	cfg.Ready = readyOf(func(ctx context.Context) error { _, err := client.Version(ctx); return err })
	if mutate != nil {
		mutate(&cfg)
	}
	ep := New(cfg.Config)
	app := testApp(ep, cfg)
	mcpSrv := httptest.NewServer(app)
	t.Cleanup(mcpSrv.Close)
	return &stack{endpoint: ep, fake: fake, odoo: odooSrv, mcp: mcpSrv}
}

func basicHeader(login, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
}

// headerTransport adds headers to every request, as Letta or a proxy would.
type headerTransport struct{ header http.Header }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.header {
		r.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (s *stack) connect(t *testing.T, authorization string) (*gomcp.ClientSession, error) {
	t.Helper()
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	transport := &gomcp.StreamableClientTransport{Endpoint: s.mcp.URL + "/mcp", HTTPClient: &http.Client{Transport: headerTransport{h}}}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "test", Version: "v0"}, nil).Connect(context.Background(), transport, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

func (s *stack) post(t *testing.T, authorization, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.mcp.URL+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func TestCredentialsPerVersion(t *testing.T) {
	for _, tc := range []struct {
		version, header string
		ok              bool
	}{
		{"18.0", basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey), true},
		{"18.0", "Bearer " + fakeodoo.AdminKey, false},
		{"19.0", basicHeader(fakeodoo.DemoLogin, fakeodoo.DemoKey), true},
		{"19.0", "Bearer " + fakeodoo.AdminKey, true},
		{"19.0", "Bearer nope", false},
	} {
		s := newStack(t, tc.version, nil)
		cs, err := s.connect(t, tc.header)
		if (err == nil) != tc.ok {
			t.Fatalf("%s %.20s: connect err %v, want ok=%v", tc.version, tc.header, err, tc.ok)
		}
		if !tc.ok {
			continue
		}
		list, err := cs.ListTools(context.Background(), nil)
		if err != nil || len(list.Tools) != 7 {
			t.Fatalf("%s: tools/list %v %v", tc.version, list, err)
		}
		res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
			Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 2}})
		if err != nil || res.IsError {
			t.Fatalf("%s: retriever %v %v", tc.version, res, err)
		}
	}
}

func TestUnauthenticatedRequestsGet401(t *testing.T) {
	s := newStack(t, "18.0", nil)
	for _, header := range []string{"", "Bearer " + fakeodoo.AdminKey, basicHeader("admin", "wrong"), "Digest abc"} {
		resp := s.post(t, header, initializeBody)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized || len(resp.Header.Values("WWW-Authenticate")) == 0 {
			t.Errorf("%q: %d %v", header, resp.StatusCode, resp.Header)
		}
		if header == "Bearer "+fakeodoo.AdminKey && !strings.Contains(string(body), "Basic base64(login:api_key)") {
			t.Errorf("bare key on 18: %s", body)
		}
		if strings.Contains(string(body), fakeodoo.AdminKey) {
			t.Errorf("the key is echoed: %s", body)
		}
	}
	// tools/list needs a credential too.
	if resp := s.post(t, "", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tools/list without credential: %d", resp.StatusCode)
	}
}

func TestOdooDownIs503(t *testing.T) {
	s := newStack(t, "18.0", nil)
	s.odoo.Close()
	resp := s.post(t, basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey), initializeBody)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d", resp.StatusCode)
	}
	r, err := http.Get(s.mcp.URL + "/readyz")
	if err != nil || r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz: %v %v", r.StatusCode, err)
	}
	r, _ = http.Get(s.mcp.URL + "/healthz")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", r.StatusCode)
	}
}

func TestPublicToolList(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) { c.PublicToolList = true })
	// Letta lists tools with the literal template default.
	cs, err := s.connect(t, "Bearer system-api-key")
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil || len(list.Tools) != 7 {
		t.Fatalf("public list: %v %v", list, err)
	}
	// A tool call still needs a credential: refused before the SDK.
	resp := s.post(t, "Bearer system-api-key", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner"}}}`)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("tools/call with placeholder: %d", resp.StatusCode)
	}
	resp = s.post(t, "", `[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]`)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("batch smuggling a call: %d", resp.StatusCode)
	}
}

func TestReadOnlyMode(t *testing.T) {
	s := newStack(t, "19.0", func(c *testConfig) { c.Policy = tools.Policy{ReadOnly: true} })
	cs, err := s.connect(t, "Bearer "+fakeodoo.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := cs.ListTools(context.Background(), nil)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != "odoo_model_inspector,odoo_record_aggregator,odoo_record_retriever" {
		t.Fatalf("read-only list: %v", names)
	}
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_unlinker", Arguments: map[string]any{"model": "res.partner", "domain": []any{}}})
	if err == nil && !res.IsError {
		t.Fatal("unlinker ran in read-only mode")
	}
}

func TestWarmToolCallIsOneOdooRequest(t *testing.T) {
	s := newStack(t, "18.0", nil)
	cs, err := s.connect(t, basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 5}
	if _, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever", Arguments: args}); err != nil {
		t.Fatal(err)
	}
	s.fake.ResetCounters()
	for range 10 {
		res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever", Arguments: args})
		if err != nil || res.IsError {
			t.Fatal(res, err)
		}
	}
	if n := s.fake.Requests(); n != 10 {
		t.Fatalf("10 warm retriever calls made %d Odoo requests, want 10", n)
	}
	var calls []string
	for _, c := range s.fake.Calls() {
		calls = append(calls, c.Model+"."+c.Method)
	}
	if strings.Count(strings.Join(calls, " "), "res.partner.search_read") != 10 {
		t.Fatalf("calls: %v", calls)
	}
}

func TestResultsAreJSON(t *testing.T) {
	s := newStack(t, "18.0", nil)
	resp := s.post(t, basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey),
		`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.country","fields":["name","code"],"limit":1}}}`)
	body, _ := io.ReadAll(resp.Body)
	// Stateless SSE: one event carrying the JSON-RPC response.
	i := strings.Index(string(body), "data: ")
	if resp.StatusCode != 200 || i < 0 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var msg struct {
		Result gomcp.CallToolResult `json:"result"`
	}
	line := strings.SplitN(string(body)[i+6:], "\n", 2)[0]
	if err := json.Unmarshal([]byte(line), &msg); err != nil {
		t.Fatal(err)
	}
	text := msg.Result.Content[0].(*gomcp.TextContent).Text
	var parsed map[string]any
	if err := json.Unmarshal([]byte(text), &parsed); err != nil || strings.Contains(text, "'") && strings.Contains(text, "True") {
		t.Fatalf("text is not JSON: %s", text)
	}
	if msg.Result.StructuredContent == nil {
		t.Fatal("no structuredContent")
	}
}

func TestRateLimitPerUser(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) { c.Rate = limits.NewRate(0.001, 2) })
	admin := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	for i := range 2 {
		if resp := s.post(t, admin, initializeBody); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := s.post(t, admin, initializeBody)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %v", resp.StatusCode, resp.Header)
	}
	// Another user has a bucket of their own.
	if resp := s.post(t, basicHeader(fakeodoo.DemoLogin, fakeodoo.DemoKey), initializeBody); resp.StatusCode != http.StatusOK {
		t.Fatalf("demo user limited by admin's traffic: %d", resp.StatusCode)
	}
	// Wrong credentials are refused before the limiter: no bucket for strangers.
	if resp := s.post(t, basicHeader("admin", "wrong"), initializeBody); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d", resp.StatusCode)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer = lockedbuf.Buffer

// TestAuditLine: one structured line per tool call with who, tool, model,
// records touched, outcome and duration; never values or secrets.
func TestAuditLine(t *testing.T) {
	logs := &syncBuffer{}
	s := newStack(t, "18.0", func(c *testConfig) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	auth := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	cs, err := s.connect(t, auth)
	if err != nil {
		t.Fatal(err)
	}
	secretValue := "Very Private Name 4711"
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_creator",
		Arguments: map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": secretValue}}}})
	if err != nil || res.IsError {
		t.Fatal(res, err)
	}
	cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
		Arguments: map[string]any{"model": "no.such.model", "fields": []string{"name"}}})

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "tool call" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d audit lines:\n%s", len(lines), logs.String())
	}
	created := lines[0]
	if created["tool"] != "odoo_record_creator" || created["model"] != "res.partner" || created["outcome"] != "ok" ||
		created["db"] != s.fake.DB() || created["uid"] != float64(fakeodoo.AdminUID) || created["records"] != float64(1) {
		t.Errorf("creator audit line: %v", created)
	}
	// Durations in milliseconds, the unit in the key (not bare nanoseconds).
	if ms, ok := created["duration_ms"].(float64); !ok || ms <= 0 || ms > 60000 || created["duration"] != nil {
		t.Errorf("creator audit line's duration: %v", created)
	}
	if ids, _ := created["record_ids"].([]any); len(ids) != 1 {
		t.Errorf("record ids: %v", created["record_ids"])
	}
	if lines[1]["outcome"] != "error" || lines[1]["model"] != "no.such.model" {
		t.Errorf("failed call audit line: %v", lines[1])
	}
	all := logs.String()
	for _, secret := range []string{secretValue, fakeodoo.AdminKey, auth} {
		if strings.Contains(all, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// TestListingTokenCannotCallTools: the token Letta uses to list tools (the
// default of its header template) lists all tools and runs none.
func TestListingTokenCannotCallTools(t *testing.T) {
	var tokens *auth.Tokens
	s := newStack(t, "18.0", func(c *testConfig) {
		var err error
		tokens, err = auth.NewTokens("listing-test-signing-key-0123456789abcdef", "odoo", 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		client := c.Odoo.(*odoorpc.Client)
		c.Auth = auth.NewAuthenticator(client, auth.Options{Tokens: tokens})
	})
	cs, err := s.connect(t, "Bearer "+tokens.ListingToken())
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil || len(list.Tools) != 7 {
		t.Fatalf("listing: %v %v", list, err)
	}
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
		Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*gomcp.TextContent).Text, "can list tools but not call them") {
		t.Fatalf("tool call with the listing token: %v %v", res, err)
	}
	if n := s.fake.Requests(); n != 0 {
		t.Fatalf("the listing token reached Odoo %d times", n)
	}
}

// countingAuth counts credential checks.
type countingAuth struct {
	Authenticator
	n atomic.Int64
}

func (c *countingAuth) Authenticate(ctx context.Context, header string) (*auth.Identity, error) {
	c.n.Add(1)
	return c.Authenticator.Authenticate(ctx, header)
}

// One tool call checks its caller once, at the edge, stateless or in a
// stateful session; and in a stateful session each request runs as the
// credential it carries, not the session's first.
func TestCallerResolvedOnce(t *testing.T) {
	for _, stateful := range []bool{false, true} {
		var counter *countingAuth
		s := newStack(t, "18.0", func(c *testConfig) {
			counter = &countingAuth{Authenticator: c.Auth}
			c.Auth, c.Stateful = counter, stateful
		})
		cs, err := s.connect(t, basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey))
		if err != nil {
			t.Fatal(err)
		}
		counter.n.Store(0)
		res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
			Arguments: map[string]any{"model": "res.users", "domain": []any{[]any{"id", "=", fakeodoo.AdminUID}}, "fields": []string{"login"}}})
		if err != nil || res.IsError {
			t.Fatalf("stateful=%v: call: %v %+v", stateful, err, res)
		}
		if n := counter.n.Load(); n != 1 {
			t.Errorf("stateful=%v: one tool call checked its credential %d times, want 1", stateful, n)
		}
	}
}

// In a stateful session, each request runs as the credential it carries:
// the SDK runs handlers under the session's first request's context, and
// the identity must not come from there.
func TestStatefulSessionCallerPerRequest(t *testing.T) {
	logs := &syncBuffer{}
	s := newStack(t, "18.0", func(c *testConfig) {
		c.Stateful = true
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	admin := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	demo := basicHeader(fakeodoo.DemoLogin, fakeodoo.DemoKey)
	send := func(authorization, session, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, s.mcp.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", authorization)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	init := send(admin, "", initializeBody)
	session := init.Header.Get("Mcp-Session-Id")
	if init.StatusCode != http.StatusOK || session == "" {
		t.Fatalf("initialize: %d, session %q", init.StatusCode, session)
	}
	io.Copy(io.Discard, init.Body)
	send(admin, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	resp := send(demo, session, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","fields":["name"],"limit":1}}}`)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "records") {
		t.Fatalf("tools/call: %d %s", resp.StatusCode, body)
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line["msg"] == "tool call" {
			break
		}
	}
	if line["msg"] != "tool call" || line["uid"] != float64(fakeodoo.DemoUID) {
		t.Errorf("the call did not run as the demo user who sent it (uid %d); audit line: %v", fakeodoo.DemoUID, line)
	}
}
