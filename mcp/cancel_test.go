package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// gate stands in front of the fake Odoo and holds the first request for
// one ORM method until the test releases it, or until the request is
// abandoned by odoo-mcp (its context cancelled). It records every method
// that reached the fake.
type gate struct {
	next      http.Handler
	hold      string
	held      chan struct{} // closed when the held request arrives
	release   chan struct{} // closed by the test to let it through
	abandoned chan struct{} // closed when odoo-mcp gave the held request up
	once      sync.Once

	mu   sync.Mutex
	seen []string
}

func newGate(next http.Handler, hold string) *gate {
	return &gate{next: next, hold: hold, held: make(chan struct{}), release: make(chan struct{}), abandoned: make(chan struct{})}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var rpc struct {
		Params struct {
			Method string `json:"method"`
			Args   []json.RawMessage
		}
	}
	method := ""
	if json.Unmarshal(body, &rpc) == nil && rpc.Params.Method == "execute_kw" && len(rpc.Params.Args) > 4 {
		json.Unmarshal(rpc.Params.Args[4], &method)
	}
	first := false
	if method == g.hold {
		g.once.Do(func() { first = true })
	}
	if first {
		close(g.held)
		select {
		case <-g.release:
		case <-r.Context().Done():
			close(g.abandoned)
			return
		}
	}
	g.mu.Lock()
	g.seen = append(g.seen, method)
	g.mu.Unlock()
	g.next.ServeHTTP(w, r)
}

func (g *gate) reached(method string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Contains(g.seen, method)
}

// toolCalls reports each finished tool call (the audit middleware's metric).
type toolCalls chan string

func (c toolCalls) ToolCall(tool, outcome string, d time.Duration) { c <- tool + " " + outcome }

// cancelCases: a write tool must not send its write once its caller is
// gone; a read must have its Odoo request cancelled.
var cancelCases = []struct {
	tool   string
	args   map[string]any
	hold   string // the ORM method held at the fake Odoo
	forbid string // the method that must never reach it
}{
	{"odoo_record_updater", map[string]any{"model": "res.partner", "domain": []any{[]any{"is_company", "=", true}},
		"values": []any{map[string]any{"field": "phone", "value": "+32 2 555 01 00"}}}, "search", "write"},
	{"odoo_record_unlinker", map[string]any{"model": "res.partner", "domain": []any{[]any{"is_company", "=", true}}}, "search_read", "unlink"},
	{"odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}}, "search_read", ""},
}

// waitCancelled checks what happened at Odoo after the caller left: the
// held request must have been abandoned by odoo-mcp. If it was not, it is
// let through after a while (the defect: the call runs on), and the test
// fails; the wait bounds only the failing case.
func waitCancelled(t *testing.T, g *gate, done toolCalls, forbid string) {
	t.Helper()
	cancelled := true
	select {
	case <-g.abandoned:
	case <-time.After(5 * time.Second):
		cancelled = false
		close(g.release)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the tool call never finished")
	}
	if !cancelled {
		t.Errorf("the caller left but the tool call's Odoo request (%s) was not cancelled", g.hold)
	}
	if forbid != "" && g.reached(forbid) {
		t.Errorf("%s was sent to Odoo after the caller had left", forbid)
	}
}

func newGatedStack(t *testing.T, hold string, stateful bool) (*gate, toolCalls, *httptest.Server) {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0"})
	g := newGate(fake, hold)
	odooSrv := httptest.NewServer(g)
	t.Cleanup(odooSrv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	calls := make(toolCalls, 4)
	ep := New(Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{}), Version: "test", Stateful: stateful, Metrics: calls})
	srv := httptest.NewServer(appFor(ep, httpapp.Config{}))
	t.Cleanup(srv.Close)
	return g, calls, srv
}

func rawPost(ctx context.Context, url, session, body string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	return http.DefaultClient.Do(req)
}

func TestCallerDisconnectCancelsToolCall(t *testing.T) {
	for _, stateful := range []bool{false, true} {
		for _, tc := range cancelCases {
			mode := map[bool]string{false: "stateless", true: "stateful"}[stateful]
			t.Run(mode+"/"+tc.tool, func(t *testing.T) {
				g, calls, srv := newGatedStack(t, tc.hold, stateful)
				url := srv.URL + "/mcp"
				session := ""
				if stateful {
					resp, err := rawPost(context.Background(), url, "", initializeBody)
					if err != nil || resp.StatusCode != http.StatusOK {
						t.Fatalf("initialize: %v %v", resp, err)
					}
					io.ReadAll(resp.Body)
					resp.Body.Close()
					session = resp.Header.Get("Mcp-Session-Id")
					resp, err = rawPost(context.Background(), url, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
					if err != nil || resp.StatusCode != http.StatusAccepted {
						t.Fatalf("initialized: %v %v", resp, err)
					}
					resp.Body.Close()
				}
				args, _ := json.Marshal(tc.args)
				body := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"` + tc.tool + `","arguments":` + string(args) + `}}`
				ctx, hangUp := context.WithCancel(context.Background())
				go func() {
					if resp, err := rawPost(ctx, url, session, body); err == nil {
						io.ReadAll(resp.Body)
						resp.Body.Close()
					}
				}()
				<-g.held
				hangUp()
				waitCancelled(t, g, calls, tc.forbid)
			})
		}
	}
}

func TestStdioCancelledNotificationCancelsToolCall(t *testing.T) {
	for _, tc := range cancelCases {
		t.Run(tc.tool, func(t *testing.T) {
			fake := fakeodoo.New(fakeodoo.Options{Version: "18.0"})
			g := newGate(fake, tc.hold)
			odooSrv := httptest.NewServer(g)
			t.Cleanup(odooSrv.Close)
			client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			calls := make(toolCalls, 4)
			ep := New(Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{}), Version: "test", Metrics: calls})
			serverT, clientT := gomcp.NewInMemoryTransports()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- ep.ServeStdio(ctx, serverT, basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey))
			}()
			t.Cleanup(func() { cancel(); <-done })
			cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "test", Version: "v0"}, nil).Connect(ctx, clientT, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			callCtx, hangUp := context.WithCancel(ctx)
			go cs.CallTool(callCtx, &gomcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
			<-g.held
			hangUp() // the client sends notifications/cancelled
			waitCancelled(t, g, calls, tc.forbid)
		})
	}
}
