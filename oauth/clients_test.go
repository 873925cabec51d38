package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/oauth/oauthtest"
)

// metadataHost serves client id metadata documents over TLS on loopback.
func metadataHost(t *testing.T, docs map[string]func(base string) any) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mk, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch v := mk(srv.URL).(type) {
		case string:
			if strings.HasPrefix(v, "redirect:") {
				http.Redirect(w, r, strings.TrimPrefix(v, "redirect:"), http.StatusFound)
				return
			}
			w.Write([]byte(v))
		default:
			json.NewEncoder(w).Encode(v)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientIDMetadataDocuments(t *testing.T) {
	const redirect = "http://127.0.0.1:9/callback"
	docs := map[string]func(string) any{
		"/good.json": func(b string) any {
			return map[string]any{"client_id": b + "/good.json", "client_name": "Metadata Client", "redirect_uris": []string{redirect}}
		},
		"/mismatch.json": func(b string) any {
			return map[string]any{"client_id": b + "/other.json", "redirect_uris": []string{redirect}}
		},
		"/big.json": func(b string) any {
			return map[string]any{"client_id": b + "/big.json", "redirect_uris": []string{redirect}, "pad": strings.Repeat("x", 6000)}
		},
		"/redirects.json": func(b string) any { return "redirect:" + b + "/good.json" },
		"/secret.json": func(b string) any {
			return map[string]any{"client_id": b + "/secret.json", "redirect_uris": []string{redirect}, "token_endpoint_auth_method": "client_secret_basic"}
		},
		"/notjson.json": func(string) any { return "<html>" },
		"/badredirect.json": func(b string) any {
			return map[string]any{"client_id": b + "/badredirect.json", "redirect_uris": []string{"http://evil.example/cb"}}
		},
	}
	host := metadataHost(t, docs)
	roots := host.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	e := newEnv(t, func(c *oauth.Config) { c.ClientIDRootCAs = roots })

	f := oauthtest.New(e.base, host.URL+"/good.json", redirect)
	page, err := f.Authorize(ctx, f.Params())
	if err != nil || page.Status != 200 || !strings.Contains(page.Body, "Metadata Client") {
		t.Fatalf("good document: %v %d %.300s", err, page.Status, page.Body)
	}
	if _, err := f.Run(ctx, fakeodoo.DemoLogin, fakeodoo.DemoKey, true); err != nil {
		t.Fatalf("the whole flow with a metadata document client: %v", err)
	}

	for path, want := range map[string]string{
		"/mismatch.json": "client_id is not its own URL", "/big.json": "over 5120 bytes", "/redirects.json": "redirects are not followed",
		"/secret.json": "not supported", "/notjson.json": "not a JSON object", "/missing.json": "HTTP 404",
		"/badredirect.json": "http is allowed only on a loopback",
	} {
		f := oauthtest.New(e.base, host.URL+path, redirect)
		p, _ := f.Authorize(ctx, f.Params())
		if p.Status != 400 || p.Location != "" || !strings.Contains(p.Body, want) {
			t.Errorf("%s: HTTP %d %q, want a page saying %q: %.400s", path, p.Status, p.Location, want, p.Body)
		}
	}

	// Without --oauth-allow-private-client-ids, a loopback host is refused
	// at the dial, after DNS.
	strict := newEnv(t, func(c *oauth.Config) { c.ClientIDRootCAs = roots; c.AllowPrivateClientIDs = false })
	f = oauthtest.New(strict.base, host.URL+"/good.json", redirect)
	p, _ := f.Authorize(ctx, f.Params())
	if p.Status != 400 || !strings.Contains(p.Body, "private or special address") {
		t.Errorf("a private address: HTTP %d %.400s", p.Status, p.Body)
	}
}

func TestRegistration(t *testing.T) {
	e := newEnv(t)
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(e.base+"/oauth/register", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	status, m := post(`{"client_name":"VS Code","redirect_uris":["http://127.0.0.1:33418/","https://vscode.dev/redirect"],"token_endpoint_auth_method":"client_secret_post"}`)
	if status != 201 || m["token_endpoint_auth_method"] != "none" || m["client_id"] == "" || m["client_secret"] != nil {
		t.Fatalf("registration: %d %v", status, m)
	}
	for name, body := range map[string]string{
		"no redirect":         `{"client_name":"x"}`,
		"http redirect":       `{"redirect_uris":["http://evil.example/cb"]}`,
		"javascript redirect": `{"redirect_uris":["javascript:alert(1)"]}`,
		"fragment":            `{"redirect_uris":["https://a.example/cb#x"]}`,
		"relative":            `{"redirect_uris":["/cb"]}`,
		"client credentials":  `{"redirect_uris":["https://a.example/cb"],"grant_types":["client_credentials"]}`,
		"not JSON":            `redirect_uris=x`,
		"too large":           `{"redirect_uris":["https://a.example/cb"],"x":"` + strings.Repeat("x", 17<<10) + `"}`,
	} {
		if status, m := post(body); status != 400 || m["error"] == nil {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	// A native app's private-use scheme is fine.
	if status, _ := post(`{"redirect_uris":["cursor://anysphere.cursor-retrieval/oauth/callback"]}`); status != 201 {
		t.Errorf("private-use scheme: %d", status)
	}
}

func TestPublicURLMustBeHTTPSOffLoopback(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://odoo-mcp.example.com": true, "https://odoo-mcp.example.com/": true, "http://127.0.0.1:8808": true,
		"http://localhost:8808": true, "http://[::1]:8808": true,
		"http://odoo-mcp.example.com": false, "http://10.0.0.5:8808": false, "https://odoo-mcp.example.com/prefix": false,
		"ftp://x": false, "odoo-mcp.example.com": false, "https://u:p@odoo-mcp.example.com": false,
	} {
		_, err := oauth.ValidatePublicURL(raw)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", raw, err, ok)
		}
	}
	if _, err := oauth.New(oauth.Config{PublicURL: "http://odoo-mcp.example.com", SigningKey: signingKey, DB: "x"}); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("New with http public URL: %v", err)
	}
}
