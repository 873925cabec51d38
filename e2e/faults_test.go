package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// faultyOdoo stands in front of the fake Odoo and misbehaves on demand.
type faultyOdoo struct {
	next  http.Handler
	fault atomic.Value // string
}

func (f *faultyOdoo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.fault.Load() {
	case "slow":
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	case "gateway":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>")
	case "badjson":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":[{"id":1,`)
	case "huge":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"`+strings.Repeat("x", 2<<20)+`"}`)
	case "cut":
		hj, _ := w.(http.Hijacker)
		conn, buf, _ := hj.Hijack()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\",\"result\":[")
		buf.Flush()
		conn.Close()
	default:
		f.next.ServeHTTP(w, r)
	}
}

// faultStack is odoo-mcp in this process against a faulty fake Odoo, with
// a short Odoo timeout for the fault that needs one (slow) so it shows
// quickly; the others answer at once and get room for a loaded machine (a
// 2 MiB answer read under the race detector can outlast 300 ms).
type faultStack struct {
	fake   *fakeodoo.Server
	faulty *faultyOdoo
	odoo   *httptest.Server
	mcp    *httptest.Server
	http   *http.Client
}

func newFaultStack(t *testing.T, db, fault string) *faultStack {
	t.Helper()
	timeout := 10 * time.Second
	if fault == "slow" {
		timeout = 300 * time.Millisecond
	}
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "e2e"})
	faulty := &faultyOdoo{next: fake}
	faulty.fault.Store("")
	odooSrv := httptest.NewServer(faulty)
	odooHTTP := &http.Client{Transport: odoorpc.NewTransport()}
	client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: db, Timeout: timeout, MaxResponseBytes: 1 << 20, HTTPClient: odooHTTP})
	if err != nil {
		t.Fatal(err)
	}
	authn := auth.NewAuthenticator(client, auth.Options{TTL: time.Minute})
	app := httpapp.New(httpapp.Config{MCP: mcp.New(mcp.Config{Odoo: client, Version: "test"}).Handler(), Auth: authn})
	mcpSrv := httptest.NewServer(app)
	s := &faultStack{fake: fake, faulty: faulty, odoo: odooSrv, mcp: mcpSrv, http: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(func() {
		mcpSrv.Close()
		odooSrv.Close()
		odooHTTP.CloseIdleConnections()
		s.http.CloseIdleConnections()
	})
	return s
}

func (s *faultStack) session(t *testing.T) *gomcp.ClientSession {
	t.Helper()
	h := http.Header{"Authorization": {basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)}}
	transport := &gomcp.StreamableClientTransport{Endpoint: s.mcp.URL + "/mcp", HTTPClient: &http.Client{Transport: withHeaders{h, s.http.Transport}}}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "faults", Version: "v0"}, nil).Connect(context.Background(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestOdooFaults: for each way Odoo can fail, a tool call with warm
// credentials comes back as a short isError result that names Odoo as the
// failing side, without a panic, a hang or a leaked goroutine.
func TestOdooFaults(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cases := []struct {
		fault string
		want  string
	}{
		{"slow", "Odoo did not answer in time"},
		{"gateway", "Odoo is not reachable"},
		{"badjson", "Odoo sent an unexpected answer"},
		{"huge", "Odoo sent an unexpected answer"},
		{"cut", "Odoo is not reachable"},
		{"refused", "Odoo is not reachable"},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			s := newFaultStack(t, "e2e", tc.fault)
			cs := s.session(t) // credentials checked and cached while Odoo is well
			if tc.fault == "refused" {
				s.odoo.Close()
			}
			s.faulty.fault.Store(tc.fault)
			start := time.Now()
			res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
				Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}}})
			if err != nil {
				t.Fatalf("protocol error instead of a tool error: %v", err)
			}
			text := res.Content[0].(*gomcp.TextContent).Text
			if !res.IsError || !strings.Contains(text, tc.want) {
				t.Fatalf("got isError=%v %q, want %q", res.IsError, text, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("the fault took %v to surface", d)
			}
		})
	}
}

// TestOdooFaultsOnAuthentication: a cold credential check against a failing
// Odoo is a 503 naming Odoo, never a 401 that would make a client drop a
// good key; a database that does not exist is reported the same way.
func TestOdooFaultsOnAuthentication(t *testing.T) {
	for _, tc := range []struct{ fault, db string }{{"slow", "e2e"}, {"gateway", "e2e"}, {"cut", "e2e"}, {"", "no_such_db"}} {
		s := newFaultStack(t, tc.db, tc.fault)
		s.faulty.fault.Store(tc.fault)
		req, _ := http.NewRequest(http.MethodPost, s.mcp.URL+"/mcp", strings.NewReader(initialize))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Odoo") {
			t.Errorf("fault %q db %s: %d %s", tc.fault, tc.db, resp.StatusCode, body)
		}
	}
}

// TestKeyRevokedBetweenCalls: a key revoked in Odoo while its check is
// cached makes Odoo refuse the next call, which comes back as "access
// denied" (not a crash, not a success).
func TestKeyRevokedBetweenCalls(t *testing.T) {
	s := newFaultStack(t, "e2e", "")
	cs := s.session(t)
	s.fake.RevokeKey(fakeodoo.AdminKey)
	res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
		Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*gomcp.TextContent).Text, "access denied") {
		t.Fatalf("%v %v", res, err)
	}
}

// TestCallerFaults exercises the binary's own defences: a body over the
// limit and many connections at once.
func TestCallerFaults(t *testing.T) {
	_, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv, "ODOO_MCP_RATE_LIMIT=0"), "--max-body-bytes", "65536")
	auth := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)

	t.Run("body over the limit", func(t *testing.T) {
		big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"` + strings.Repeat("x", 100<<10) + `"}}}`
		resp, _ := postMCP(t, p, auth, big)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("many connections", func(t *testing.T) {
		var wg sync.WaitGroup
		var failed atomic.Int32
		for range 200 {
			wg.Go(func() {
				c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
				req, _ := http.NewRequest(http.MethodPost, p.URL+"/mcp", strings.NewReader(initialize))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Authorization", auth)
				resp, err := c.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
		if n := failed.Load(); n > 0 {
			t.Fatalf("%d of 200 concurrent connections failed", n)
		}
		if resp, err := http.Get(p.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("unhealthy after the burst: %v", err)
		}
	})
}

// TestSlowHeaders: headers sent too slowly end the connection after
// ODOO_MCP_READ_HEADER_TIMEOUT. A binary of its own: a 300 ms header timeout
// would also cut the connections of TestCallerFaults' burst on a loaded
// machine (their headers wait for a goroutine to be scheduled).
func TestSlowHeaders(t *testing.T) {
	_, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv, "ODOO_MCP_READ_HEADER_TIMEOUT=300ms", "ODOO_MCP_RATE_LIMIT=0"))
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /mcp HTTP/1.1\r\nHost: x\r\n") // and then nothing
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	// The server gives up on the request: it closes the connection
	// (possibly after a 408), well before our own 10 s deadline.
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server kept a connection with unfinished headers open")
	}
	if n > 0 && !strings.Contains(string(buf[:n]), "408") {
		t.Fatalf("unexpected answer %q", buf[:n])
	}
}

// TestSlowBody: a body trickled a byte at a time is answered (400, naming
// the timeout) and dropped after ODOO_MCP_READ_BODY_TIMEOUT. A binary of
// its own: a 300 ms body timeout would fail requests of the busy tests
// above on a loaded machine.
func TestSlowBody(t *testing.T) {
	_, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv, "ODOO_MCP_READ_BODY_TIMEOUT=300ms", "ODOO_MCP_RATE_LIMIT=0"))
	auth := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /mcp HTTP/1.1\r\nHost: "+strings.TrimPrefix(p.URL, "http://")+"\r\nContent-Type: application/json\r\n"+
		"Accept: application/json, text/event-stream\r\nAuthorization: "+auth+"\r\nContent-Length: 60000\r\n\r\n{")
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 20 ms: the body would take 20 minutes
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the server kept reading a trickled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "did not arrive within 300ms") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

}
