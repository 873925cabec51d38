package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/redact"
)

// healthcheck asks a running odoo-mcp for /healthz. It exists because the
// container image has no shell or curl: the Dockerfile's HEALTHCHECK runs it.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := os.Getenv("ODOO_MCP_LISTEN")
	if listen == "" {
		listen = "127.0.0.1:8808"
	}
	url := fs.String("url", "", "URL to check (default: http://<ODOO_MCP_LISTEN>/healthz, with 0.0.0.0 read as 127.0.0.1)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h, as every other command
		}
		return 2
	}
	if *url == "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			fmt.Fprintf(stderr, "odoo-mcp healthcheck: ODOO_MCP_LISTEN %q is not host:port\n", listen)
			return 2
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		*url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "odoo-mcp healthcheck: %v\n", redact.Error(err))
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "odoo-mcp healthcheck: %s: %v\n", redact.URL(*url), err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "odoo-mcp healthcheck: %s answered %s\n", redact.URL(*url), resp.Status)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}
