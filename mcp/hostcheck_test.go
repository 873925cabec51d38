package mcp

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// Every route, /mcp, the thread API (mounted later by another package)
// and the health routes, refuses a foreign Host on a loopback listener
// (DNS rebinding) and a foreign Origin anywhere.
func TestHostAndOriginCheckedOnEveryRoute(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) {
		c.App.Threads = stubThreads{}
	})
	port := s.mcp.Listener.Addr().(*net.TCPAddr).Port
	self := s.mcp.Listener.Addr().String()
	admin := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	for _, path := range []string{"/mcp", "/api/v1/threads", "/healthz", "/readyz"} {
		for _, tc := range []struct {
			host, origin string
			want         int
		}{
			{"", "", 0}, // the listener's own address: allowed
			{"localhost:" + strconv.Itoa(port), "", 0},
			{"evil.example", "", http.StatusForbidden},
			{"evil.example:" + strconv.Itoa(port), "", http.StatusForbidden},
			{"", "http://evil.example", http.StatusForbidden},
			{"", "http://evil.example:" + strconv.Itoa(port), http.StatusForbidden},
			{"", "null", http.StatusForbidden},
			{"", "http://" + self, 0},        // same origin
			{"", "http://localhost:6274", 0}, // a local tool, on a loopback listener
			{"", "http://[::1]:6274", 0},     // the same over IPv6
		} {
			method, body := http.MethodGet, ""
			if path == "/mcp" {
				method, body = http.MethodPost, initializeBody
			}
			req, _ := http.NewRequest(method, s.mcp.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Authorization", admin)
			if tc.host != "" {
				req.Host = tc.host
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if tc.want == 0 && resp.StatusCode == http.StatusForbidden || tc.want != 0 && resp.StatusCode != tc.want {
				t.Errorf("%s %s Host %q Origin %q: %d, want %v", method, path, tc.host, tc.origin, resp.StatusCode, map[bool]string{true: "403", false: "not 403"}[tc.want != 0])
			}
		}
	}
}
