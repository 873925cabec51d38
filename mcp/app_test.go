package mcp

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

// testConfig is an endpoint's configuration plus the HTTP application's
// settings the tests vary.
type testConfig struct {
	Config
	PublicToolList bool
	Rate           *limits.Rate
	Ready          func(ctx context.Context) error
}

// testApp serves ep as serve does: inside the HTTP application, which
// checks credentials against cfg.Auth.
func testApp(ep *Endpoint, cfg testConfig) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return httpapp.New(httpapp.Config{
		MCP: ep.Handler(), Auth: cfg.Auth, Rate: cfg.Rate, PublicToolList: cfg.PublicToolList,
		MaxBodyBytes: cfg.MaxBodyBytes, Ready: cfg.Ready, Logger: log,
	})
}
