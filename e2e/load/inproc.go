package load

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// OdooMCPConfig configures odoo-mcp wired in this process, for profiling
// (the benchmark itself runs the real binary).
type OdooMCPConfig struct {
	OdooURL, DB  string
	Stateful     bool
	JSONResponse bool
	AuthTTL      time.Duration
	Log          io.Writer // JSON logs, info level, as `odoo-mcp serve` writes them when not on a terminal
}

// ServeOdooMCP serves odoo-mcp on ln until ctx ends, wired as
// cmd/odoo-mcp's serve does with its default flags: the same Odoo client,
// authenticator, endpoint, HTTP application and http.Server settings.
func ServeOdooMCP(ctx context.Context, ln net.Listener, cfg OdooMCPConfig) error {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	log := slog.New(slog.NewJSONHandler(cfg.Log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	odoo, err := odoorpc.New(odoorpc.Config{URL: cfg.OdooURL, DB: cfg.DB, Protocol: odoorpc.ProtocolAuto,
		Timeout: 30 * time.Second, UserAgent: "odoo-mcp/load"})
	if err != nil {
		return err
	}
	ttl := cfg.AuthTTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	authn := auth.NewAuthenticator(odoo, auth.Options{TTL: ttl, FailureTTL: 5 * time.Second})
	endpoint := mcp.New(mcp.Config{
		Odoo: odoo, Policy: tools.Policy{DefaultLimit: 100, MaxLimit: 1000},
		Stateful: cfg.Stateful, JSONResponse: cfg.JSONResponse, MaxBodyBytes: 1 << 20,
		Version: "load", Logger: log,
	})
	app := httpapp.New(httpapp.Config{MCP: endpoint.Handler(), Auth: authn, Rate: limits.NewRate(1e9, 1e6),
		MaxBodyBytes: 1 << 20, Logger: log, Ready: func(ctx context.Context) error {
			_, err := odoo.Version(ctx)
			return err
		}})
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
