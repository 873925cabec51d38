package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandlerAuthenticatesAndExposes(t *testing.T) {
	m := New()
	if _, err := m.Handler("short"); err == nil {
		t.Fatal("a short token was accepted")
	}
	h, err := m.Handler("metrics-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	m.ToolCall("odoo_record_retriever", "ok", 3*time.Millisecond)
	m.OdooRequest("search_read", "ok", time.Millisecond)
	m.OdooRequest("action_confirm_something_custom", "ok", time.Millisecond)
	m.AuthCache(true)
	m.AuthCache(false)
	m.LettaRequest("GET", 200, time.Millisecond)
	m.LettaRequest("POST", 0, time.Millisecond)
	m.StreamOpened()
	m.ThreadOperation("declare", 201)

	for _, auth := range []string{"", "Bearer wrong", "Basic metrics-token-0123456789"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%q: %d", auth, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-token-0123456789")
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`odoo_mcp_tool_calls_total{outcome="ok",tool="odoo_record_retriever"} 1`,
		`odoo_mcp_tool_call_duration_seconds_bucket{tool="odoo_record_retriever",le="0.005"} 1`,
		`odoo_mcp_odoo_requests_total{method="search_read",outcome="ok"} 1`,
		`odoo_mcp_odoo_requests_total{method="other",outcome="ok"} 1`,
		`odoo_mcp_auth_cache_total{result="hit"} 1`,
		`odoo_mcp_auth_cache_total{result="miss"} 1`,
		`odoo_mcp_letta_requests_total{method="GET",outcome="2xx"} 1`,
		`odoo_mcp_letta_requests_total{method="POST",outcome="unavailable"} 1`,
		`odoo_mcp_open_streams 1`,
		`odoo_mcp_thread_operations_total{op="declare",outcome="2xx"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestNilMetricsAreNoOps(t *testing.T) {
	var m *Metrics
	m.ToolCall("x", "ok", 0)
	m.OdooRequest("x", "ok", 0)
	m.AuthCache(true)
	m.LettaRequest("GET", 200, 0)
	m.StreamOpened()
	m.StreamClosed()
	m.ThreadOperation("x", 200)
}
