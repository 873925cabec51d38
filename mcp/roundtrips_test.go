package mcp

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Under steady concurrent load every warm retriever call is exactly one
// Odoo request (none for authentication), on both protocols, and the
// connections to Odoo are kept alive: at most one per concurrent call,
// never one per call. Counts only; nothing here depends on timing.
// (TestWarmToolCallIsOneOdooRequest covers a single session on 18.0.)
func TestSteadyLoadKeepsOdooConnectionsAndOneRequestPerCall(t *testing.T) {
	const calls, concurrency = 240, 8
	for _, version := range []string{"18.0", "19.0"} {
		t.Run(version, func(t *testing.T) {
			fake := fakeodoo.New(fakeodoo.Options{Version: version})
			odooSrv := httptest.NewUnstartedServer(fake)
			var conns atomic.Int64
			odooSrv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			odooSrv.Start()
			t.Cleanup(odooSrv.Close)
			client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{TTL: time.Hour}), Version: "test"}
			mcpSrv := httptest.NewServer(testApp(New(cfg), testConfig{Config: cfg}))
			t.Cleanup(mcpSrv.Close)
			authz := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
			call := func() error {
				req, _ := http.NewRequest(http.MethodPost, mcpSrv.URL+"/mcp", strings.NewReader(benchCall))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Authorization", authz)
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				body := readAll(resp)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"records"`) || strings.Contains(body, `"isError":true`) {
					return fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
				}
				return nil
			}
			// Cold: credential check, protocol detection.
			if err := call(); err != nil {
				t.Fatal(err)
			}
			fake.ResetCounters()
			connsBefore := conns.Load()
			var wg sync.WaitGroup
			var next atomic.Int64
			errs := make(chan error, concurrency)
			for range concurrency {
				wg.Go(func() {
					for next.Add(1) <= calls {
						if err := call(); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := fake.Requests(); n != calls {
				t.Errorf("%d warm retriever calls made %d Odoo requests, want %d", calls, n, calls)
			}
			for _, c := range fake.Calls() {
				if c.Method != "search_read" {
					t.Errorf("unexpected Odoo call %s.%s (%s %s)", c.Model, c.Method, c.Protocol, c.Service)
				}
			}
			// One per concurrent call, and a few more when a dial races a
			// connection coming back to the pool; never one per call.
			if n := conns.Load() - connsBefore; n > 2*concurrency {
				t.Errorf("%d calls at concurrency %d opened %d new connections to Odoo, want at most %d", calls, concurrency, n, 2*concurrency)
			}
		})
	}
}

func readAll(resp *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
