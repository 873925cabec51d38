package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

func TestStdioFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
		check   func(*serveConfig) bool
	}{
		{"environment", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod", "ODOO_MCP_READ_ONLY": "true"}, nil, "",
			func(c *serveConfig) bool { return c.OdooURL == "http://odoo:8069" && c.OdooDB == "prod" && c.ReadOnly }},
		{"a flag beats its variable", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}, []string{"--odoo-db", "test", "--max-limit", "50"}, "",
			func(c *serveConfig) bool { return c.OdooDB == "test" && c.MaxLimit == 50 }},
		{"serve's Letta settings do not concern stdio", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod", "LETTA_BASE_URL": "http://letta:8283"}, nil, "", nil},
		{"the demo needs no Odoo", nil, []string{"--demo"}, "", func(c *serveConfig) bool { return c.Demo }},
		{"no Odoo", nil, nil, "ODOO_URL", nil},
		{"serve-only flags are not stdio's", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}, []string{"--listen", ":1"}, "flag provided but not defined: -listen", nil},
		{"no arguments", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}, []string{"extra"}, "unexpected arguments", nil},
		{"a bad variable", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod", "ODOO_MCP_MAX_LIMIT": "lots"}, nil, "ODOO_MCP_MAX_LIMIT", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var errb bytes.Buffer
			c, err := parseStdioFlags(tc.args, &errb)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil && !tc.check(c) {
				t.Errorf("%+v", c)
			}
		})
	}
}

func TestStdioUsageAndExitCodes(t *testing.T) {
	clearEnv(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"stdio", "-h"}, &out, &errb); code != 0 ||
		!strings.Contains(errb.String(), "-odoo-url") || strings.Contains(errb.String(), "-listen") || out.Len() != 0 {
		t.Errorf("-h: %d\n%s", code, errb.String())
	}
	errb.Reset()
	t.Setenv("ODOO_URL", "http://127.0.0.1:1")
	t.Setenv("ODOO_DB", "x")
	if code := run(context.Background(), []string{"stdio"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "ODOO_API_KEY") || out.Len() != 0 {
		t.Errorf("no credential: %d %s", code, errb.String())
	}
}

// A wrong ODOO_DB is named as such, with the databases Odoo lists, not
// blamed on ODOO_URL; it is bad configuration (exit code 2).
func TestStdioWrongDatabase(t *testing.T) {
	for _, tc := range []struct {
		version string
		cred    map[string]string
	}{
		{"18.0", map[string]string{"ODOO_LOGIN": fakeodoo.AdminLogin, "ODOO_API_KEY": fakeodoo.AdminKey}},
		{"19.0", map[string]string{"ODOO_LOGIN": fakeodoo.AdminLogin, "ODOO_API_KEY": fakeodoo.AdminKey}},
		{"19.0", map[string]string{"ODOO_API_KEY": fakeodoo.AdminKey}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			odoo := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: tc.version, DB: "doc"}))
			defer odoo.Close()
			clearEnv(t)
			t.Setenv("ODOO_URL", odoo.URL)
			t.Setenv("ODOO_DB", "nope")
			for k, v := range tc.cred {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			code := runStdio(context.Background(), nil, strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code != 2 || !strings.Contains(msg, `the Odoo at `+odoo.URL+` has no database "nope"`) ||
				!strings.Contains(msg, `fix: set ODOO_DB to one of the databases this Odoo lists: "doc"`) ||
				strings.Contains(msg, "ODOO_URL") || strings.Contains(msg, "cannot reach") || out.Len() != 0 {
				t.Errorf("exit %d, want 2 naming the database and ODOO_DB:\n%s", code, msg)
			}
		})
	}
}
