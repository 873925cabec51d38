package httpapp

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// On a listener that is not loopback, any Host is fine (a proxy's, a
// public name), but an Origin must still be the Host's own.
func TestOriginCheckedOnAPublicListener(t *testing.T) {
	e := echo.New()
	e.Use(checkHostAndOrigin)
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	public := &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 8808}
	for _, tc := range []struct {
		host, origin string
		want         int
	}{
		{"odoo-mcp.example.com", "", http.StatusOK},
		{"odoo-mcp.example.com", "https://odoo-mcp.example.com", http.StatusOK},
		{"odoo-mcp.example.com:8808", "http://odoo-mcp.example.com:8808", http.StatusOK},
		{"odoo-mcp.example.com", "https://evil.example", http.StatusForbidden},
		{"odoo-mcp.example.com", "http://localhost:6274", http.StatusForbidden},
		{"odoo-mcp.example.com", "null", http.StatusForbidden},
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Host = tc.host
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, net.Addr(public)))
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Host %q Origin %q: %d, want %d (%s)", tc.host, tc.origin, rec.Code, tc.want, rec.Body)
		}
	}
}
