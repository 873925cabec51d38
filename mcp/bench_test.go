package mcp

import (
	"bytes"
	"encoding/base64"
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
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// benchCall is the retriever call of the load benchmark.
const benchCall = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","domain":[["is_company","=",true]],"fields":["name","email","country_id"],"limit":5}}}`

// benchEndpoint is the whole HTTP application (echo, authentication, SDK,
// tools, Odoo client) with Odoo answering from memory (odoostub) and the
// audit log formatted as in production but discarded.
func benchEndpoint(b *testing.B, version string, stateful bool) (http.Handler, *odoostub.Transport) {
	b.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	stub := odoostub.New(fake)
	client, err := odoorpc.New(odoorpc.Config{URL: "http://odoo.stub", DB: fake.DB(), HTTPClient: stub.Client()})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{TTL: time.Hour}),
		Stateful: stateful, Version: "bench", Logger: log}
	return testApp(New(cfg), testConfig{Config: cfg, Rate: limits.NewRate(1e9, 1e6)}), stub
}

func benchPost(h http.Handler, authorization, session, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// BenchmarkWarmToolsCall is one warm retriever tools/call through the
// whole endpoint: allocations per call are what -benchmem reports.
func BenchmarkWarmToolsCall(b *testing.B) {
	for _, tc := range []struct {
		name     string
		version  string
		stateful bool
	}{
		{"stateless/jsonrpc", "18.0", false},
		{"stateless/json2", "19.0", false},
		{"stateful/jsonrpc", "18.0", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, stub := benchEndpoint(b, tc.version, tc.stateful)
			authz := "Basic " + base64.StdEncoding.EncodeToString([]byte(fakeodoo.AdminLogin+":"+fakeodoo.AdminKey))
			session := ""
			if tc.stateful {
				rec := benchPost(h, authz, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
				session = rec.Header().Get("Mcp-Session-Id")
				if rec.Code != http.StatusOK || session == "" {
					b.Fatalf("initialize: %d %s", rec.Code, rec.Body)
				}
				if rec := benchPost(h, authz, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); rec.Code != http.StatusAccepted {
					b.Fatalf("initialized: %d %s", rec.Code, rec.Body)
				}
			}
			// Warm the credential cache and the recorded answers; check the result.
			rec := benchPost(h, authz, session, benchCall)
			if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"records"`)) || bytes.Contains(rec.Body.Bytes(), []byte(`"isError":true`)) {
				b.Fatalf("tools/call: %d %s", rec.Code, rec.Body)
			}
			before := stub.Misses()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				benchPost(h, authz, session, benchCall)
			}
			b.StopTimer()
			if stub.Misses() != before {
				b.Fatalf("warm calls reached the fake Odoo %d times", stub.Misses()-before)
			}
		})
	}
}
