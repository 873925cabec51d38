package odoorpc_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

func fakeClient(t *testing.T, version string, protocol odoorpc.Protocol) (*odoorpc.Client, *fakeodoo.Server) {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := odoorpc.New(odoorpc.Config{URL: srv.URL, DB: fake.DB(), Protocol: protocol, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

// TestDatabasesWithoutDBService: Odoo 20 has no db service; the database
// is checked and listed through /web/database/list instead, and the db
// service is never asked. 18 and 19 keep db.db_exist and db.list.
func TestDatabasesWithoutDBService(t *testing.T) {
	for _, tc := range []struct{ version, route string }{
		{"18.0", "db"}, {"19.0", "db"}, {"20.0", "/web/database/list"},
	} {
		c, fake := fakeClient(t, tc.version, odoorpc.ProtocolAuto)
		ctx := context.Background()
		ok, err := c.DatabaseExists(ctx)
		if err != nil || !ok {
			t.Fatalf("%s: DatabaseExists %v %v", tc.version, ok, err)
		}
		dbs, err := c.Databases(ctx)
		if err != nil || len(dbs) != 1 || dbs[0] != fake.DB() {
			t.Fatalf("%s: Databases %v %v", tc.version, dbs, err)
		}
		var routes []string
		for _, call := range fake.Calls() {
			if call.Service == "db" {
				routes = append(routes, "db")
			} else if call.Protocol == "http" {
				routes = append(routes, call.Method)
			}
		}
		if len(routes) != 2 || routes[0] != tc.route || routes[1] != tc.route {
			t.Errorf("%s: asked %v, want %s twice", tc.version, routes, tc.route)
		}
	}
}

// TestScopeHint: on Odoo 20 a refused key says that RPC keys need the rpc
// scope (Odoo refuses a key without it as it refuses a wrong one); before
// 20 it does not. Also with a configured protocol, where the version was
// never detected.
func TestScopeHint(t *testing.T) {
	for _, tc := range []struct {
		version  string
		protocol odoorpc.Protocol
		hint     bool
	}{
		{"19.0", odoorpc.ProtocolAuto, false},
		{"20.0", odoorpc.ProtocolAuto, true},
		{"20.0", odoorpc.ProtocolJSON2, true},
		{"18.0", odoorpc.ProtocolJSONRPC, false},
	} {
		c, _ := fakeClient(t, tc.version, tc.protocol)
		ctx := context.Background()
		var err error
		if tc.version == "18.0" {
			_, err = c.Authenticate(ctx, fakeodoo.AdminLogin, "wrong")
		} else {
			_, _, err = c.WhoAmI(ctx, "wrong")
		}
		var oe *odoorpc.Error
		if !errors.As(err, &oe) || !errors.Is(err, odoorpc.ErrAccessDenied) {
			t.Fatalf("%s: %v", tc.version, err)
		}
		if got := strings.Contains(oe.Hint, "rpc scope"); got != tc.hint {
			t.Errorf("%s %s: hint %q", tc.version, tc.protocol, oe.Hint)
		}
		// The same on an ORM call with a refused key.
		_, err = c.Execute(ctx, odoorpc.Credentials{UID: 2, Key: "wrong"}, odoorpc.Call{Model: "res.partner", Method: "search_count", Kwargs: map[string]any{"domain": []any{}}})
		if errors.As(err, &oe) && strings.Contains(oe.Hint, "rpc scope") != tc.hint {
			t.Errorf("%s: Execute hint %q", tc.version, oe.Hint)
		}
	}
}
