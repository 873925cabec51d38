// Package chatui serves the page to chat in, at /chat: plain HTML, CSS and
// JavaScript embedded in the binary (no CDN, no build step). The page talks
// to the thread API with the user's Odoo login and API key, kept in the
// browser's sessionStorage (gone when the tab closes).
package chatui

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var static embed.FS

// csp allows nothing but this origin: no inline script or style, no
// framing, fetches to the thread API only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Mount serves the page at /chat (and its files under /chat/).
func Mount(e *echo.Echo) {
	sub, _ := fs.Sub(static, "static")
	files := http.StripPrefix("/chat/", http.FileServer(http.FS(sub)))
	h := func(c echo.Context) error {
		w, r := c.Response(), c.Request()
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-cache")
		if r.URL.Path == "/chat" {
			return c.Redirect(http.StatusFound, "/chat/")
		}
		if strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != "/chat/" {
			return c.NoContent(http.StatusNotFound) // no directory listings
		}
		files.ServeHTTP(w, r)
		return nil
	}
	e.GET("/chat", h)
	e.GET("/chat/*", h)
}
