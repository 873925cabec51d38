package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestMetrics: /metrics needs its token and counts what happened.
func TestMetrics(t *testing.T) {
	_, srv := odooFor(t, "18.0")
	const token = "metrics-token-for-e2e-0123"
	p := startBinary(t, odooEnv(srv, "ODOO_MCP_METRICS_TOKEN="+token))
	cs, err := connectMCP(t, p, basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if err != nil {
		t.Fatal(err)
	}
	callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1})
	callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "no.such.model", "fields": []string{"name"}})

	get := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", code)
	}
	if code, _ := get("Bearer wrong-token-wrong-token"); code != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong token: %d", code)
	}
	code, body := get("Bearer " + token)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`odoo_mcp_tool_calls_total{outcome="ok",tool="odoo_record_retriever"} 1`,
		`odoo_mcp_tool_calls_total{outcome="error",tool="odoo_record_retriever"} 1`,
		`odoo_mcp_odoo_requests_total{method="search_read",outcome="ok"} 1`,
		`odoo_mcp_odoo_requests_total{method="search_read",outcome="odoo_error"} 1`,
		`odoo_mcp_odoo_requests_total{method="common.authenticate",outcome="ok"} 1`,
		`odoo_mcp_auth_cache_total{result="miss"}`,
		`odoo_mcp_auth_cache_total{result="hit"}`,
		`odoo_mcp_tool_call_duration_seconds_count{tool="odoo_record_retriever"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(p.Logs(), token) {
		t.Error("the metrics token is logged")
	}
}
