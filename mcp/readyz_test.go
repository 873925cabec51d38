package mcp

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// /readyz answers anyone: it says ready or not, and why in general terms;
// the error, with Odoo's address, goes to the log only.
func TestReadyzSaysWhyWithoutDetails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		odoo   http.HandlerFunc // nil: nothing listens
		reason string
	}{
		{"down", nil, "Odoo is not reachable"},
		{"not Odoo", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "<html>hello</html>")
		}, "Odoo answered unexpectedly"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			odooSrv := httptest.NewServer(tc.odoo)
			odooURL := odooSrv.URL
			if tc.odoo == nil {
				odooSrv.Close()
			} else {
				t.Cleanup(odooSrv.Close)
			}
			client, err := odoorpc.New(odoorpc.Config{URL: odooURL, DB: "odoo", Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			app := appFor(New(Config{Odoo: client, Version: "test"}), httpapp.Config{
				Logger: slog.New(slog.NewJSONHandler(logs, nil)),
				Ready:  readyOf(func(ctx context.Context) error { _, err := client.Version(ctx); return err }),
			})
			srv := httptest.NewServer(app)
			t.Cleanup(srv.Close)
			resp, err := http.Get(srv.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var got map[string]string
			json.Unmarshal(body, &got)
			host := must(url.Parse(odooURL)).Host
			if resp.StatusCode != http.StatusServiceUnavailable || got["status"] != "unavailable" || got["reason"] != tc.reason {
				t.Errorf("%d %s, want 503 with reason %q", resp.StatusCode, body, tc.reason)
			}
			if strings.Contains(string(body), host) || strings.Contains(string(body), "127.0.0.1") {
				t.Errorf("/readyz shows Odoo's address: %s", body)
			}
			if !strings.Contains(logs.String(), `"msg":"not ready"`) || tc.odoo == nil && !strings.Contains(logs.String(), host) {
				t.Errorf("the log lacks the details: %s", logs)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestRequestLogDurationInMilliseconds(t *testing.T) {
	logs := &syncBuffer{}
	app := appFor(New(Config{Version: "test"}), httpapp.Config{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line); err != nil || line["msg"] != "http request" {
		t.Fatalf("request log: %s (%v)", logs, err)
	}
	if ms, ok := line["duration_ms"].(float64); !ok || ms < 0 || ms > 60000 || line["duration"] != nil {
		t.Fatalf("request log duration: %v", line)
	}
}
