package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// HTTP label values stay bounded whatever a client sends: odd methods are
// _OTHER, no route is "unmatched", impossible statuses are _OTHER.
func TestHTTPRequestLabelsAreBounded(t *testing.T) {
	m := New()
	m.HTTPRequest("POST", "/mcp", 401, time.Millisecond)
	m.HTTPRequest("BREW", "/mcp", 405, time.Millisecond)
	m.HTTPRequest("GET", "", 404, time.Millisecond)
	m.HTTPRequest("GET", "/healthz", 0, time.Millisecond)
	h, _ := m.Handler("metrics-token-0123456789")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-token-0123456789")
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`http_server_requests_total{http_request_method="POST",http_response_status_code="401",http_route="/mcp"} 1`,
		`http_server_requests_total{http_request_method="_OTHER",http_response_status_code="405",http_route="/mcp"} 1`,
		`http_server_requests_total{http_request_method="GET",http_response_status_code="404",http_route="unmatched"} 1`,
		`http_server_requests_total{http_request_method="GET",http_response_status_code="_OTHER",http_route="/healthz"} 1`,
		`http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="401",http_route="/mcp",le="0.005"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(string(body), "BREW") {
		t.Error("an unknown method became a label value")
	}
}
