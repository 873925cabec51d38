package mcp

import (
	"net/http"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// A Basic credential whose key holds a control character is a 401
// (malformed), not a 503 "Odoo unreachable", and Odoo is not asked.
func TestControlCharacterInKeyIs401(t *testing.T) {
	for _, version := range []string{"18.0", "19.0"} {
		for _, c := range []string{"\n", "\r", "\x00", "\x7f"} {
			s := newStack(t, version, nil)
			s.fake.ResetCounters()
			resp := s.post(t, basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey+c), initializeBody)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Retry-After") != "" {
				t.Errorf("%s %q: status %d, Retry-After %q; want 401 without Retry-After", version, c, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if n := s.fake.Requests(); n != 0 {
				t.Errorf("%s %q: Odoo was asked %d times", version, c, n)
			}
		}
	}
}
