package load

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/e2e/load/odoostub"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

func toolsCallBody(tool string) string {
	return `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + RetrieverArguments + `}}`
}

func post(h http.Handler, header http.Header, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// BenchmarkInProcess compares one warm stateless tools/call through the
// three servers of the load benchmark, in one process, with Odoo answering
// from memory: the bare go-sdk server with a no-op tool, the same
// forwarding to Odoo, and odoo-mcp calling the retriever. The differences
// in ns/op and allocs/op are what odoo-mcp adds.
func BenchmarkInProcess(b *testing.B) {
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0"})
	authz := http.Header{"Authorization": {BasicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)}}
	servers := []struct {
		name  string
		build func(*odoostub.Transport) http.Handler
		tool  string
	}{
		{"noop", func(*odoostub.Transport) http.Handler {
			h, err := NewBaseline(BaselineConfig{Kind: BaselineNoop})
			if err != nil {
				b.Fatal(err)
			}
			return h
		}, BaselineTool(BaselineNoop)},
		{"proxy", func(stub *odoostub.Transport) http.Handler {
			h, err := NewBaseline(BaselineConfig{Kind: BaselineProxy, OdooURL: "http://127.0.0.1:1", DB: fake.DB(),
				UID: fakeodoo.AdminUID, Key: fakeodoo.AdminKey, Client: stub.Client()})
			if err != nil {
				b.Fatal(err)
			}
			return h
		}, BaselineTool(BaselineProxy)},
		{"odoo-mcp", func(stub *odoostub.Transport) http.Handler {
			client, err := odoorpc.New(odoorpc.Config{URL: "http://127.0.0.1:1", DB: fake.DB(), HTTPClient: stub.Client()})
			if err != nil {
				b.Fatal(err)
			}
			log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
			ep := mcp.New(mcp.Config{Odoo: client, Version: "bench", Logger: log})
			return httpapp.New(httpapp.Config{MCP: ep.Handler(), Auth: auth.NewAuthenticator(client, auth.Options{TTL: time.Hour}),
				Rate: limits.NewRate(1e9, 1e6), Logger: log})
		}, "odoo_record_retriever"},
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			stub := odoostub.New(fake)
			h := s.build(stub)
			body := toolsCallBody(s.tool)
			rec := post(h, authz, body)
			if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"isError":true`)) || !bytes.Contains(rec.Body.Bytes(), []byte(`"result"`)) {
				b.Fatalf("%s: %d %s", s.name, rec.Code, rec.Body)
			}
			misses := stub.Misses()
			b.ReportAllocs()
			for b.Loop() {
				post(h, authz, body)
			}
			if stub.Misses() != misses {
				b.Fatal("warm calls reached the fake Odoo")
			}
		})
	}
}
