package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

const (
	doctorSigningKey = "doctor-signing-key-00112233445566778899aabbccddeeff"
	doctorLettaKey   = "sk-let-doctor-0123456789"
	// doctorPublicHost is a public-looking name: the fake resolver gives
	// it a public address, the test transport leads it to a test server.
	doctorPublicHost = "odoo-mcp.doctor.example"
)

// fakeResolver answers host lookups from a map.
type fakeResolver map[string]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// routeHost sends requests for one host name to a test server.
type routeHost struct {
	host, addr string
}

func (r routeHost) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Hostname() == r.host {
		if r.addr == "" {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connection refused")}
		}
		req = req.Clone(req.Context())
		req.URL.Host = r.addr
	}
	return http.DefaultTransport.RoundTrip(req)
}

func healthzServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDoctor(t *testing.T) {
	odoo18 := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "doc"}))
	t.Cleanup(odoo18.Close)
	odoo19 := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: "19.0", DB: "doc"}))
	t.Cleanup(odoo19.Close)
	lettaNew := httptest.NewServer(fakeletta.New(fakeletta.Options{Version: fakeletta.VersionNew}))
	t.Cleanup(lettaNew.Close)
	lettaOld := httptest.NewServer(fakeletta.New(fakeletta.Options{Version: fakeletta.VersionOld}))
	t.Cleanup(lettaOld.Close)
	lettaSecure := httptest.NewServer(fakeletta.New(fakeletta.Options{Version: fakeletta.VersionNew, APIKey: "sk-let-the-right-one"}))
	t.Cleanup(lettaSecure.Close)
	healthy := healthzServer(t, http.StatusOK, `{"status":"ok"}`)
	proxyDown := healthzServer(t, http.StatusBadGateway, `bad gateway`)
	notOdooMCP := healthzServer(t, http.StatusOK, `<html>hello</html>`)
	nginx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html>\n<head><title>Welcome to nginx!</title></head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking.</p>\n</body>\n</html>\n")
	}))
	t.Cleanup(nginx.Close)
	odoo20 := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: "20.0", DB: "doc"}))
	t.Cleanup(odoo20.Close)
	unlisted := httptest.NewServer(refuseDBList(fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "doc"})))
	t.Cleanup(unlisted.Close)
	nowhere := "127.0.0.1:1"
	hostOf := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	odoo := func(srv *httptest.Server, extra ...string) []string {
		return append([]string{"ODOO_URL=" + srv.URL, "ODOO_DB=doc", "ODOO_MCP_LISTEN=" + nowhere}, extra...)
	}
	admin := []string{"ODOO_LOGIN=" + fakeodoo.AdminLogin, "ODOO_API_KEY=" + fakeodoo.AdminKey}
	withLetta := func(letta *httptest.Server, public string, extra ...string) []string {
		// These cases check MCP mode (Letta calls odoo-mcp at the public
		// URL); the client-mode case says so.
		return append(append(odoo(odoo18, admin...), "LETTA_BASE_URL="+letta.URL, "ODOO_MCP_PUBLIC_URL="+public,
			"ODOO_MCP_SIGNING_KEY="+doctorSigningKey, "LETTA_TOOL_MODE=mcp"), extra...)
	}
	public := "http://" + doctorPublicHost
	// An odoo-mcp with OAuth on, and one whose proxy forwards only /healthz.
	withOAuth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			fmt.Fprint(w, `{"status":"ok"}`)
		case "/.well-known/oauth-protected-resource/mcp":
			fmt.Fprintf(w, `{"resource":"http://%s/mcp"}`, r.Host)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(withOAuth.Close)
	oauthOn := func(publicURL string) []string {
		return odoo(odoo18, "ODOO_MCP_OAUTH=true", "ODOO_MCP_PUBLIC_URL="+publicURL, "ODOO_MCP_SIGNING_KEY="+doctorSigningKey)
	}

	for _, tc := range []struct {
		name    string
		env     []string
		route   string // where the public host leads ("" nowhere)
		resolve string // the public host's address
		code    int
		want    []string
	}{
		{name: "Odoo 18 with a credential, no Letta", env: odoo(odoo18, admin...), code: 0,
			want: []string{"ok    configuration  the settings are well-formed", "ok    Odoo           Odoo 18.0 answers", "ok    Odoo protocol  jsonrpc (ODOO_PROTOCOL=auto",
				"ok    credential     ODOO_LOGIN=admin with ODOO_API_KEY is uid 2", "skip  Letta", "skip  server", "No problem found."}},
		{name: "Odoo 19 with the key alone", env: odoo(odoo19, "ODOO_API_KEY="+fakeodoo.AdminKey), code: 0,
			want: []string{"Odoo 19.0 answers", "json2 (ODOO_PROTOCOL=auto", "ODOO_API_KEY alone (Bearer, Odoo 19+) is uid 2"}},
		{name: "Odoo 20: no db service", env: odoo(odoo20, "ODOO_API_KEY="+fakeodoo.AdminKey), code: 0,
			want: []string{"Odoo 20.0 answers", "json2 (ODOO_PROTOCOL=auto", `ok    database       "doc" exists on this Odoo`, "is uid 2"}},
		{name: "wrong database on Odoo 20", env: odoo(odoo20, "ODOO_DB=nope"), code: 1,
			want: []string{`has no database "nope"`, `fix: set ODOO_DB to one of the databases this Odoo lists: "doc"`}},
		{name: "wrong key on Odoo 20 names the rpc scope", env: odoo(odoo20, "ODOO_API_KEY=0123456789wrong"), code: 1,
			want: []string{"FAIL  credential     Odoo at " + odoo20.URL + " refused the credential", "fix: check the login; on Odoo 20 and later an API key works on the RPC routes only with the rpc scope"}},
		{name: "no credential", env: odoo(odoo18), code: 0, want: []string{`ok    database       "doc" exists on this Odoo`, "skip  credential"}},
		{name: "wrong database, no credential", env: odoo(odoo18, "ODOO_DB=nope"), code: 1,
			want: []string{`FAIL  database       the Odoo at ` + odoo18.URL + ` has no database "nope"`, `fix: set ODOO_DB to one of the databases this Odoo lists: "doc"`, "1 problem found."}},
		{name: "wrong database with a credential", env: odoo(odoo18, append(admin, "ODOO_DB=nope")...), code: 1,
			want: []string{`FAIL  database       the Odoo at ` + odoo18.URL + ` has no database "nope"`, `"doc"`, "skip  credential     not checked", "1 problem found."}},
		{name: "wrong database on Odoo 19", env: odoo(odoo19, "ODOO_API_KEY="+fakeodoo.AdminKey, "ODOO_DB=nope"), code: 1,
			want: []string{`has no database "nope"`, `fix: set ODOO_DB to one of the databases this Odoo lists: "doc"`}},
		{name: "wrong database, Odoo does not list its databases", env: odoo(unlisted, "ODOO_DB=nope"), code: 1,
			want: []string{`FAIL  database       the Odoo at ` + unlisted.URL + ` has no database "nope"`, "fix: set ODOO_DB to the name of an existing database (this Odoo does not list its databases)"}},
		{name: "a web server that is not Odoo", env: odoo(nginx), code: 1,
			want: []string{"FAIL  Odoo           at " + nginx.URL + `, POST /jsonrpc answered HTTP 200 OK (text/html): "Welcome to nginx! If you see this page, the nginx web server is`, "which does not look like Odoo\n", "not a page under it"}},
		{name: "the server answers locally", env: odoo(odoo18, "ODOO_MCP_LISTEN="+hostOf(healthy)), code: 0,
			want: []string{"ok    server         odoo-mcp answers at http://" + hostOf(healthy) + "/healthz"}},
		{name: "wrong key", env: odoo(odoo18, "ODOO_LOGIN=admin", "ODOO_API_KEY=0123456789wrong"), code: 1,
			want: []string{"FAIL  credential     Odoo at " + odoo18.URL + " refused the credential (ODOO_LOGIN=admin with ODOO_API_KEY)", "fix: check the login", "1 problem found."}},
		{name: "key alone on Odoo 18", env: odoo(odoo18, "ODOO_API_KEY="+fakeodoo.AdminKey), code: 1,
			want: []string{"FAIL  credential     ODOO_API_KEY alone cannot identify its user on Odoo 16-18", "fix: set ODOO_LOGIN too"}},
		{name: "JSON-2 on Odoo 18", env: odoo(odoo18, "ODOO_PROTOCOL=json2"), code: 1,
			want: []string{"FAIL  Odoo protocol  ODOO_PROTOCOL=json2, but JSON-2 exists from Odoo 19", "fix: set ODOO_PROTOCOL=auto"}},
		{name: "Odoo down", env: []string{"ODOO_URL=http://" + nowhere, "ODOO_DB=doc", "ODOO_MCP_LISTEN=" + nowhere}, code: 1,
			want: []string{"FAIL  Odoo           cannot reach Odoo at http://" + nowhere, "fix: check ODOO_URL"}},
		{name: "not Odoo", env: odoo(healthy), code: 1, want: []string{"POST /jsonrpc answered HTTP 404 Not Found (text/plain; charset=utf-8): \"404 page not found\", which does not look like Odoo", "not a page under it"}},
		{name: "incomplete configuration", env: []string{"ODOO_MCP_READ_ONLY=maybe", "ODOO_MCP_LISTEN=" + nowhere}, code: 1,
			want: []string{"FAIL  configuration  ODOO_MCP_READ_ONLY=\"maybe\" is not a boolean", "FAIL  configuration  --odoo-url (ODOO_URL) is required", "skip  Odoo"}},
		{name: "Letta 0.16.8, public URL fine and reachable", env: withLetta(lettaNew, public), route: hostOf(healthy), resolve: "93.184.215.14", code: 0,
			want: []string{fmt.Sprintf("ok    signing key    %d characters", len(doctorSigningKey)), "ok    Letta          Letta 0.16.8 answers at " + lettaNew.URL,
				`ok    Letta access   accepted; MCP server "odoo-mcp" is not registered yet`, "ok    Letta MCP URL  Letta 0.16.8 accepts " + public + "/mcp",
				"ok    public URL     " + public + "/healthz answers from here"}},
		{name: "Letta 0.16.8 refuses a loopback URL", env: withLetta(lettaNew, "http://127.0.0.1:8808"), code: 1,
			want: []string{"FAIL  Letta MCP URL  Letta 0.16.8 will refuse http://127.0.0.1:8808/mcp: host 127.0.0.1 is a non-public IP address", "fix: give odoo-mcp a public host name"}},
		{name: "Letta 0.16.8 refuses a name that resolves to a private address", env: withLetta(lettaNew, public), route: hostOf(healthy), resolve: "10.1.2.3", code: 1,
			want: []string{"will refuse " + public + "/mcp: host " + doctorPublicHost + " resolves to non-public IP 10.1.2.3"}},
		{name: "Letta 0.11.7 accepts a private URL", env: withLetta(lettaOld, "http://odoo-mcp.local:8808"), code: 0,
			want: []string{"ok    Letta          Letta 0.11.7", "ok    Letta MCP URL  Letta 0.11.7 accepts http://odoo-mcp.local:8808/mcp, a private address", "0.16.7 and later would refuse it",
				"warn  public URL     http://odoo-mcp.local:8808/healthz", "start odoo-mcp serve and run doctor again"}},
		{name: "Letta down", env: withLetta(&httptest.Server{URL: "http://" + nowhere}, public), route: hostOf(healthy), resolve: "93.184.215.14", code: 1,
			want: []string{"FAIL  Letta          cannot reach Letta at http://" + nowhere, "fix: check LETTA_BASE_URL"}},
		{name: "Letta refuses the API key", env: withLetta(lettaSecure, public, "LETTA_API_KEY="+doctorLettaKey), route: hostOf(healthy), resolve: "93.184.215.14", code: 1,
			want: []string{"FAIL  Letta API key  Letta refused the request (401)", "fix: set LETTA_API_KEY to a valid key"}},
		{name: "Letta needs an API key", env: withLetta(lettaSecure, public), route: hostOf(healthy), resolve: "93.184.215.14", code: 1,
			want: []string{"FAIL  Letta API key", "fix: this Letta needs an API key: set LETTA_API_KEY"}},
		{name: "short signing key", env: withLetta(lettaNew, public, "ODOO_MCP_SIGNING_KEY=short"), route: hostOf(healthy), resolve: "93.184.215.14", code: 1,
			want: []string{"ok    configuration  the settings are well-formed", "FAIL  signing key    ODOO_MCP_SIGNING_KEY has 5 characters, at least 32 needed", "fix: generate one with: openssl rand -hex 32", "1 problem found."}},
		{name: "weak signing key", env: withLetta(lettaNew, public, "ODOO_MCP_SIGNING_KEY="+strings.Repeat("ab", 20)), route: hostOf(healthy), resolve: "93.184.215.14", code: 0,
			want: []string{"warn  signing key    ODOO_MCP_SIGNING_KEY has 40 characters but only 2 different ones", "No problem found; 1 warning."}},
		{name: "missing signing key", env: withLetta(lettaNew, public, "ODOO_MCP_SIGNING_KEY=", "LETTA_TOOL_MODE=mcp"), route: hostOf(healthy), resolve: "93.184.215.14", code: 1,
			want: []string{"FAIL  signing key    ODOO_MCP_SIGNING_KEY is not set"}},
		{name: "no signing key needed in client mode", env: withLetta(lettaNew, public, "ODOO_MCP_SIGNING_KEY=", "LETTA_TOOL_MODE=auto"), route: hostOf(healthy), resolve: "93.184.215.14", code: 0,
			want: []string{"skip  signing key    ODOO_MCP_SIGNING_KEY is not set: needed only in MCP mode", "ok    tool mode      client tools"}},
		{name: "the public URL does not lead to odoo-mcp", env: withLetta(lettaNew, public, "ODOO_MCP_LISTEN="+hostOf(healthy)), route: hostOf(proxyDown), resolve: "93.184.215.14", code: 1,
			want: []string{"FAIL  public URL     " + public + "/healthz: answered 502 Bad Gateway, but odoo-mcp answers at http://" + hostOf(healthy), "fix: make ODOO_MCP_PUBLIC_URL lead to this odoo-mcp"}},
		{name: "OAuth: the public URL serves the metadata", env: oauthOn(withOAuth.URL), code: 0,
			want: []string{"ok    OAuth          " + withOAuth.URL + "/.well-known/oauth-protected-resource/mcp answers from here"}},
		{name: "OAuth: the proxy forwards only some paths", env: oauthOn(healthy.URL), code: 1,
			want: []string{"FAIL  OAuth          " + healthy.URL + "/.well-known/oauth-protected-resource/mcp answered 404 Not Found", "fix: forward /.well-known/ and /oauth/ to odoo-mcp"}},
		{name: "OAuth: an http public URL off loopback", env: oauthOn(public), code: 1,
			want: []string{"FAIL  configuration  --public-url (ODOO_MCP_PUBLIC_URL) with --oauth", "must use https://"}},
		{name: "something else answers at the public URL", env: withLetta(lettaNew, public, "ODOO_MCP_LISTEN="+hostOf(healthy)), route: hostOf(notOdooMCP), resolve: "93.184.215.14", code: 1,
			want: []string{"answered 200 but not as odoo-mcp does"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			d, code := parseDoctor([]string{"--timeout", "5s"}, &out, &errb)
			if d == nil {
				t.Fatalf("parse: %d %s", code, errb.String())
			}
			d.http = &http.Client{Transport: routeHost{doctorPublicHost, tc.route}}
			d.resolver = fakeResolver{doctorPublicHost: tc.resolve}
			if tc.resolve == "" {
				d.resolver = fakeResolver{}
			}
			code = d.run(context.Background())
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if strings.ContainsAny(out.String(), "<>") {
				t.Errorf("markup in the report")
			}
			for _, secret := range []string{fakeodoo.AdminKey, "0123456789wrong", doctorSigningKey, doctorLettaKey, "sk-let-the-right-one"} {
				if strings.Contains(out.String()+errb.String(), secret) {
					t.Errorf("a secret is in the output")
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s%s", out.String(), errb.String())
			}
		})
	}
}

func TestDoctorUsage(t *testing.T) {
	clearEnv(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"doctor", "extra"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unexpected arguments") {
		t.Errorf("extra argument: %d %s", code, errb.String())
	}
	if code := run(context.Background(), []string{"doctor", "--no-such-flag"}, &out, &errb); code != 2 {
		t.Errorf("unknown flag: %d", code)
	}
}

// refuseDBList answers db.list as an Odoo with list_db = False does.
func refuseDBList(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"service":"db","method":"list"`) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"jsonrpc":"2.0","id":1,"error":{"code":200,"message":"Odoo Server Error","data":{"name":"odoo.exceptions.AccessDenied","message":"Access Denied","arguments":["Access Denied"],"context":{},"debug":""}}}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
