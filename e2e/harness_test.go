// Package e2e drives the built odoo-mcp binary over HTTP, against the
// in-memory fakes, as a real deployment would be driven.
package e2e

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Remove()
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	return testbin.Build(t, "../cmd/odoo-mcp")
}

// freeAddr picks a loopback port for the binary to listen on.
func freeAddr(t *testing.T) string { return testbin.FreeAddr(t) }

// process is a running odoo-mcp.
type process = testbin.Process

// startBinary runs `odoo-mcp serve` with args and env, waits until /healthz
// answers, and stops it (SIGINT) when the test ends.
func startBinary(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	return startBinaryOn(t, freeAddr(t), env, args...)
}

// startBinaryOn is startBinary listening on addr (from freeAddr), for a
// configuration that must name its own address (a public URL).
func startBinaryOn(t *testing.T, addr string, env []string, args ...string) *process {
	t.Helper()
	return testbin.Serve(t, testbin.Options{Bin: buildBinary(t), Addr: addr, Env: env, Args: args})
}

func basicAuth(login, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
}

// withHeaders adds fixed headers to every request.
type withHeaders struct {
	header http.Header
	base   http.RoundTripper
}

func (w withHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range w.header {
		r.Header[k] = v
	}
	return w.base.RoundTrip(r)
}

// connectMCP opens an MCP client session to the process with the given
// Authorization header ("" for none), using the go-sdk client.
func connectMCP(t *testing.T, p *process, authorization string) (*gomcp.ClientSession, error) {
	t.Helper()
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	transport := &gomcp.StreamableClientTransport{
		Endpoint:   p.URL + "/mcp",
		HTTPClient: &http.Client{Transport: withHeaders{h, http.DefaultTransport}, Timeout: 30 * time.Second},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, transport, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

// waitForLog waits until the process logged a line containing s.
func waitForLog(t *testing.T, p *process, s string, within time.Duration) {
	t.Helper()
	testbin.WaitForLog(t, p, s, within)
}

// requiredInCI fails a test that would skip for want of a tool: .ci/run
// installs every tool, so in CI a skip would hide a broken install step.
func requiredInCI(t *testing.T) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but the tool this test needs is not configured: .ci/run must install it")
	}
}
