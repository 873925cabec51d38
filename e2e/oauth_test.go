package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/oauth/oauthtest"
)

const e2eSigningKey = "e2e-signing-key-0123456789abcdef0123456789"

// startOAuth runs the binary with OAuth on, its public URL its own
// loopback address.
func startOAuth(t *testing.T, odooURL string, extra ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	env := append([]string{"ODOO_URL=" + odooURL, "ODOO_DB=e2e", "ODOO_MCP_OAUTH=true",
		"ODOO_MCP_PUBLIC_URL=http://" + addr, "ODOO_MCP_SIGNING_KEY=" + e2eSigningKey}, extra...)
	return startBinaryOn(t, addr, env)
}

// TestOAuthThroughTheBinary: discovery, the 401 that starts the flow, the
// flow itself, tools run as the signed-in user, and a key revoked in Odoo
// ending the grant at the next refresh.
func TestOAuthThroughTheBinary(t *testing.T) {
	fake, odoo := odooFor(t, "18.0")
	p := startOAuth(t, odoo.URL)
	ctx := context.Background()

	resp, err := http.Post(p.URL+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	challenge := `Bearer realm="odoo-mcp", resource_metadata="` + p.URL + `/.well-known/oauth-protected-resource/mcp"`
	if resp.StatusCode != 401 || !slices.Contains(resp.Header.Values("WWW-Authenticate"), challenge) {
		t.Fatalf("401 challenge: %d %q", resp.StatusCode, resp.Header.Values("WWW-Authenticate"))
	}
	var prm map[string]any
	resp, err = http.Get(p.URL + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&prm)
	resp.Body.Close()
	if prm["resource"] != p.URL+"/mcp" {
		t.Fatalf("protected resource metadata: %v", prm)
	}

	f := oauthtest.New(p.URL, "", "http://127.0.0.1:9/cb")
	tok, err := f.Run(ctx, fakeodoo.DemoLogin, fakeodoo.DemoKey, true)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx,
		&gomcp.StreamableClientTransport{Endpoint: p.URL + "/mcp", HTTPClient: &http.Client{Transport: withHeaders{http.Header{"Authorization": {"Bearer " + tok.AccessToken}}, http.DefaultTransport}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	fake.ResetCounters()
	res := callTool(t, cs, "odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": "OAuth e2e"}}})
	if res.IsError {
		t.Fatalf("create: %+v", res)
	}
	for _, c := range fake.Calls() {
		if c.Model == "res.partner" && c.UID != fakeodoo.DemoUID {
			t.Errorf("ran as uid %d, want the signed-in demo user", c.UID)
		}
	}
	// The access token is for /mcp only.
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("/metrics accepted an OAuth access token")
		}
	}

	next, err := f.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.Status != 200 {
		t.Fatalf("refresh: %v %+v", err, next)
	}
	fake.RevokeKey(fakeodoo.DemoKey)
	if got, _ := f.Refresh(ctx, next.RefreshToken); got.Status != 400 || got.Error != "invalid_grant" {
		t.Errorf("refresh after the key was revoked in Odoo: %+v", got)
	}
	for name, secret := range map[string]string{"key": fakeodoo.DemoKey, "access token": tok.AccessToken, "refresh token": tok.RefreshToken, "signing key": e2eSigningKey} {
		if strings.Contains(p.Logs(), secret) {
			t.Errorf("the %s is in the logs", name)
		}
	}
}

func TestOAuthConfigurationErrors(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"ODOO_MCP_PUBLIC_URL=http://odoo-mcp.example.com", "ODOO_MCP_SIGNING_KEY=" + e2eSigningKey}, "must use https://"},
		{[]string{"ODOO_MCP_SIGNING_KEY=" + e2eSigningKey}, "--public-url (ODOO_MCP_PUBLIC_URL) is required with --oauth"},
		{[]string{"ODOO_MCP_PUBLIC_URL=https://odoo-mcp.example.com"}, "--signing-key (ODOO_MCP_SIGNING_KEY) is required with --oauth"},
		{[]string{"ODOO_MCP_PUBLIC_URL=https://odoo-mcp.example.com", "ODOO_MCP_SIGNING_KEY=" + e2eSigningKey, "ODOO_MCP_OAUTH_ACCESS_TTL=2h"}, "between 1m and 1h"},
	} {
		cmd := exec.Command(bin, "serve", "--oauth")
		cmd.Env = append([]string{"PATH=/usr/bin", "ODOO_URL=http://127.0.0.1:1", "ODOO_DB=x"}, c.env...)
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: exit %v, output %q, want %q", c.env, err, out, c.want)
		}
	}
}
