package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// everyToolCall is one successful call of each tool on the fake (record 7
// is Azure Interior on both versions).
func everyToolCall(t *testing.T, cs *gomcp.ClientSession) {
	t.Helper()
	ctx := context.Background()
	calls := []struct {
		name string
		args map[string]any
	}{
		{"odoo_model_inspector", map[string]any{"model": "res.partner", "field_limit": 3}},
		{"odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 2}},
		{"odoo_record_creator", map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": "Protocol Test"}}}},
		{"odoo_record_updater", map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "=", "Protocol Test"}}, "values": []any{map[string]any{"field": "phone", "value": "+32 2 000 00 00"}}}},
		{"odoo_model_method_executor", map[string]any{"model": "res.partner", "method": "search_count", "kwargs": []any{map[string]any{"name": "domain", "value": []any{[]any{"name", "=", "Protocol Test"}}}}}},
		{"odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "=", "Protocol Test"}}}},
		{"odoo_record_aggregator", map[string]any{"model": "res.partner", "group_by": []string{"is_company"}, "aggregates": []string{"__count"}}},
	}
	if len(calls) != len(tools.Inventory()) {
		t.Fatalf("%d calls for %d tools: call every tool", len(calls), len(tools.Inventory()))
	}
	for _, c := range calls {
		res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: c.name, Arguments: c.args})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.IsError {
			t.Fatalf("%s: %v", c.name, res.Content[0].(*gomcp.TextContent).Text)
		}
	}
}

// connectAt connects the go-sdk client asking for protocol version (""
// for its latest, 2026-07-28).
func (s *stack) connectAt(t *testing.T, authorization, version string) *gomcp.ClientSession {
	t.Helper()
	h := http.Header{"Authorization": {authorization}}
	transport := &gomcp.StreamableClientTransport{Endpoint: s.mcp.URL + "/mcp", HTTPClient: &http.Client{Transport: headerTransport{h}}}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "test", Version: "v0"}, nil).
		Connect(context.Background(), transport, &gomcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect at %q: %v", version, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestEveryProtocolVersion lists and calls every tool and reads a record
// with the go-sdk client at each protocol version odoo-mcp serves, on Odoo
// 18 and 19, stateless and stateful. 2026-07-28 is stateless only: a
// stateful server answers its requests with -32022 and the client falls
// back to initialize at 2025-11-25.
func TestEveryProtocolVersion(t *testing.T) {
	creds := map[string]string{
		"18.0": basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey),
		"19.0": "Bearer " + fakeodoo.AdminKey,
	}
	for _, version := range []string{"18.0", "19.0"} {
		for _, stateful := range []bool{false, true} {
			s := newStack(t, version, func(c *testConfig) { c.Stateful = stateful })
			for _, asked := range []string{"", "2025-11-25", "2025-06-18"} {
				cs := s.connectAt(t, creds[version], asked)
				want := asked
				if asked == "" {
					want = "2026-07-28"
					if stateful {
						want = "2025-11-25"
					}
				}
				if got := cs.InitializeResult().ProtocolVersion; got != want {
					t.Errorf("%s stateful=%v asked %q: negotiated %s, want %s", version, stateful, asked, got, want)
				}
				list, err := cs.ListTools(context.Background(), nil)
				if err != nil || len(list.Tools) != len(tools.Inventory()) {
					t.Fatalf("%s stateful=%v %s: tools/list %v %v", version, stateful, want, list, err)
				}
				for _, tool := range list.Tools {
					if len(tool.Icons) != 1 || !strings.HasPrefix(tool.Icons[0].Source, "data:image/svg+xml;base64,") {
						t.Errorf("%s has no SVG icon: %+v", tool.Name, tool.Icons)
					}
				}
				if list.TTLMs != int(ListTTL.Milliseconds()) || list.CacheScope != "private" {
					t.Errorf("%s: tools/list ttlMs %d cacheScope %q, want %d private", want, list.TTLMs, list.CacheScope, ListTTL.Milliseconds())
				}
				everyToolCall(t, cs)
				rec, err := cs.ReadResource(context.Background(), &gomcp.ReadResourceParams{URI: "odoo://res.partner/7"})
				if err != nil || !strings.Contains(rec.Contents[0].Text, "Azure Interior") {
					t.Fatalf("%s: resources/read %v %v", want, rec, err)
				}
			}
		}
	}
}

// raw posts one JSON-RPC message as a 2026-07-28 client does: no
// initialize, no session, the version and capabilities in _meta and the
// Mcp-* headers. It returns the status, headers and the JSON-RPC message
// (from a JSON body or the SSE data line).
func (s *stack) raw(t *testing.T, authorization string, headers map[string]string, msg string) (int, http.Header, map[string]any, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.mcp.URL+"/mcp", strings.NewReader(msg))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", authorization)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	payload := body
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		payload = nil
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				payload = []byte(d)
			}
		}
	}
	var out map[string]any
	json.Unmarshal(payload, &out)
	return resp.StatusCode, resp.Header, out, payload
}

const meta2026 = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"}}`

func headers2026(method, name string) map[string]string {
	h := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": method}
	if name != "" {
		h["Mcp-Name"] = name
	}
	return h
}

// TestRaw20260728 speaks 2026-07-28 on the wire, without the SDK's
// client: server/discover, a deterministic and cacheable tools/list, a
// tool call and a resource read with Mcp-Method / Mcp-Name, and the
// header checks, with no initialize and no session id.
func TestRaw20260728(t *testing.T) {
	for _, jsonResponse := range []bool{false, true} {
		s := newStack(t, "19.0", func(c *testConfig) { c.JSONResponse = jsonResponse })
		authz := "Bearer " + fakeodoo.AdminKey

		status, h, out, _ := s.raw(t, authz, headers2026("server/discover", ""), `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+meta2026+`}}`)
		res, _ := out["result"].(map[string]any)
		if status != http.StatusOK || res == nil {
			t.Fatalf("server/discover: %d %v", status, out)
		}
		versions, _ := json.Marshal(res["supportedVersions"])
		if !strings.Contains(string(versions), `"2026-07-28"`) || !strings.Contains(string(versions), `"2025-06-18"`) || res["resultType"] != "complete" {
			t.Errorf("server/discover result %v", res)
		}
		if h.Get("Mcp-Session-Id") != "" {
			t.Errorf("stateless 2026-07-28 got a session id")
		}
		caps, _ := res["capabilities"].(map[string]any)
		if caps["tools"] == nil || caps["resources"] == nil {
			t.Errorf("capabilities %v", caps)
		}

		list := `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{` + meta2026 + `}}`
		_, _, out, first := s.raw(t, authz, headers2026("tools/list", ""), list)
		_, _, _, second := s.raw(t, authz, headers2026("tools/list", ""), list)
		if !bytes.Equal(first, second) {
			t.Errorf("tools/list is not deterministic:\n%s\n%s", first, second)
		}
		res, _ = out["result"].(map[string]any)
		if res["ttlMs"] != float64(ListTTL.Milliseconds()) || res["cacheScope"] != "private" || res["resultType"] != "complete" {
			t.Errorf("tools/list: ttlMs %v cacheScope %v resultType %v", res["ttlMs"], res["cacheScope"], res["resultType"])
		}
		toolsList, _ := res["tools"].([]any)
		if len(toolsList) != len(tools.Inventory()) {
			t.Fatalf("tools/list: %d tools", len(toolsList))
		}

		call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","fields":["name"],"limit":1},` + meta2026 + `}}`
		_, _, out, raw := s.raw(t, authz, headers2026("tools/call", "odoo_record_retriever"), call)
		res, _ = out["result"].(map[string]any)
		if res == nil || res["isError"] == true || res["resultType"] != "complete" || !strings.Contains(string(raw), `"resource_link"`) {
			t.Errorf("tools/call: %s", raw)
		}

		read := `{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"odoo://res.partner/7",` + meta2026 + `}}`
		_, _, out, raw = s.raw(t, authz, headers2026("resources/read", "odoo://res.partner/7"), read)
		if res, _ = out["result"].(map[string]any); res == nil || res["cacheScope"] != "private" || !strings.Contains(string(raw), "Azure Interior") {
			t.Errorf("resources/read: %s", raw)
		}

		// The SDK holds the headers to the body (-32020).
		for name, hdr := range map[string]map[string]string{
			"no Mcp-Method":       {"Mcp-Protocol-Version": "2026-07-28"},
			"Mcp-Method mismatch": headers2026("tools/list", "odoo_record_retriever"),
			"no Mcp-Name":         headers2026("tools/call", ""),
			"Mcp-Name mismatch":   headers2026("tools/call", "odoo_record_unlinker"),
		} {
			status, _, out, raw := s.raw(t, authz, hdr, call)
			e, _ := out["error"].(map[string]any)
			if status != http.StatusBadRequest || e == nil || e["code"] != float64(-32020) {
				t.Errorf("%s: %d %s", name, status, raw)
			}
		}
	}
}

// TestStatefulRefuses20260728 pins what stateful mode supports: protocol
// versions up to 2025-11-25. server/discover leaves 2026-07-28 out of the
// supported versions (so the go-sdk client falls back to initialize, see
// above), and a 2026-07-28 request gets the SDK's -32022.
func TestStatefulRefuses20260728(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) { c.Stateful = true })
	authz := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	_, _, out, raw := s.raw(t, authz, headers2026("server/discover", ""), `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+meta2026+`}}`)
	res, _ := out["result"].(map[string]any)
	if v, _ := json.Marshal(res["supportedVersions"]); res == nil || strings.Contains(string(v), "2026-07-28") || !strings.Contains(string(v), "2025-11-25") {
		t.Errorf("stateful server/discover: %s", raw)
	}
	_, _, out, raw = s.raw(t, authz, headers2026("tools/list", ""), `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{`+meta2026+`}}`)
	e, _ := out["error"].(map[string]any)
	if e == nil || e["code"] != float64(-32022) {
		t.Errorf("stateful tools/list at 2026-07-28: %s", raw)
	}
}

// TestPublicDiscover: with the public tool list, a 2026-07-28 client
// without a valid credential discovers and lists as an older one
// initializes and lists; calls still need the credential.
func TestPublicDiscover(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) { c.PublicToolList = true })
	status, _, out, raw := s.raw(t, "Bearer system-api-key", headers2026("server/discover", ""), `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+meta2026+`}}`)
	if status != http.StatusOK || out["result"] == nil {
		t.Fatalf("anonymous server/discover: %d %s", status, raw)
	}
	cs := s.connectAt(t, "Bearer system-api-key", "")
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Errorf("negotiated %s", v)
	}
	if list, err := cs.ListTools(context.Background(), nil); err != nil || len(list.Tools) != len(tools.Inventory()) {
		t.Fatalf("public list: %v %v", list, err)
	}
	status, _, _, _ = s.raw(t, "Bearer system-api-key", headers2026("resources/read", "odoo://res.partner/7"),
		`{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"odoo://res.partner/7",`+meta2026+`}}`)
	if status != http.StatusUnauthorized {
		t.Errorf("anonymous resources/read: %d", status)
	}
}

// TestOdoo20 runs every tool on the fake's Odoo 20 (19 without the db
// service) and checks that a refused key names the rpc scope in the 401.
func TestOdoo20(t *testing.T) {
	s := newStack(t, "20.0", nil)
	cs := s.connectAt(t, "Bearer "+fakeodoo.AdminKey, "")
	everyToolCall(t, cs)
	resp := s.post(t, "Bearer 0123456789wrong", initializeBody)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "only with the rpc scope") {
		t.Errorf("refused key on Odoo 20: %d %s", resp.StatusCode, body)
	}
	s19 := newStack(t, "19.0", nil)
	resp = s19.post(t, "Bearer 0123456789wrong", initializeBody)
	if body, _ := io.ReadAll(resp.Body); strings.Contains(string(body), "rpc scope") {
		t.Errorf("Odoo 19 names the rpc scope: %s", body)
	}
}

// TestThreadTokensAndResources: a thread token lists only its thread's
// tools (so tools/list is private to the caller), and reads resources only
// when the thread has the retriever.
func TestThreadTokensAndResources(t *testing.T) {
	var tokens *auth.Tokens
	var authn *auth.Authenticator
	current := currentToken{}
	s := newStack(t, "18.0", func(c *testConfig) {
		var err error
		tokens, err = auth.NewTokens("thread-test-signing-key-0123456789abcdef", "odoo", 0, current)
		if err != nil {
			t.Fatal(err)
		}
		authn = auth.NewAuthenticator(c.Odoo.(*odoorpc.Client), auth.Options{Tokens: tokens})
		c.Auth = authn
	})
	id, err := authn.Authenticate(context.Background(), basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tools []string
		read  bool
	}{
		{[]string{"odoo_model_inspector"}, false},
		{[]string{"odoo_record_retriever", "odoo_model_inspector"}, true},
	} {
		token, tokenID, err := tokens.IssueThread(auth.ThreadGrant{Identity: id, Thread: "t1", AgentID: "agent-1", Tools: tc.tools})
		if err != nil {
			t.Fatal(err)
		}
		current["agent-1"] = tokenID
		cs := s.connectAt(t, "Bearer "+token, "")
		list, err := cs.ListTools(context.Background(), nil)
		if err != nil || len(list.Tools) != len(tc.tools) || list.CacheScope != "private" {
			t.Fatalf("%v: tools/list %v %v", tc.tools, list, err)
		}
		_, err = cs.ReadResource(context.Background(), &gomcp.ReadResourceParams{URI: "odoo://res.partner/7"})
		if tc.read && err != nil {
			t.Errorf("%v: %v", tc.tools, err)
		}
		if !tc.read && (err == nil || !strings.Contains(err.Error(), "reading resources needs odoo_record_retriever")) {
			t.Errorf("%v: read without the retriever: %v", tc.tools, err)
		}
	}
}

// currentToken is the revocation source of thread tokens: agent → its
// current token id (Letta's role).
type currentToken map[string]string

func (c currentToken) CurrentTokenID(_ context.Context, agent string) (string, error) {
	return c[agent], nil
}

// TestNoResourceLinksForLetta: Letta turns non-text content into text in
// the agent's context, so its calls (X-Agent-Id) get the JSON block alone;
// other clients get the links.
func TestNoResourceLinksForLetta(t *testing.T) {
	s := newStack(t, "18.0", nil)
	authz := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","fields":["name"],"limit":2}}}`
	init := map[string]string{"Mcp-Protocol-Version": "2025-06-18"}
	_, _, _, plain := s.raw(t, authz, init, call)
	if !strings.Contains(string(plain), `"resource_link"`) {
		t.Errorf("no links for an MCP client: %s", plain)
	}
	init["X-Agent-Id"] = "agent-123"
	_, _, out, letta := s.raw(t, authz, init, call)
	if res, _ := out["result"].(map[string]any); res == nil || strings.Contains(string(letta), `"resource_link"`) {
		t.Errorf("Letta's call: %s", letta)
	}
}

// TestCallerDisconnectCancelsResourceRead: a resource read's Odoo request
// is cancelled when its caller hangs up, at 2025-06-18 (odoo-mcp's own
// middleware) and at 2026-07-28.
func TestCallerDisconnectCancelsResourceRead(t *testing.T) {
	for _, modern := range []bool{false, true} {
		g, _, srv := newGatedStack(t, "fields_get", false) // the record resource's first request (credential checks read, never fields_get)
		body := `{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"odoo://res.partner/7"}}`
		headers := map[string]string{}
		if modern {
			body = `{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"odoo://res.partner/7",` + meta2026 + `}}`
			headers = headers2026("resources/read", "odoo://res.partner/7")
		}
		ctx, hangUp := context.WithCancel(context.Background())
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/mcp", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Authorization", basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey))
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.ReadAll(resp.Body)
				resp.Body.Close()
			}
		}()
		<-g.held
		hangUp()
		select {
		case <-g.abandoned:
		case <-time.After(5 * time.Second):
			close(g.release)
			t.Errorf("2026-07-28=%v: the caller left but the resource read's Odoo request was not cancelled", modern)
		}
	}
}
