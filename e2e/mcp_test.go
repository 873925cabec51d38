package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// odooFor starts a fake Odoo of one version in this process.
func odooFor(t *testing.T, version string) (*fakeodoo.Server, *httptest.Server) {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version, DB: "e2e"})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv
}

func odooEnv(srv *httptest.Server, extra ...string) []string {
	return append([]string{"ODOO_URL=" + srv.URL, "ODOO_DB=e2e"}, extra...)
}

func callTool(t *testing.T, cs *gomcp.ClientSession, name string, args map[string]any) *gomcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func structured(t *testing.T, res *gomcp.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool error: %v", res.Content[0].(*gomcp.TextContent).Text)
	}
	var m map[string]any
	text := res.Content[0].(*gomcp.TextContent).Text
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("text is not JSON: %q", text)
	}
	return m
}

// TestAllSixToolsOverHTTP lists and calls every tool through the built
// binary, on an Odoo-18-style and an Odoo-19-style server, with each
// credential form that version accepts.
func TestAllSixToolsOverHTTP(t *testing.T) {
	for _, tc := range []struct {
		version string
		auth    string
	}{
		{"18.0", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)},
		{"19.0", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)},
		{"19.0", "Bearer " + fakeodoo.AdminKey},
	} {
		t.Run(tc.version+" "+strings.Fields(tc.auth)[0], func(t *testing.T) {
			fake, srv := odooFor(t, tc.version)
			p := startBinary(t, odooEnv(srv))
			cs, err := connectMCP(t, p, tc.auth)
			if err != nil {
				t.Fatal(err)
			}
			// The go-sdk client speaks 2026-07-28 to the stateless binary.
			if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
				t.Errorf("negotiated protocol %s, want 2026-07-28", v)
			}
			list, err := cs.ListTools(context.Background(), nil)
			if err != nil || len(list.Tools) != 7 {
				t.Fatalf("tools/list: %v %v", list, err)
			}
			if list.CacheScope != "private" || list.TTLMs <= 0 {
				t.Errorf("tools/list cacheScope %q ttlMs %d", list.CacheScope, list.TTLMs)
			}
			for _, tool := range list.Tools {
				if tool.OutputSchema == nil || tool.Annotations == nil {
					t.Errorf("%s lacks an output schema or annotations", tool.Name)
				}
			}

			ins := structured(t, callTool(t, cs, "odoo_model_inspector", map[string]any{"model": "res.partner", "field_limit": 5}))
			if ins["field_count"] != float64(5) {
				t.Errorf("inspector: %v", ins)
			}
			created := structured(t, callTool(t, cs, "odoo_record_creator", map[string]any{"model": "res.partner",
				"fields": []any{map[string]any{"field": "name", "value": "E2E Partner"}, map[string]any{"field": "is_company", "value": true}}}))
			id := created["id"].(float64)
			got := structured(t, callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "res.partner",
				"domain": []any{"|", []any{"id", "=", id}, []any{"name", "=", "nobody"}}, "fields": []string{"name", "is_company"}}))
			if got["count"] != float64(1) || got["records"].([]any)[0].(map[string]any)["name"] != "E2E Partner" {
				t.Fatalf("retriever: %v", got)
			}
			upd := structured(t, callTool(t, cs, "odoo_record_updater", map[string]any{"model": "res.partner",
				"domain": []any{[]any{"id", "=", id}}, "values": []any{map[string]any{"field": "phone", "value": "+32 2 000 00 00"}}}))
			if upd["count"] != float64(1) {
				t.Fatalf("updater: %v", upd)
			}
			exe := structured(t, callTool(t, cs, "odoo_model_method_executor", map[string]any{"model": "res.partner",
				"method": "search_count", "kwargs": []any{map[string]any{"name": "domain", "value": []any{[]any{"phone", "=", "+32 2 000 00 00"}}}}}))
			if exe["result"] != float64(1) {
				t.Fatalf("executor: %v", exe)
			}
			// Totals by month and salesperson for one company, and a
			// custom method's positional args (mapped on 19's JSON-2).
			agg := structured(t, callTool(t, cs, "odoo_record_aggregator", map[string]any{"model": "sale.order",
				"group_by": []string{"date_order:month", "user_id"}, "aggregates": []string{"amount_total:sum"}, "context": map[string]any{"company_id": 1}}))
			if gs := agg["groups"].([]any); len(gs) < 3 || gs[0].(map[string]any)["domain"] == nil {
				t.Fatalf("aggregator: %v", agg)
			}
			addr := structured(t, callTool(t, cs, "odoo_model_method_executor", map[string]any{"model": "res.partner",
				"method": "address_get", "record_ids": []int{7}, "args": []any{[]any{"invoice"}}}))
			if addr["result"].(map[string]any)["invoice"] != float64(11) {
				t.Fatalf("address_get: %v", addr)
			}
			del := structured(t, callTool(t, cs, "odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "=", id}}}))
			if del["deleted_count"] != float64(1) {
				t.Fatalf("unlinker: %v", del)
			}
			// Odoo's refusal comes back as a short isError result.
			res := callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "no.such.model", "fields": []string{"name"}})
			if text := res.Content[0].(*gomcp.TextContent).Text; !res.IsError || strings.Contains(text, "Traceback") {
				t.Fatalf("unknown model: %v %q", res.IsError, text)
			}
			if fake.Requests() == 0 {
				t.Fatal("the fake Odoo saw no request")
			}
			// No secret in any log line.
			if logs := p.Logs(); strings.Contains(logs, fakeodoo.AdminKey) || strings.Contains(logs, tc.auth) {
				t.Fatal("a credential appears in the logs")
			}
		})
	}
}

func postMCP(t *testing.T, p *process, authorization, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`

func TestCredentialFailures(t *testing.T) {
	_, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv))
	for _, tc := range []struct {
		name, auth string
		status     int
		says       string
	}{
		{"missing", "", 401, "missing Authorization"},
		{"wrong key", basicAuth(fakeodoo.AdminLogin, "0123456789abcdef0123456789abcdef01234567"), 401, "invalid credentials"},
		{"bare key on 18", "Bearer " + fakeodoo.AdminKey, 401, "Basic base64(login:api_key)"},
		{"garbage", "Basic ???", 401, "malformed"},
	} {
		resp, body := postMCP(t, p, tc.auth, initialize)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	if _, err := connectMCP(t, p, ""); err == nil {
		t.Error("an MCP client connected without credentials")
	}
}

func TestRevokedKeyStopsAfterTTL(t *testing.T) {
	fake, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv, "ODOO_MCP_AUTH_CACHE_TTL=300ms", "ODOO_MCP_AUTH_FAILURE_TTL=100ms"))
	key := fakeodoo.DemoKey
	auth := basicAuth(fakeodoo.DemoLogin, key)
	if resp, body := postMCP(t, p, auth, initialize); resp.StatusCode != 200 {
		t.Fatalf("before revocation: %d %s", resp.StatusCode, body)
	}
	fake.RevokeKey(key)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ := postMCP(t, p, auth, initialize)
		if resp.StatusCode == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a revoked key still works: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOdooDown(t *testing.T) {
	_, srv := odooFor(t, "19.0")
	p := startBinary(t, odooEnv(srv))
	srv.Close()
	resp, body := postMCP(t, p, "Bearer "+fakeodoo.AdminKey, initialize)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Odoo is not reachable") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	r, err := http.Get(p.URL + "/readyz")
	if err != nil || r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz: %v", err)
	}
}

func TestReadOnlyMode(t *testing.T) {
	_, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv), "--read-only")
	cs, err := connectMCP(t, p, basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if err != nil {
		t.Fatal(err)
	}
	list, _ := cs.ListTools(context.Background(), nil)
	if len(list.Tools) != 3 {
		t.Fatalf("read-only lists %d tools", len(list.Tools))
	}
	res := callTool(t, cs, "odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": "x"}}})
	if !res.IsError {
		t.Fatal("creator ran in read-only mode")
	}
}

func TestBadConfigurationExits2(t *testing.T) {
	bin := buildBinary(t)
	for _, args := range [][]string{
		{"serve"},
		{"serve", "--odoo-url", "http://x", "--odoo-db", "d", "--odoo-protocol", "soap"},
		{"serve", "--demo", "--listen", "nowhere"},
		{"bogus"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"PATH=/usr/bin"}
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || len(out) == 0 {
			t.Errorf("%v: exit %v, output %q", args, err, out)
		}
	}
}

func TestDemoMode(t *testing.T) {
	p := startBinary(t, nil, "--demo", "--demo-version", "19.0")
	if !strings.Contains(p.Stdout(), "/mcp") || !strings.Contains(p.Stdout(), "inspector") {
		t.Fatalf("demo banner: %s", p.Stdout())
	}
	cs, err := connectMCP(t, p, "Bearer "+fakeodoo.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	out := structured(t, callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{[]any{"is_company", "=", true}}, "limit": 3}))
	if out["count"] != float64(3) || out["has_more"] != true {
		t.Fatalf("demo retriever: %v", out)
	}
}

// TestAttachmentCapSetting: ODOO_MCP_MAX_ATTACHMENT_BYTES reaches the
// resources (a file above it is refused with its size and the setting)
// and the creator.
func TestAttachmentCapSetting(t *testing.T) {
	_, srv := odooFor(t, "19.0")
	p := startBinary(t, append(odooEnv(srv), "ODOO_MCP_MAX_ATTACHMENT_BYTES=20"))
	cs, err := connectMCP(t, p, "Bearer "+fakeodoo.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.ReadResource(context.Background(), &gomcp.ReadResourceParams{URI: "odoo://ir.attachment/2/content"})
	if err == nil || !strings.Contains(err.Error(), "is 43 bytes, above odoo-mcp's limit of 20 bytes for attachment content (ODOO_MCP_MAX_ATTACHMENT_BYTES)") {
		t.Errorf("read above the cap: %v", err)
	}
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_creator", Arguments: map[string]any{
		"model": "ir.attachment", "fields": []any{map[string]any{"field": "name", "value": "big.txt"},
			map[string]any{"field": "datas", "value": "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIz"}}}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*gomcp.TextContent).Text, "above odoo-mcp's limit of 20 bytes") {
		t.Errorf("create above the cap: %v %v", res, err)
	}
}
