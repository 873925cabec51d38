package oauth

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates/pages.html
var pageFS embed.FS

// pageCSS is the pages' only style, inline and allowed by its hash: the
// pages load nothing from anywhere.
const pageCSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
main{max-width:30rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}
ul.scopes{list-style:none;padding:0}ul.scopes label{font-weight:normal}
button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;border:0;border-radius:4px;background:#714b67;color:#fff;cursor:pointer}
button.secondary{background:#ddd;color:#222}.error{color:#a00;font-weight:600}.help,.muted{color:#666;font-size:.9rem}`

type pages struct {
	t       *template.Template
	cssHash string
}

func newPages() *pages {
	sum := sha256.Sum256([]byte(pageCSS))
	return &pages{
		t:       template.Must(template.ParseFS(pageFS, "templates/pages.html")),
		cssHash: "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
	}
}

// pageData is what every page shows.
type pageData struct {
	Title          string
	CSS            template.CSS
	Action         string
	State          string
	Error          string
	ClientName     string
	ClientHost     string
	RedirectHost   string
	DB             string
	Login          string
	UserName       string
	KeyHelpURL     string
	WriteRequested bool
	// ThreadAPI: the grant is for the thread API (the chat page), whose
	// scopes read differently from /mcp's.
	ThreadAPI bool
}

// render writes a page with its security headers. formTarget, when set,
// is where the page's form may end up besides this server (the client's
// redirect URI after consent): form-action also governs the redirect
// that follows a form's submission, so 'self' alone would block it.
func (p *pages) render(w http.ResponseWriter, status int, name, formTarget string, d pageData) {
	d.CSS = template.CSS(pageCSS)
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+p.cssHash+"; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer Chromium sends the forms
	// with Origin: null, which the CSRF check refuses.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = p.t.ExecuteTemplate(w, name, d)
}

// cspSource is the CSP source expression matching a redirect URI: its
// origin (any port for a loopback http URI), or its scheme alone for a
// native app's private-use scheme.
func cspSource(redirect string, loopbackAnyPort bool) string {
	scheme, rest, ok := strings.Cut(redirect, "://")
	if !ok {
		scheme, _, _ = strings.Cut(redirect, ":")
		return sanitizeCSP(scheme) + ":"
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	if loopbackAnyPort {
		if i := strings.LastIndex(host, ":"); i >= 0 && !strings.HasSuffix(host, "]") {
			host = host[:i]
		}
		host += ":*"
	}
	return sanitizeCSP(scheme) + "://" + sanitizeCSP(host)
}

// sanitizeCSP keeps only characters that cannot end a CSP source
// expression or directive.
func sanitizeCSP(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ';' || r == ',' || r == ' ' || r == '\'' || r < 0x21 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
