package threads

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

// The thread API, mounted in the HTTP application, refuses what /mcp
// refuses: a foreign Host on a loopback listener (DNS rebinding) and a
// foreign Origin (a cross-site page using a browser's stored Basic
// credentials), before anything reaches Letta.
func TestThreadAPIChecksHostAndOrigin(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew)
	for _, tc := range []struct {
		name, method, path, host, origin, body string
		want                                   int
	}{
		{"list, own host", http.MethodGet, "/api/v1/threads", "", "", "", http.StatusOK},
		{"list, rebound host", http.MethodGet, "/api/v1/threads", "evil.example", "", "", http.StatusForbidden},
		{"models, rebound host", http.MethodGet, "/api/v1/models", "evil.example:80", "", "", http.StatusForbidden},
		{"declare, cross-site origin", http.MethodPut, "/api/v1/threads/42", "", "https://evil.example", `{"model":"` + chatModel + `"}`, http.StatusForbidden},
		{"message, null origin", http.MethodPost, "/api/v1/threads/42/messages", "", "null", `{"content":"hi"}`, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(tc.method, e.appSrv.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", admin)
		req.Header.Set("Content-Type", "application/json")
		if tc.host != "" {
			req.Host = tc.host
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
	if n := e.requests(http.MethodPost, "/v1/agents"); n != 0 {
		t.Errorf("a refused declaration created %d agents", n)
	}
}
