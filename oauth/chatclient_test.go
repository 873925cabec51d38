package oauth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/oauth/oauthtest"
)

// chatFlow is the chat page's flow: the built-in client, its redirect URI
// under the public URL, resource /api/v1.
func (e *env) chatFlow() *oauthtest.Flow {
	f := oauthtest.New(e.base, oauth.ChatClientID, e.base+oauth.ChatRedirectPath)
	f.Resource = e.base + "/api/v1"
	return f
}

// api calls the thread API (through the real application's edge) with an
// Authorization header.
func (e *env) api(t *testing.T, method, authorization string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.base+"/api/v1/threads", nil)
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &body)
	return resp.StatusCode, resp.Header, body
}

func TestChatClientGetsThreadAPITokens(t *testing.T) {
	e := newEnv(t)
	f := e.chatFlow()
	tok, err := f.Run(ctx, fakeodoo.DemoLogin, fakeodoo.DemoKey, true)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Scope != "odoo.read odoo.write" {
		t.Errorf("scope %q", tok.Scope)
	}
	status, _, who := e.api(t, http.MethodGet, "Bearer "+tok.AccessToken)
	if status != 200 || who["uid"] != float64(fakeodoo.DemoUID) || who["key"] != fakeodoo.DemoKey || who["oauth_client"] != oauth.ChatClientID || who["read_only"] != false {
		t.Fatalf("thread API with the chat page's token: %d %v", status, who)
	}
	if status, _, _ := e.api(t, http.MethodPost, "Bearer "+tok.AccessToken); status != 200 {
		t.Errorf("a write grant posting on the thread API: %d", status)
	}

	// Least privilege: not at /mcp, whose answer names the resource.
	resp := e.post(t, "Bearer "+tok.AccessToken, listBody)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || !strings.Contains(string(body), "issued for the thread API (resource "+e.base+"/api/v1)") ||
		!strings.Contains(string(body), "/mcp takes tokens issued for resource "+e.base+"/mcp") {
		t.Errorf("/mcp with a thread API token: %d %s", resp.StatusCode, body)
	}
	if c := resp.Header.Values("WWW-Authenticate"); len(c) == 0 || !strings.Contains(c[0], `resource_metadata="`+e.base+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Errorf("/mcp challenge %q", c)
	}

	// Refresh keeps the audience; revocation ends it.
	next, err := f.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.Status != 200 {
		t.Fatalf("refresh: %v %+v", err, next)
	}
	if status, _, _ := e.api(t, http.MethodGet, "Bearer "+next.AccessToken); status != 200 {
		t.Errorf("refreshed token on the thread API: %d", status)
	}
	form := url.Values{"token": {next.RefreshToken}, "client_id": {oauth.ChatClientID}}
	rr, err := http.PostForm(e.base+"/oauth/revoke", form)
	if err != nil {
		t.Fatal(err)
	}
	rr.Body.Close()
	if got, _ := f.Refresh(ctx, next.RefreshToken); got.Status != 400 || got.Error != "invalid_grant" {
		t.Errorf("refresh after revocation: %+v", got)
	}
	if status, _, _ := e.api(t, http.MethodGet, "Bearer "+next.AccessToken); status != 401 {
		t.Errorf("access token after revocation: %d", status)
	}
}

func TestMCPTokenRefusedOnThreadAPI(t *testing.T) {
	e := newEnv(t)
	_, tok := e.tokens(t, true) // resource /mcp
	status, h, body := e.api(t, http.MethodGet, "Bearer "+tok.AccessToken)
	msg, _ := body["message"].(string)
	if status != 401 || !strings.Contains(msg, "issued for /mcp (resource "+e.base+"/mcp)") || !strings.Contains(msg, "ask for resource="+e.base+"/api/v1") {
		t.Errorf("thread API with a /mcp token: %d %v", status, body)
	}
	want := `Bearer realm="odoo-mcp", resource_metadata="` + e.base + `/.well-known/oauth-protected-resource/api/v1", error="invalid_token"`
	if c := h.Values("WWW-Authenticate"); len(c) == 0 || c[0] != want {
		t.Errorf("thread API challenge %q, want first %q", c, want)
	}
	// The user's own key still works there.
	if status, _, who := e.api(t, http.MethodGet, basic(fakeodoo.DemoLogin, fakeodoo.DemoKey)); status != 200 || who["oauth_client"] != "" {
		t.Errorf("thread API with the Odoo key: %d %v", status, who)
	}
}

// A grant without odoo.write reads the thread API and changes nothing.
func TestReadOnlyGrantOnThreadAPI(t *testing.T) {
	e := newEnv(t)
	tok, err := e.chatFlow().Run(ctx, fakeodoo.DemoLogin, fakeodoo.DemoKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, who := e.api(t, http.MethodGet, "Bearer "+tok.AccessToken); status != 200 || who["read_only"] != true {
		t.Errorf("read-only GET: %d %v", status, who)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		status, h, body := e.api(t, m, "Bearer "+tok.AccessToken)
		if status != 403 || body["error"] != "insufficient_scope" || !strings.Contains(h.Get("WWW-Authenticate"), `scope="odoo.read odoo.write"`) {
			t.Errorf("read-only %s: %d %v %q", m, status, body, h.Values("WWW-Authenticate"))
		}
	}
}

func TestChatClientRefusals(t *testing.T) {
	e := newEnv(t)
	// Shown on odoo-mcp's page, never redirected: only the exact redirect
	// URI the server knows.
	for name, redirect := range map[string]string{
		"another path":      e.base + "/chat/x",
		"no trailing slash": e.base + "/chat",
		"another port":      "http://127.0.0.1:9/chat/",
		"another host":      strings.Replace(e.base, "127.0.0.1", "localhost", 1) + "/chat/",
		"with a query":      e.base + "/chat/?x=1",
		"elsewhere":         "https://evil.example/chat/",
	} {
		t.Run(name, func(t *testing.T) {
			f := e.chatFlow()
			v := f.Params()
			v.Set("redirect_uri", redirect)
			p, err := f.Authorize(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != http.StatusBadRequest || p.Location != "" || !strings.Contains(p.Body, "redirect URI") {
				t.Errorf("HTTP %d, Location %q: %.200s", p.Status, p.Location, p.Body)
			}
		})
	}
	// The chat page gets thread API tokens only.
	for name, resource := range map[string]string{"mcp": e.base + "/mcp", "none": "", "elsewhere": "https://elsewhere.example/api/v1"} {
		t.Run("resource "+name, func(t *testing.T) {
			f := e.chatFlow()
			v := f.Params()
			if resource == "" {
				v.Del("resource")
			} else {
				v.Set("resource", resource)
			}
			p, err := f.Authorize(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(p.Location)
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, e.base+"/chat/?") || u.Query().Get("error") != "invalid_target" ||
				!strings.Contains(u.Query().Get("error_description"), e.base+"/api/v1") {
				t.Errorf("HTTP %d, Location %q", p.Status, p.Location)
			}
		})
	}
}

// The code's resource is the one the token endpoint must be asked for.
func TestTokenResourceMismatch(t *testing.T) {
	e := newEnv(t)
	code := func(f *oauthtest.Flow) string {
		t.Helper()
		p, err := f.Authorize(ctx, f.Params())
		if err != nil {
			t.Fatal(err)
		}
		if p, err = f.SignIn(ctx, p, fakeodoo.DemoLogin, fakeodoo.DemoKey); err != nil {
			t.Fatal(err)
		}
		if p, err = f.Consent(ctx, p, true, true); err != nil {
			t.Fatal(err)
		}
		c, err := f.Code(p)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	exchange := func(f *oauthtest.Flow, c, resource string) *oauthtest.Tokens {
		t.Helper()
		tok, err := oauthtest.Token(ctx, e.base, url.Values{
			"grant_type": {"authorization_code"}, "code": {c}, "client_id": {f.ClientID},
			"redirect_uri": {f.RedirectURI}, "code_verifier": {f.Verifier}, "resource": {resource},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	chat := e.chatFlow()
	c := code(chat)
	if got := exchange(chat, c, e.base+"/mcp"); got.Status != 400 || got.Error != "invalid_target" || !strings.Contains(got.Description, e.base+"/api/v1") {
		t.Errorf("a thread API code exchanged for /mcp: %+v", got)
	}
	// The code is spent.
	if got := exchange(chat, c, e.base+"/api/v1"); got.Status != 400 || got.Error != "invalid_grant" {
		t.Errorf("the code again: %+v", got)
	}
	mcpFlow := e.flow(t)
	if got := exchange(mcpFlow, code(mcpFlow), e.base+"/api/v1"); got.Status != 400 || got.Error != "invalid_target" {
		t.Errorf("a /mcp code exchanged for the thread API: %+v", got)
	}
	// A refresh cannot change the resource either.
	tok, err := e.chatFlow().Run(ctx, fakeodoo.DemoLogin, fakeodoo.DemoKey, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := oauthtest.Token(ctx, e.base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {oauth.ChatClientID}, "resource": {e.base + "/mcp"}}, nil)
	if err != nil || got.Status != 400 || got.Error != "invalid_target" {
		t.Errorf("refresh asking for /mcp: %v %+v", err, got)
	}
}

// Any client may ask for the thread API (a front end of its own); its
// consent page says what that grants.
func TestThirdPartyClientMayAskForThreadAPI(t *testing.T) {
	e := newEnv(t)
	f := e.flow(t)
	f.Resource = e.base + "/api/v1"
	p, err := f.Authorize(ctx, f.Params())
	if err != nil {
		t.Fatal(err)
	}
	if p, err = f.SignIn(ctx, p, fakeodoo.DemoLogin, fakeodoo.DemoKey); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Body, "asks to use your chat threads") || !strings.Contains(p.Body, "send messages") {
		t.Errorf("consent page for the thread API: %.600s", p.Body)
	}
	if p, err = f.Consent(ctx, p, true, true); err != nil {
		t.Fatal(err)
	}
	c, err := f.Code(p)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.Exchange(ctx, c)
	if err != nil || tok.Status != 200 {
		t.Fatalf("exchange: %v %+v", err, tok)
	}
	if status, _, _ := e.api(t, http.MethodGet, "Bearer "+tok.AccessToken); status != 200 {
		t.Errorf("thread API: %d", status)
	}
}

func TestThreadAPIResourceMetadata(t *testing.T) {
	e := newEnv(t)
	status, doc := getJSON(t, e.base+"/.well-known/oauth-protected-resource/api/v1")
	servers, _ := doc["authorization_servers"].([]any)
	if status != 200 || doc["resource"] != e.base+"/api/v1" || len(servers) != 1 || servers[0] != e.base {
		t.Errorf("%d %v", status, doc)
	}
	if !slices.Contains(oauth.Paths(), oauth.PathProtectedResourceAPI) {
		t.Error("the thread API's metadata is not among the routes to mount")
	}
}

func basic(login, key string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(login, key)
	return req.Header.Get("Authorization")
}
