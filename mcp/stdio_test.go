package mcp

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

func TestServeStdio(t *testing.T) {
	for _, tc := range []struct {
		name, version, authorization string
		ok                           bool
	}{
		{"odoo 18, Basic", "18.0", basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey), true},
		{"odoo 19, Bearer", "19.0", "Bearer " + fakeodoo.AdminKey, true},
		{"odoo 18, wrong key", "18.0", basicHeader(fakeodoo.AdminLogin, "wrong"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeodoo.New(fakeodoo.Options{Version: tc.version})
			odooSrv := httptest.NewServer(fake)
			t.Cleanup(odooSrv.Close)
			client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ep := New(Config{Odoo: client, Auth: auth.NewAuthenticator(client, auth.Options{}), Version: "test"})
			serverT, clientT := gomcp.NewInMemoryTransports()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- ep.ServeStdio(ctx, serverT, tc.authorization) }()
			t.Cleanup(func() { cancel(); <-done })

			cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "test", Version: "v0"}, nil).Connect(ctx, clientT, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			list, err := cs.ListTools(ctx, nil)
			if err != nil || len(list.Tools) != 7 {
				t.Fatalf("tools/list: %v %v", list, err)
			}
			res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: "odoo_record_retriever",
				Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 2}})
			if !tc.ok {
				if err == nil && !res.IsError {
					t.Fatalf("a wrong key ran a tool: %v", res.Content)
				}
				return
			}
			if err != nil || res.IsError {
				t.Fatalf("tools/call: %v %v", res, err)
			}
			var out struct{ Records []map[string]any }
			text := res.Content[0].(*gomcp.TextContent).Text
			if err := json.Unmarshal([]byte(text), &out); err != nil || len(out.Records) != 2 {
				t.Fatalf("result %s (%v)", text, err)
			}
			if strings.Contains(text, fakeodoo.AdminKey) {
				t.Fatal("the key is in a result")
			}
			// Resources over stdio run as the same user.
			rec, err := cs.ReadResource(ctx, &gomcp.ReadResourceParams{URI: "odoo://res.partner/7"})
			if err != nil || !strings.Contains(rec.Contents[0].Text, "Azure Interior") {
				t.Fatalf("resources/read: %v %v", rec, err)
			}
		})
	}
}
