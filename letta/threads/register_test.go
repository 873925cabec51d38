package threads

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

func TestRegistrationIsIdempotent(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		servers := e.letta.MCPServers()
		if len(servers) != 1 {
			t.Fatalf("%d MCP servers", len(servers))
		}
		s := servers[0]
		wantHeader := "Bearer {{ " + TokenVar + " | " + e.tokens.ListingToken() + " }}"
		if s.Name != DefaultServerName || s.Type != "streamable_http" || s.URL != publicURL+"/mcp" || s.CustomHeaders["Authorization"] != wantHeader {
			t.Fatalf("registered %+v", s)
		}
		var synced []string
		for _, tool := range e.letta.Tools() {
			if tool.ServerName == DefaultServerName {
				synced = append(synced, tool.Name)
			}
		}
		slices.Sort(synced)
		want := slices.Sorted(slices.Values(allTools))
		if !slices.Equal(synced, want) {
			t.Fatalf("Letta tools %v, want %v", synced, want)
		}

		// Another replica (or a restart) registers again: nothing is written.
		e.letta.ResetRequests()
		if err := e.newOrchestrator(nil).Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, r := range e.letta.Requests() {
			if r.Method == http.MethodPut || r.Method == http.MethodPatch && !strings.HasSuffix(r.Path, "/refresh") || r.Method == http.MethodDelete ||
				r.Method == http.MethodPost && strings.Contains(r.Path, "mcp-servers") {
				t.Errorf("an unchanged registration wrote: %s %s", r.Method, r.Path)
			}
		}

		// A new public URL rewrites the server in full, keeping one.
		moved := e.newOrchestrator(func(o *Options) { o.PublicURL = "http://odoo-mcp.example.org/" })
		if err := moved.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		servers = e.letta.MCPServers()
		if len(servers) != 1 || servers[0].URL != "http://odoo-mcp.example.org/mcp" || servers[0].CustomHeaders["Authorization"] != wantHeader {
			t.Fatalf("after moving: %+v", servers)
		}
	})
}

func TestRegistrationRefusedPrivateURL(t *testing.T) {
	for _, tc := range []struct {
		version, url string
		refused      bool
	}{
		{fakeletta.VersionNew, "http://127.0.0.1:8808", true},
		{fakeletta.VersionNew, "http://odoo-mcp.svc.cluster.local", true},
		{fakeletta.VersionNew, "http://10.1.2.3/", true},
		{fakeletta.VersionOld, "http://127.0.0.1:8808", false}, // 0.11.7 has no such block
	} {
		t.Run(tc.version+" "+tc.url, func(t *testing.T) {
			e := newEnv(t, tc.version, func(o *envOptions) {
				o.register = false
				o.orch = func(opts *Options) { opts.PublicURL = tc.url }
			})
			err := e.orch.Register(t.Context())
			if !tc.refused {
				if err != nil {
					t.Fatalf("register: %v", err)
				}
				return
			}
			var te *Error
			if !errors.As(err, &te) || te.Code != "letta_refuses_mcp_url" || !strings.Contains(te.Message, "ODOO_MCP_PUBLIC_URL") || !strings.Contains(te.Message, "0.16.7") {
				t.Fatalf("register: %v, want a refusal naming the fix", err)
			}
			// Permanent: the background loop stops at once, and the thread
			// API says why.
			done := make(chan struct{})
			go func() { e.orch.RunRegistration(t.Context()); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("RunRegistration keeps retrying a configuration error")
			}
			r := e.do(http.MethodPut, "/api/v1/threads/x", admin, Spec{Model: chatModel})
			if r.status != http.StatusServiceUnavailable || !strings.Contains(r.json(t)["message"].(string), "ODOO_MCP_PUBLIC_URL") {
				t.Errorf("PUT while Letta refuses the URL: %d %s", r.status, r.body)
			}
			if !strings.Contains(e.logs.String(), "Letta will not accept odoo-mcp's MCP URL") {
				t.Error("no clear log line")
			}
			if len(e.letta.MCPServers()) != 0 {
				t.Error("registered anyway")
			}
		})
	}
}

// TestRegistrationRetriesInTheBackground: Letta is down at start; odoo-mcp
// keeps retrying (and says so), threads get a 503 meanwhile, and when Letta
// comes back the registration completes without a restart.
func TestRegistrationRetriesInTheBackground(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version, func(o *envOptions) { o.register = false })
		e.lettaOff.Store(true)
		// (RunRegistration then keeps re-checking until ctx ends.)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.orch.RunRegistration(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		eventually(t, 10*time.Second, "a retry to be logged", func() bool {
			return strings.Count(e.logs.String(), "cannot register with Letta yet; will retry") >= 2
		})
		if r := e.do(http.MethodPut, "/api/v1/threads/x", admin, Spec{Model: chatModel}); r.status != http.StatusServiceUnavailable {
			t.Errorf("PUT while Letta is down: %d %s", r.status, r.body)
		}
		e.lettaOff.Store(false)
		eventually(t, 10*time.Second, "the registration to complete once Letta is back", func() bool {
			cur, _ := e.orch.reg.current()
			return cur != nil && len(e.letta.MCPServers()) == 1
		})
		e.declare(admin, "x", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
	})
}

// TestRegistrationIsRepairedInTheBackground: someone deletes odoo-mcp's MCP
// server in Letta, or edits its header; the periodic re-check puts it back.
func TestRegistrationIsRepairedInTheBackground(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version, func(o *envOptions) { o.orch = func(opts *Options) { opts.Recheck = 20 * time.Millisecond } })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.orch.RunRegistration(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		th := e.declare(admin, "x", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)

		srv := e.letta.MCPServers()[0]
		path := "/v1/tools/mcp/servers/" + srv.Name
		if version == fakeletta.VersionNew {
			path = "/v1/mcp-servers/" + srv.ID
		}
		req, _ := http.NewRequest(http.MethodDelete, e.lettaSrv.URL+path, nil)
		resp, err := e.client.Do(req)
		if err != nil || resp.StatusCode >= 300 {
			t.Fatalf("delete the MCP server: %v %v", resp, err)
		}
		resp.Body.Close()
		eventually(t, 10*time.Second, "the MCP server to be registered again", func() bool {
			s := e.letta.MCPServers()
			return len(s) == 1 && s[0].URL == publicURL+"/mcp"
		})
		// The thread, used without being declared again, has its tool back
		// (NEW deleted the server's tools, and so detached them).
		_, evs := e.send(admin, "x", retrieverCall)
		ok := false
		for _, ev := range evs {
			ok = ok || ev.Name == EventToolReturn && ev.Data["status"] == "success"
		}
		if !ok || !slices.Equal(attachedNames(e, th.AgentID), []string{"odoo_record_retriever"}) {
			t.Errorf("thread %s does not work after the repair: %v", th.AgentID, evs)
		}
		if version == fakeletta.VersionNew && !strings.Contains(e.logs.String(), "thread tools attached again") {
			t.Error("NEW lost the tools with the server: the message should have attached them again")
		}
	})
}

// TestStaleToolIDsAreRefreshed: the MCP server is deleted and re-created
// behind odoo-mcp's back (new tool ids); declarations still work.
func TestStaleToolIDsAreRefreshed(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew)
	other := e.newOrchestrator(func(o *Options) { o.ServerName = DefaultServerName })
	srv := e.letta.MCPServers()[0]
	req, _ := http.NewRequest(http.MethodDelete, e.lettaSrv.URL+"/v1/mcp-servers/"+srv.ID, nil)
	resp, err := e.client.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete server: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := other.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	th := e.declare(admin, "stale", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
	if got := attachedNames(e, th.AgentID); !slices.Equal(got, []string{"odoo_record_retriever"}) {
		t.Errorf("attached %v", got)
	}
}

func TestMCPURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://odoo-mcp.example.com":          "https://odoo-mcp.example.com/mcp",
		"https://odoo-mcp.example.com/":         "https://odoo-mcp.example.com/mcp",
		"https://example.com/odoo/":             "https://example.com/odoo/mcp",
		"https://example.com/odoo/mcp":          "https://example.com/odoo/mcp",
		"http://odoo-mcp:8808":                  "http://odoo-mcp:8808/mcp",
		"ftp://example.com":                     "",
		"https://user:pw@example.com":           "",
		"https://example.com/?q=1":              "",
		"example.com":                           "",
		"https://odoo-mcp.example.com/mcp/":     "https://odoo-mcp.example.com/mcp",
		"  https://odoo-mcp.example.com/path  ": "https://odoo-mcp.example.com/path/mcp",
	} {
		got, err := MCPURL(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("MCPURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
