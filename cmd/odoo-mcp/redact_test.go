package main

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
)

// A password in ODOO_URL (a Basic-auth proxy in front of Odoo) never shows
// in a log line or an output: start-up logs, stdio, doctor, errors, config.
func TestPasswordInOdooURLIsNeverShown(t *testing.T) {
	const password = "s3cretPW"
	fake := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: "18.0"}))
	defer fake.Close()
	up := "http://proxy:" + password + "@" + strings.TrimPrefix(fake.URL, "http://")
	down := "http://proxy:" + password + "@127.0.0.1:1"
	env := func(url string) map[string]string {
		return map[string]string{"ODOO_URL": url, "ODOO_DB": "odoo", "ODOO_LOGIN": fakeodoo.AdminLogin, "ODOO_API_KEY": fakeodoo.AdminKey}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		// wait: run until stderr shows this line, then stop (serve).
		wait string
	}{
		{"serve start-up", env(up), []string{"serve", "--listen", "127.0.0.1:0"}, "odoo-mcp serving"},
		{"serve, a URL that does not parse", env("http://proxy:" + password + "@odo o:8069"), []string{"serve", "--listen", "127.0.0.1:0"}, ""},
		{"serve, not http", env("ftp://proxy:" + password + "@odoo"), []string{"serve", "--listen", "127.0.0.1:0"}, ""},
		{"stdio start-up", env(up), []string{"stdio"}, ""},
		{"stdio, Odoo down", env(down), []string{"stdio"}, ""},
		{"stdio, not http", env("ftp://proxy:" + password + "@odoo"), []string{"stdio"}, ""},
		{"doctor", env(up), []string{"doctor"}, ""},
		{"doctor, Odoo down", env(down), []string{"doctor"}, ""},
		{"doctor, not http", env("ftp://proxy:" + password + "@odoo"), []string{"doctor"}, ""},
		{"config", env(up), []string{"config", "cursor"}, ""},
		{"healthcheck", env(up), []string{"healthcheck", "--url", "http://proxy:" + password + "@127.0.0.1:1/healthz"}, ""},
		{"healthcheck, a URL that does not parse", env(up), []string{"healthcheck", "--url", "http://proxy:" + password + "@odo o/healthz"}, ""},
		{"chat, server down", env(up), []string{"chat", "--url", "http://proxy:" + password + "@127.0.0.1:1", "--thread", "t", "hello"}, ""},
		{"chat, not http", env(up), []string{"chat", "--url", "ftp://proxy:" + password + "@odoo", "--thread", "t", "hello"}, ""},
		{"config inspector", env(up), []string{"config", "inspector"}, ""},
		// -h shows each flag's default, which is the variable's value.
		{"serve -h", env(up), []string{"serve", "-h"}, ""},
		{"stdio -h", env(up), []string{"stdio", "-h"}, ""},
		{"doctor -h", env(up), []string{"doctor", "-h"}, ""},
		// A stdio configuration must carry the URL as it is to work: only
		// its notes are checked (config sets wait to mean "stdout may").
		{"config stdio", env(up), []string{"config", "claude-desktop"}, "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			t.Setenv("ODOO_MCP_LOG_LEVEL", "debug")
			var out, errb syncBuffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan int, 1)
			go func() {
				if tc.args[0] == "stdio" {
					done <- runStdio(ctx, tc.args[1:], strings.NewReader(""), &out, &errb)
					return
				}
				done <- run(ctx, tc.args, &out, &errb)
			}()
			if tc.wait == "-" {
				<-done
				if strings.Contains(errb.String(), password) || !strings.Contains(errb.String(), "proxy:xxxxx@") {
					t.Errorf("notes:\n%s", errb.String())
				}
				return
			}
			if tc.wait != "" {
				for !strings.Contains(errb.String(), tc.wait) {
					select {
					case code := <-done:
						t.Fatalf("exited %d before %q:\n%s", code, tc.wait, errb.String())
					default:
					}
					waitABit()
				}
				cancel()
			}
			<-done
			all := out.String() + errb.String()
			if strings.Contains(all, password) {
				t.Errorf("the password shows:\n%s", all)
			}
			if strings.Contains(tc.name, "start-up") && !strings.Contains(all, "proxy:xxxxx@") {
				t.Errorf("the URL is not shown redacted:\n%s", all)
			}
		})
	}
}

// waitABit yields while a server starts.
func waitABit() { runtime.Gosched(); time.Sleep(time.Millisecond) }

// syncBuffer is a buffer the server writes while the test reads.
type syncBuffer = lockedbuf.Buffer
