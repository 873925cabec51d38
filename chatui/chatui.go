// Package chatui serves the page to chat in, at /chat: plain HTML, CSS and
// JavaScript embedded in the binary (no CDN, no build step). The page talks
// to the thread API with the user's Odoo login and API key, or (OAuth on)
// with OAuth tokens for the thread API got through "Sign in with Odoo" as
// the built-in client odoo-mcp-chat; either is kept in the browser's
// sessionStorage (gone when the tab closes).
package chatui

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// csp allows nothing but this origin: no inline script or style, no
// framing, fetches to this origin only (the thread API, and with OAuth its
// metadata, token and revocation endpoints). "Sign in with Odoo" needs
// nothing more: the page goes to the authorization endpoint by navigating
// (not a form: form-action stays 'none'), and the page only offers it
// when the authorization server is this same origin.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves GET /chat (a redirect to /chat/) and the page's files
// under /chat/; mount it for both.
func Handler() http.Handler {
	sub, _ := fs.Sub(static, "static")
	files := http.StripPrefix("/chat/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case r.URL.Path == "/chat":
			http.Redirect(w, r, "/chat/", http.StatusFound)
		case !strings.HasPrefix(r.URL.Path, "/chat/"), strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != "/chat/":
			http.NotFound(w, r) // no directory listings
		default:
			files.ServeHTTP(w, r)
		}
	})
}
