package chatui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/oauth"
)

func TestHandler(t *testing.T) {
	h := Handler()
	for _, tc := range []struct {
		method, path string
		status       int
		contentType  string
		body         string
	}{
		{"GET", "/chat", http.StatusFound, "", ""},
		{"GET", "/chat/", http.StatusOK, "text/html", `<script src="app.js" defer></script>`},
		{"GET", "/chat/app.js", http.StatusOK, "javascript", "sessionStorage"},
		{"GET", "/chat/app.css", http.StatusOK, "text/css", ":root"},
		{"GET", "/chat/nope.js", http.StatusNotFound, "", ""},
		{"GET", "/chat/static/", http.StatusNotFound, "", ""},
		{"POST", "/chat/", http.StatusMethodNotAllowed, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("%d, want %d", rec.Code, tc.status)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
				t.Errorf("CSP %q", csp)
			}
			if !strings.Contains(rec.Header().Get("Content-Type"), tc.contentType) || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("%s: %.80q", rec.Header().Get("Content-Type"), rec.Body.String())
			}
		})
	}
}

// The page has no inline script, inline style or event-handler attribute
// (the CSP would block them) and loads nothing from another origin.
func TestPageIsCSPSafe(t *testing.T) {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, bad := range []string{"<script>", "style=", " onclick=", " onload=", " onsubmit=", "http://", "https://"} {
		if strings.Contains(html, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
	js, _ := static.ReadFile("static/app.js")
	for _, bad := range []string{"innerHTML", "eval(", "new Function", "localStorage.setItem"} {
		if strings.Contains(string(js), bad) {
			t.Errorf("app.js contains %q", bad)
		}
	}
}

// The page is the OAuth server's built-in client: the same client id and
// redirect path, and a CSP that lets its fetches go to this origin only
// and no form anywhere.
func TestOAuthClientMatchesServer(t *testing.T) {
	js, _ := static.ReadFile("static/app.js")
	for _, want := range []string{
		fmt.Sprintf("const OAUTH_CLIENT_ID = %q;", oauth.ChatClientID),
		fmt.Sprintf("const OAUTH_REDIRECT_PATH = %q;", oauth.ChatRedirectPath),
		`"/.well-known/oauth-protected-resource/api/v1"`, `code_challenge_method: "S256"`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	if !strings.Contains(oauth.PathProtectedResourceAPI, "/api/v1") {
		t.Errorf("metadata path %s", oauth.PathProtectedResourceAPI)
	}
	for _, want := range []string{"connect-src 'self';", "form-action 'none';", "default-src 'none';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
}
