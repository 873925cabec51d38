package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFlagsBeatEnvironmentBeatsDefaults(t *testing.T) {
	t.Setenv("ODOO_URL", "http://env:8069")
	t.Setenv("ODOO_DB", "envdb")
	t.Setenv("ODOO_MCP_READ_ONLY", "true")
	t.Setenv("ODOO_MCP_AUTH_CACHE_TTL", "2m")
	cfg, err := parseServeFlags([]string{"--odoo-db", "flagdb"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OdooURL != "http://env:8069" || cfg.OdooDB != "flagdb" || !cfg.ReadOnly || cfg.AuthTTL != 2*time.Minute || cfg.Listen != "127.0.0.1:8808" {
		t.Fatalf("%+v", cfg)
	}
}

func TestBadConfigurationIsReportedInFull(t *testing.T) {
	t.Setenv("ODOO_MCP_READ_ONLY", "yes please")
	t.Setenv("ODOO_MCP_MAX_LIMIT", "many")
	if _, err := parseServeFlags(nil); err == nil || !strings.Contains(err.Error(), "ODOO_MCP_READ_ONLY") || !strings.Contains(err.Error(), "ODOO_MCP_MAX_LIMIT") {
		t.Fatalf("env errors: %v", err)
	}
	t.Setenv("ODOO_MCP_READ_ONLY", "")
	t.Setenv("ODOO_MCP_MAX_LIMIT", "")
	_, err := parseServeFlags([]string{"--odoo-protocol", "soap", "--odoo-context", "[1]", "--deny-models", "[", "--log-format", "xml", "--listen", "8808"})
	for _, want := range []string{"ODOO_URL", "ODOO_DB", "soap", "JSON object", "bad pattern", "log-format", "host:port"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	ctx := context.Background()
	if code := run(ctx, nil, &out, &errb); code != 2 {
		t.Errorf("no command: %d", code)
	}
	if code := run(ctx, []string{"serve", "--odoo-protocol", "x"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "bad configuration") {
		t.Errorf("bad config: %d %s", code, errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "odoo-mcp ") {
		t.Errorf("version: %d %q", code, out.String())
	}
}

func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	t.Setenv("ODOO_MCP_LISTEN", strings.TrimPrefix(srv.URL, "http://"))
	if code := run(context.Background(), []string{"healthcheck"}, &out, &errb); code != 0 {
		t.Fatalf("healthy server: %d %s", code, errb.String())
	}
	srv.Close()
	if code := run(context.Background(), []string{"healthcheck"}, &out, &errb); code != 1 {
		t.Fatalf("dead server: %d", code)
	}
	t.Setenv("ODOO_MCP_LISTEN", "0.0.0.0:1")
	if code := run(context.Background(), []string{"healthcheck"}, &out, &errb); code != 1 {
		t.Fatalf("0.0.0.0 read as loopback, nothing there: %d", code)
	}
}
