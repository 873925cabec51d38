package mcp

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/metrics"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

const metricsToken = "metrics-token-0123456789"

// metricsStack is the HTTP application with real metrics, as serve wires it.
func metricsStack(t *testing.T, rate *limits.Rate) (mcpURL string, scrape func() string) {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0"})
	odooSrv := httptest.NewServer(fake)
	t.Cleanup(odooSrv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	ep := New(Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{}), Version: "test", Metrics: m})
	h, err := m.Handler(metricsToken)
	if err != nil {
		t.Fatal(err)
	}
	app := appFor(ep, httpapp.Config{Metrics: m, MetricsHandler: h, Rate: rate})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return srv.URL, func() string {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+metricsToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
}

func postTo(t *testing.T, url, authorization, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Tool names a caller makes up never become label values: unknown names
// share one fixed value, so /metrics cannot be grown by a caller.
func TestUnknownToolNamesShareOneMetricLabel(t *testing.T) {
	url, scrape := metricsStack(t, nil)
	auth := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	names := []string{"nope_one", "nope_two", strings.Repeat("x", 10000)}
	for i, name := range names {
		postTo(t, url+"/mcp", auth, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, i+1, name))
	}
	postTo(t, url+"/mcp", auth, `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.country","fields":["name"],"limit":1}}}`)
	body := scrape()
	for _, name := range names {
		if strings.Contains(body, name) {
			t.Errorf("tool name %.20q became a label value", name)
		}
	}
	for _, want := range []string{
		`odoo_mcp_tool_call_duration_seconds_count{tool="unknown"} 3`,
		`odoo_mcp_tool_call_duration_seconds_count{tool="odoo_record_retriever"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^odoo_mcp_tool_calls_total\{`).FindAllString(body, -1)); n != 2 {
		t.Errorf("%d tool call series, want 2 (unknown and the retriever)", n)
	}
}

// Every HTTP request is counted and timed by route pattern, method and
// status: successes, 401s and 429s alike.
func TestHTTPRequestsAreCountedByRouteMethodAndStatus(t *testing.T) {
	url, scrape := metricsStack(t, limits.NewRate(1, 1))
	good := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	if c := postTo(t, url+"/mcp", good, list); c != http.StatusOK {
		t.Fatalf("first call: %d", c)
	}
	if c := postTo(t, url+"/mcp", good, list); c != http.StatusTooManyRequests {
		t.Fatalf("second call past a burst of 1: %d", c)
	}
	if c := postTo(t, url+"/mcp", "", list); c != http.StatusUnauthorized {
		t.Fatalf("no credential: %d", c)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(url + "/no/such/route/" + strings.Repeat("z", 50))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	body := scrape()
	for _, want := range []string{
		`http_server_requests_total{http_request_method="POST",http_response_status_code="200",http_route="/mcp"} 1`,
		`http_server_requests_total{http_request_method="POST",http_response_status_code="429",http_route="/mcp"} 1`,
		`http_server_requests_total{http_request_method="POST",http_response_status_code="401",http_route="/mcp"} 1`,
		`http_server_requests_total{http_request_method="GET",http_response_status_code="200",http_route="/healthz"} 1`,
		`http_server_requests_total{http_request_method="GET",http_response_status_code="404",http_route="unmatched"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="401",http_route="/mcp"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="429",http_route="/mcp"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/mcp"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, "zzzz") {
		t.Error("a raw URL became a label value")
	}
}
