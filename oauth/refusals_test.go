package oauth_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/oauth/oauthtest"
)

var ctx = context.Background()

func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t)
	f := e.flow(t)
	other, err := oauthtest.Register(ctx, e.base, "Other", "https://other.example/cb")
	if err != nil {
		t.Fatal(err)
	}
	// Shown on odoo-mcp's page, never redirected: the client or its
	// redirect URI is not known good.
	pageErrors := map[string]func(url.Values){
		"unknown client":            func(v url.Values) { v.Set("client_id", "nobody") },
		"forged registered client":  func(v url.Values) { v.Set("client_id", f.ClientID[:len(f.ClientID)-3]+"AAA") },
		"no client":                 func(v url.Values) { v.Del("client_id") },
		"http metadata URL":         func(v url.Values) { v.Set("client_id", "http://client.example/meta.json") },
		"unregistered redirect":     func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") },
		"other path on loopback":    func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/other") },
		"other loopback host":       func(v url.Values) { v.Set("redirect_uri", "http://localhost:9/callback") },
		"another client's redirect": func(v url.Values) { v.Set("redirect_uri", "https://other.example/cb") },
		"redirect with extra query": func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/callback?x=1") },
		"repeated parameter":        func(v url.Values) { v.Add("state", "again") },
		"another client's id+ours":  func(v url.Values) { v.Set("client_id", other) },
	}
	for name, mutate := range pageErrors {
		t.Run(name, func(t *testing.T) {
			v := f.Params()
			mutate(v)
			p, err := f.Authorize(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != http.StatusBadRequest || p.Location != "" || !strings.Contains(p.Body, `id="error"`) {
				t.Errorf("HTTP %d, Location %q: %.200s", p.Status, p.Location, p.Body)
			}
		})
	}
	// Sent back to the (known good) redirect URI with an error.
	redirectErrors := map[string]struct {
		mutate func(url.Values)
		code   string
	}{
		"no PKCE":              {func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, "invalid_request"},
		"plain PKCE":           {func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		"no PKCE method":       {func(v url.Values) { v.Del("code_challenge_method") }, "invalid_request"},
		"short challenge":      {func(v url.Values) { v.Set("code_challenge", "abc") }, "invalid_request"},
		"wrong resource":       {func(v url.Values) { v.Set("resource", "https://elsewhere.example/mcp") }, "invalid_target"},
		"resource of the root": {func(v url.Values) { v.Set("resource", e.base) }, "invalid_target"},
		"implicit flow":        {func(v url.Values) { v.Set("response_type", "token") }, "unsupported_response_type"},
	}
	for name, c := range redirectErrors {
		t.Run(name, func(t *testing.T) {
			v := f.Params()
			c.mutate(v)
			p, err := f.Authorize(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(p.Location)
			q := u.Query()
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "http://127.0.0.1:9/callback?") ||
				q.Get("error") != c.code || q.Get("state") != f.State || q.Get("iss") != e.base {
				t.Errorf("HTTP %d, Location %q, want error %s with state and iss", p.Status, p.Location, c.code)
			}
		})
	}
}

func TestLoopbackRedirectAnyPort(t *testing.T) {
	e := newEnv(t)
	f := e.flow(t)
	f.RedirectURI = "http://127.0.0.1:53117/callback" // registered with port 9
	if _, err := f.Run(ctx, fakeodoo.DemoLogin, fakeodoo.DemoKey, true); err != nil {
		t.Fatalf("a loopback redirect on another port (RFC 8252): %v", err)
	}
}

func TestSignInRefusals(t *testing.T) {
	e := newEnv(t)
	f := e.flow(t)
	page, err := f.Authorize(ctx, f.Params())
	if err != nil || page.Request == "" {
		t.Fatalf("%v %+v", err, page)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if page.Header.Get("X-Frame-Options") != "DENY" || page.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", page.Header)
	}
	if !strings.Contains(page.Body, "New API Key") || !strings.Contains(page.Body, "Test Client") {
		t.Error("the sign-in page does not say where to create a key, or which client asks")
	}
	p, _ := f.SignIn(ctx, page, fakeodoo.DemoLogin, "wrong-key")
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Odoo refused") || strings.Contains(p.Body, "wrong-key") {
		t.Errorf("wrong key: HTTP %d %.300s", p.Status, p.Body)
	}
	p, _ = f.SignIn(ctx, page, fakeodoo.AdminLogin, fakeodoo.DemoKey)
	if p.Status != http.StatusUnauthorized {
		t.Errorf("another user's key: HTTP %d", p.Status)
	}

	// CSRF: another browser (no cookie), another origin, a forged state.
	stranger := oauthtest.New(e.base, f.ClientID, f.RedirectURI)
	if p, _ := stranger.SignIn(ctx, page, fakeodoo.DemoLogin, fakeodoo.DemoKey); p.Status != http.StatusForbidden {
		t.Errorf("sign-in without the page's cookie: HTTP %d, want 403", p.Status)
	}
	form := url.Values{"step": {"signin"}, "request": {page.Request}, "login": {fakeodoo.DemoLogin}, "key": {fakeodoo.DemoKey}}
	req, _ := http.NewRequest(http.MethodPost, e.base+"/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := f.Browser.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: %v %v", err, resp.StatusCode)
	}
	forged := *page
	forged.Request = page.Request[:len(page.Request)-4] + "AAAA"
	if p, _ := f.SignIn(ctx, &forged, fakeodoo.DemoLogin, fakeodoo.DemoKey); p.Status != http.StatusBadRequest {
		t.Errorf("forged state: HTTP %d", p.Status)
	}
	// The sign-in page's state cannot skip to consent.
	if p, _ := f.Consent(ctx, page, true, true); p.Status != http.StatusBadRequest || p.Location != "" {
		t.Errorf("consent with the sign-in state: HTTP %d %q", p.Status, p.Location)
	}
	// Expired page.
	e.clock.Add(16 * time.Minute)
	if p, _ := f.SignIn(ctx, page, fakeodoo.DemoLogin, fakeodoo.DemoKey); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "expired") {
		t.Errorf("expired page: HTTP %d", p.Status)
	}
}

func TestConsentPage(t *testing.T) {
	e := newEnv(t)
	f := e.flow(t)
	page, _ := f.Authorize(ctx, f.Params())
	consent, err := f.SignIn(ctx, page, fakeodoo.DemoLogin, fakeodoo.DemoKey)
	if err != nil || consent.Status != 200 {
		t.Fatal(err, consent.Status)
	}
	for _, want := range []string{"Marc Demo", fakeodoo.DemoLogin, e.fake.DB(), "Test Client", "odoo.write", "127.0.0.1:9"} {
		if !strings.Contains(consent.Body, want) {
			t.Errorf("the consent page does not show %q", want)
		}
	}
	if strings.Contains(consent.Body, fakeodoo.DemoKey) {
		t.Error("the consent page carries the key in clear")
	}
	// The redirect to the client follows the form: form-action allows it.
	if csp := consent.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://127.0.0.1:9;") {
		t.Errorf("consent CSP %q", csp)
	}
	p, _ := f.Consent(ctx, consent, false, true)
	u, _ := url.Parse(p.Location)
	if u.Query().Get("error") != "access_denied" || u.Query().Get("code") != "" {
		t.Errorf("deny: %q", p.Location)
	}
}

func TestTokenRefusals(t *testing.T) {
	e := newEnv(t)
	codeFor := func(t *testing.T) (*oauthtest.Flow, string) {
		f := e.flow(t)
		page, _ := f.Authorize(ctx, f.Params())
		page, _ = f.SignIn(ctx, page, fakeodoo.DemoLogin, fakeodoo.DemoKey)
		page, _ = f.Consent(ctx, page, true, true)
		code, err := f.Code(page)
		if err != nil {
			t.Fatal(err)
		}
		return f, code
	}
	exchange := func(f *oauthtest.Flow, code string, mutate func(url.Values)) *oauthtest.Tokens {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {f.ClientID},
			"redirect_uri": {f.RedirectURI}, "code_verifier": {f.Verifier}, "resource": {e.base + "/mcp"}}
		if mutate != nil {
			mutate(v)
		}
		tok, err := oauthtest.Token(ctx, e.base, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	cases := map[string]struct {
		mutate func(url.Values)
		status int
		code   string
	}{
		"wrong verifier":     {func(v url.Values) { v.Set("code_verifier", strings.Repeat("a", 43)) }, 400, "invalid_grant"},
		"no verifier":        {func(v url.Values) { v.Del("code_verifier") }, 400, "invalid_request"},
		"wrong redirect_uri": {func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/other") }, 400, "invalid_grant"},
		"no redirect_uri":    {func(v url.Values) { v.Del("redirect_uri") }, 400, "invalid_grant"},
		"another client":     {func(v url.Values) { v.Set("client_id", "someone-else") }, 400, "invalid_grant"},
		"wrong resource":     {func(v url.Values) { v.Set("resource", "https://elsewhere.example/mcp") }, 400, "invalid_target"},
		"unknown code":       {func(v url.Values) { v.Set("code", "nope") }, 400, "invalid_grant"},
		"implicit grant":     {func(v url.Values) { v.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, code := codeFor(t)
			tok := exchange(f, code, c.mutate)
			if tok.Status != c.status || tok.Error != c.code || tok.AccessToken != "" {
				t.Fatalf("HTTP %d %s (%s), want %d %s", tok.Status, tok.Error, tok.Description, c.status, c.code)
			}
			if c.code == "unsupported_grant_type" || name == "unknown code" || name == "no verifier" {
				return // refused before the code was looked at
			}
			// The code is spent: the right request fails now too.
			if tok := exchange(f, code, nil); tok.Status != 400 || tok.Error != "invalid_grant" {
				t.Errorf("the code after a failed attempt: HTTP %d %s", tok.Status, tok.Error)
			}
		})
	}

	t.Run("code used twice revokes its tokens", func(t *testing.T) {
		f, code := codeFor(t)
		first := exchange(f, code, nil)
		if first.Status != 200 {
			t.Fatalf("first: %+v", first)
		}
		second := exchange(f, code, nil)
		if second.Status != 400 || second.Error != "invalid_grant" {
			t.Fatalf("second: %+v", second)
		}
		if resp := e.post(t, "Bearer "+first.AccessToken, listBody); resp.StatusCode != 401 {
			t.Errorf("access token of a reused code: %d, want 401", resp.StatusCode)
		}
		if tok, _ := f.Refresh(ctx, first.RefreshToken); tok.Status != 400 {
			t.Errorf("refresh token of a reused code: %+v", tok)
		}
	})

	t.Run("other credentials at the token endpoint", func(t *testing.T) {
		f, code := codeFor(t)
		headers := map[string]string{
			"API key (Basic)":      "Basic " + base64.StdEncoding.EncodeToString([]byte(fakeodoo.DemoLogin+":"+fakeodoo.DemoKey)),
			"API key (Bearer)":     "Bearer " + fakeodoo.DemoKey,
			"a thread-like token":  "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x",
			"client with a secret": "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(f.ClientID)+":secret")),
		}
		for name, h := range headers {
			tok, err := oauthtest.Token(ctx, e.base, url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"client_id": {f.ClientID}, "redirect_uri": {f.RedirectURI}, "code_verifier": {f.Verifier}}, http.Header{"Authorization": {h}})
			if err != nil || tok.Status != 401 || tok.Error != "invalid_client" {
				t.Errorf("%s: %v %+v", name, err, tok)
			}
		}
		// Nothing spent the code: the public client still redeems it.
		if tok := exchange(f, code, nil); tok.Status != 200 {
			t.Errorf("after refused attempts: %+v", tok)
		}
		// An API key or an access token is no refresh token.
		_, good := e.tokens(t, true)
		for _, rt := range []string{fakeodoo.DemoKey, good.AccessToken} {
			if tok, _ := f.Refresh(ctx, rt); tok.Status != 400 || tok.Error != "invalid_grant" {
				t.Errorf("refresh with a non-refresh token: %+v", tok)
			}
		}
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t)
	f, first := e.tokens(t, true)
	second, _ := f.Refresh(ctx, first.RefreshToken)
	if second.Status != 200 || second.RefreshToken == first.RefreshToken || second.AccessToken == "" || second.Scope != "odoo.read odoo.write" {
		t.Fatalf("refresh: %+v", second)
	}
	if resp := e.post(t, "Bearer "+second.AccessToken, listBody); resp.StatusCode != 200 {
		t.Fatalf("refreshed access token: %d", resp.StatusCode)
	}
	// Narrowing the scope at refresh.
	narrowed, _ := oauthtest.Token(ctx, e.base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken},
		"client_id": {f.ClientID}, "scope": {"odoo.read"}}, nil)
	if narrowed.Status != 200 || narrowed.Scope != "odoo.read" {
		t.Fatalf("narrowed: %+v", narrowed)
	}
	widen, _ := oauthtest.Token(ctx, e.base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {narrowed.RefreshToken},
		"client_id": {f.ClientID}, "scope": {"odoo.read odoo.write"}}, nil)
	if widen.Status != 400 || widen.Error != "invalid_scope" {
		t.Fatalf("widening: %+v", widen)
	}
	// Reusing a rotated refresh token revokes the whole grant.
	reuse, _ := f.Refresh(ctx, first.RefreshToken)
	if reuse.Status != 400 || reuse.Error != "invalid_grant" {
		t.Fatalf("reuse: %+v", reuse)
	}
	if tok, _ := f.Refresh(ctx, narrowed.RefreshToken); tok.Status != 400 {
		t.Errorf("the current refresh token after a reuse: %+v", tok)
	}
	for _, at := range []string{first.AccessToken, second.AccessToken, narrowed.AccessToken} {
		if resp := e.post(t, "Bearer "+at, listBody); resp.StatusCode != 401 {
			t.Errorf("an access token of a revoked grant: %d", resp.StatusCode)
		}
	}
}

func TestRefreshAfterOdooKeyRevoked(t *testing.T) {
	e := newEnv(t)
	f, tok := e.tokens(t, true)
	// The credential cache (TTL 1h here) still holds the key: a refresh
	// must ask Odoo anyway.
	e.fake.RevokeKey(fakeodoo.DemoKey)
	got, _ := f.Refresh(ctx, tok.RefreshToken)
	if got.Status != 400 || got.Error != "invalid_grant" || !strings.Contains(got.Description, "Odoo") {
		t.Fatalf("refresh after the key was revoked in Odoo: %+v", got)
	}
	if resp := e.post(t, "Bearer "+tok.AccessToken, listBody); resp.StatusCode != 401 {
		t.Errorf("the grant's access token after: %d, want 401", resp.StatusCode)
	}
}

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	revoke := func(token string) int {
		resp, err := http.PostForm(e.base+"/oauth/revoke", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, which := range []string{"refresh", "access"} {
		t.Run(which, func(t *testing.T) {
			f, tok := e.tokens(t, true)
			tk := tok.RefreshToken
			if which == "access" {
				tk = tok.AccessToken
			}
			if s := revoke(tk); s != 200 {
				t.Fatalf("revoke: %d", s)
			}
			if resp := e.post(t, "Bearer "+tok.AccessToken, listBody); resp.StatusCode != 401 {
				t.Errorf("access token after revocation: %d", resp.StatusCode)
			}
			if got, _ := f.Refresh(ctx, tok.RefreshToken); got.Status != 400 {
				t.Errorf("refresh after revocation: %+v", got)
			}
		})
	}
	if s := revoke("unknown"); s != 200 {
		t.Errorf("an unknown token: %d, want 200 (RFC 7009)", s)
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t)
	f, tok := e.tokens(t, true)
	second, _ := f.Refresh(ctx, tok.RefreshToken)
	cs, err := e.connect(t, second.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	cs.ListTools(ctx, nil)
	logs := e.logs.String()
	for name, secret := range map[string]string{"API key": fakeodoo.DemoKey, "access token": tok.AccessToken,
		"refresh token": tok.RefreshToken, "second refresh token": second.RefreshToken, "verifier": f.Verifier} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s is in the logs", name)
		}
	}
	if !strings.Contains(logs, "oauth tokens issued") {
		t.Error("no log line at all: the test looks at nothing")
	}
}
