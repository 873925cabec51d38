package oauth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

func getJSON(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		status, m := getJSON(t, e.base+p)
		if status != 200 || m["resource"] != e.base+"/mcp" {
			t.Fatalf("%s: %d %v", p, status, m)
		}
		if as := m["authorization_servers"].([]any); len(as) != 1 || as[0] != e.base {
			t.Errorf("%s: authorization_servers %v", p, as)
		}
		if sc := m["scopes_supported"].([]any); len(sc) != 2 || sc[0] != "odoo.read" || sc[1] != "odoo.write" {
			t.Errorf("%s: scopes_supported %v", p, sc)
		}
	}
	status, m := getJSON(t, e.base+"/.well-known/oauth-authorization-server")
	if status != 200 || m["issuer"] != e.base {
		t.Fatalf("AS metadata: %d %v", status, m)
	}
	want := map[string]any{
		"authorization_endpoint": e.base + "/oauth/authorize", "token_endpoint": e.base + "/oauth/token",
		"registration_endpoint": e.base + "/oauth/register", "revocation_endpoint": e.base + "/oauth/revoke",
		"authorization_response_iss_parameter_supported": true, "client_id_metadata_document_supported": true,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if fmtList(m["code_challenge_methods_supported"]) != "S256" || fmtList(m["token_endpoint_auth_methods_supported"]) != "none" ||
		fmtList(m["scopes_supported"]) != "odoo.read odoo.write" {
		t.Errorf("metadata lists: %v", m)
	}
}

func fmtList(v any) string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return strings.Join(out, " ")
}

func TestUnauthenticatedMCPPointsToMetadata(t *testing.T) {
	e := newEnv(t)
	resp := e.post(t, "", listBody)
	if resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := resp.Header.Values("WWW-Authenticate")
	want := `Bearer realm="odoo-mcp", resource_metadata="` + e.base + `/.well-known/oauth-protected-resource/mcp"`
	if len(got) != 2 || got[0] != want || !strings.HasPrefix(got[1], "Basic ") {
		t.Errorf("WWW-Authenticate %q, want %q first, then a Basic challenge (API keys still work)", got, want)
	}
	// A bad bearer token: the same, with invalid_token.
	resp = e.post(t, "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.x", listBody)
	if resp.StatusCode != 401 || !slices.Contains(resp.Header.Values("WWW-Authenticate"), want+`, error="invalid_token"`) {
		t.Errorf("bad token: %d %q", resp.StatusCode, resp.Header.Values("WWW-Authenticate"))
	}
}

func TestFullFlowRunsToolsAsTheSignedInUser(t *testing.T) {
	e := newEnv(t)
	_, tok := e.tokens(t, true)
	if tok.TokenType != "Bearer" || tok.Scope != "odoo.read odoo.write" || tok.ExpiresIn != 900 || tok.RefreshToken == "" {
		t.Fatalf("tokens: %+v", tok)
	}
	cs, err := e.connect(t, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil || len(list.Tools) != len(tools.Inventory()) {
		t.Fatalf("tools/list: %v %d", err, len(list.Tools))
	}
	e.fake.ResetCounters()
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_creator",
		Arguments: map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": "Made through OAuth"}}}})
	if err != nil || res.IsError {
		t.Fatalf("create: %v %+v", err, res)
	}
	for _, c := range e.fake.Calls() {
		if c.Model == "res.partner" && c.UID != fakeodoo.DemoUID {
			t.Errorf("call %+v ran as uid %d, want the demo user %d", c, c.UID, fakeodoo.DemoUID)
		}
	}
	// Odoo got the user's key, never a token.
	sent := e.toOdoo.String()
	if strings.Contains(sent, tok.AccessToken) || strings.Contains(sent, tok.RefreshToken) || strings.Contains(sent, "at+jwt") || strings.Contains(sent, "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9") {
		t.Error("an OAuth token reached Odoo")
	}
	if !strings.Contains(sent, fakeodoo.DemoKey) {
		t.Error("Odoo never saw the user's key: the test looks at nothing")
	}
	// The audit line names the client.
	if !strings.Contains(e.logs.String(), "oauth_client=") {
		t.Error("the tool call's audit line does not name the OAuth client")
	}
}

func TestReadOnlyGrantListsAndCallsOnlyReadingTools(t *testing.T) {
	e := newEnv(t)
	_, tok := e.tokens(t, false)
	if tok.Scope != "odoo.read" {
		t.Fatalf("scope %q, want odoo.read (the user unticked write)", tok.Scope)
	}
	cs, err := e.connect(t, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names, reading, writing []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	for _, tl := range tools.Inventory() {
		if tl.ReadOnly() {
			reading = append(reading, tl.Def.Name)
		} else {
			writing = append(writing, tl.Def.Name)
		}
	}
	slices.Sort(names)
	slices.Sort(reading)
	if !slices.Equal(names, reading) || len(writing) == 0 {
		t.Errorf("read-only grant lists %v, want the reading tools %v", names, reading)
	}
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
		Arguments: map[string]any{"model": "res.partner", "limit": 1}})
	if err != nil || res.IsError {
		t.Fatalf("read: %v %+v", err, res)
	}
	for _, tool := range writing {
		resp := e.post(t, "Bearer "+tok.AccessToken, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"`+tool+`","arguments":{}}}`)
		if resp.StatusCode != 403 {
			t.Errorf("%s: status %d, want 403", tool, resp.StatusCode)
		}
		if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Bearer error="insufficient_scope", scope="odoo.read odoo.write"`) {
			t.Errorf("%s: WWW-Authenticate %q", tool, got)
		}
	}
	// Smuggled in a batch, or past the HTTP check: the tool refuses too.
	resp := e.post(t, "Bearer "+tok.AccessToken, `[{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"odoo_record_unlinker","arguments":{"model":"res.partner","ids":[1]}}}]`)
	if resp.StatusCode != 403 {
		t.Errorf("batch: status %d, want 403", resp.StatusCode)
	}
}

func TestAccessTokenRefusedOutsideMCP(t *testing.T) {
	e := newEnv(t)
	_, tok := e.tokens(t, true)
	req, _ := http.NewRequest(http.MethodGet, e.base+"/other", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("an OAuth access token on another route: %d, want 401", resp.StatusCode)
	}
}

func TestExpiredAccessTokenRefused(t *testing.T) {
	e := newEnv(t)
	_, tok := e.tokens(t, true)
	if resp := e.post(t, "Bearer "+tok.AccessToken, listBody); resp.StatusCode != 200 {
		t.Fatalf("fresh token: %d", resp.StatusCode)
	}
	e.clock.Add(oauth.DefaultAccessTTL + time.Minute)
	resp := e.post(t, "Bearer "+tok.AccessToken, listBody)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || !strings.Contains(string(body), "expired") {
		t.Errorf("expired token: %d %s", resp.StatusCode, body)
	}
}

func TestAccessTokenForAnotherServerRefused(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t) // another issuer, same signing key
	_, tok := other.tokens(t, true)
	if resp := e.post(t, "Bearer "+tok.AccessToken, listBody); resp.StatusCode != 401 {
		t.Errorf("another server's token: %d, want 401", resp.StatusCode)
	}
	_ = url.Values{}
}
