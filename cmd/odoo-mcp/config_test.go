package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestFlagsBeatEnvironmentBeatsDefaults(t *testing.T) {
	t.Setenv("ODOO_URL", "http://env:8069")
	t.Setenv("ODOO_DB", "envdb")
	t.Setenv("ODOO_MCP_READ_ONLY", "true")
	t.Setenv("ODOO_MCP_AUTH_CACHE_TTL", "2m")
	cfg, err := parseServeFlags([]string{"--odoo-db", "flagdb"}, io.Discard)
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
	if _, err := parseServeFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "ODOO_MCP_READ_ONLY") || !strings.Contains(err.Error(), "ODOO_MCP_MAX_LIMIT") {
		t.Fatalf("env errors: %v", err)
	}
	t.Setenv("ODOO_MCP_READ_ONLY", "")
	t.Setenv("ODOO_MCP_MAX_LIMIT", "")
	_, err := parseServeFlags([]string{"--odoo-protocol", "soap", "--odoo-context", "[1]", "--deny-models", "[", "--log-format", "xml", "--listen", "8808"}, io.Discard)
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

// Every URL setting is checked with the rest of the configuration: a
// value without a scheme, with another scheme or without a host is bad
// configuration (exit code 2), named with its variable and the fix, and
// its password is not shown.
func TestURLSettingsAreValidated(t *testing.T) {
	letta := map[string]string{"LETTA_BASE_URL": "http://127.0.0.1:1", "ODOO_MCP_PUBLIC_URL": "https://odoo-mcp.example.com",
		"ODOO_MCP_SIGNING_KEY": "0123456789abcdef0123456789abcdef"}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{"ODOO_URL": "http://127.0.0.1:1", "ODOO_DB": "prod", "ODOO_MCP_LISTEN": "127.0.0.1:1"}
		for k, v := range base {
			m[k] = v
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		want  []string // in the error
		stdio bool     // stdio reads this setting too
	}{
		{"ODOO_URL without a scheme", with(nil, "ODOO_URL", "127.0.0.1:8069"),
			[]string{`--odoo-url (ODOO_URL) "127.0.0.1:8069" is not an http(s) URL`, "http://127.0.0.1:8069"}, true},
		{"ODOO_URL as a bare host name", with(nil, "ODOO_URL", "odoo.example.com"),
			[]string{"ODOO_URL", "http://odoo.example.com"}, true},
		{"ODOO_URL with another scheme", with(nil, "ODOO_URL", "ftp://odoo.example.com"),
			[]string{"ODOO_URL", "not ftp://"}, true},
		{"ODOO_URL without a host", with(nil, "ODOO_URL", "http://:8069"),
			[]string{"ODOO_URL", "scheme and host"}, true},
		{"ODOO_URL's password is not shown", with(nil, "ODOO_URL", "proxy:s3cret@odoo:8069"),
			[]string{"ODOO_URL", "proxy:xxxxx@odoo:8069"}, true},
		{"LETTA_BASE_URL without a scheme", with(letta, "LETTA_BASE_URL", "letta:8283"),
			[]string{`--letta-url (LETTA_BASE_URL) "letta:8283" is not an http(s) URL`, "http://letta:8283"}, false},
		{"ODOO_MCP_PUBLIC_URL without a scheme", with(letta, "ODOO_MCP_PUBLIC_URL", "odoo-mcp.example.com"),
			[]string{"ODOO_MCP_PUBLIC_URL", "http://odoo-mcp.example.com"}, false},
		{"ODOO_MCP_PUBLIC_URL without Letta", with(nil, "ODOO_MCP_PUBLIC_URL", "odoo-mcp.example.com:443"),
			[]string{"ODOO_MCP_PUBLIC_URL", "http://odoo-mcp.example.com:443"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := parseServeFlags(nil, io.Discard)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("serve: error %v lacks %q", err, want)
				}
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the password is shown: %v", err)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"stdio"}, &out, &errb)
			switch {
			case tc.stdio && (code != 2 || !strings.Contains(errb.String(), tc.want[0])):
				t.Errorf("stdio: exit %d, want 2 naming %q:\n%s", code, tc.want[0], errb.String())
			case !tc.stdio && strings.Contains(errb.String(), tc.want[0]):
				t.Errorf("stdio does not read this setting, yet refused it:\n%s", errb.String())
			}
			out.Reset()
			errb.Reset()
			if code := run(context.Background(), []string{"config", "claude-desktop"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want[0]) || strings.Contains(errb.String(), "s3cret") {
				t.Errorf("config: exit %d, want 2 naming %q:\n%s", code, tc.want[0], errb.String())
			}
			out.Reset()
			code = run(context.Background(), []string{"doctor", "--timeout", "1s"}, &out, &errb)
			if code != 1 || strings.Contains(out.String(), "ok    configuration") || !regexp.MustCompile(`FAIL  configuration  .*`+regexp.QuoteMeta(tc.want[0])).MatchString(out.String()) ||
				strings.Contains(out.String(), "s3cret") {
				t.Errorf("doctor: exit %d, want 1 and the configuration failing:\n%s", code, out.String())
			}
		})
	}
}

// Every command's -h prints its usage and exits 0; an unknown flag is bad
// usage (2).
func TestHelpExitsZero(t *testing.T) {
	clearEnv(t)
	for _, cmd := range []string{"serve", "stdio", "config", "doctor", "chat", "healthcheck"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{cmd, "-h"}, &out, &errb); code != 0 {
			t.Errorf("%s -h: exit %d, want 0\n%s", cmd, code, errb.String())
		}
		if code := run(context.Background(), []string{cmd, "--no-such-flag"}, &out, &errb); code != 2 {
			t.Errorf("%s --no-such-flag: exit %d, want 2", cmd, code)
		}
	}
}
