package e2e

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestGracefulShutdown: on SIGTERM the server stops accepting, finishes the
// tool call in flight and exits 0.
func TestGracefulShutdown(t *testing.T) {
	fake, srv := odooFor(t, "18.0")
	p := startBinary(t, odooEnv(srv))
	cs, err := connectMCP(t, p, basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if err != nil {
		t.Fatal(err)
	}
	// Warm the credential, then make Odoo slow so the next call is in flight.
	callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1})
	fake.ResetCounters()
	fake.SetLatency(1500 * time.Millisecond)

	type outcome struct {
		res *gomcp.CallToolResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
			Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 2}})
		done <- outcome{res, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for fake.Requests() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the call never reached Odoo")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the call finishes.
	refusedBy := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(refusedBy) {
			t.Fatal("still accepting connections after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	o := <-done
	if o.err != nil || o.res.IsError {
		t.Fatalf("in-flight call: %v %v", o.res, o.err)
	}
	select {
	case <-p.Exited():
		if p.ExitErr() != nil {
			t.Fatalf("exit: %v", p.ExitErr())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
}
