package mcp

import (
	"cmp"
	"context"
	"net/http"

	"github.com/odoo-mcp/odoo-mcp/auth"
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
	// App holds the application's other settings (metrics, body timeout,
	// a thread API); the fields above and the endpoint fill the rest.
	App httpapp.Config
}

// testApp serves ep as serve does: inside the HTTP application, which
// checks credentials against cfg.Auth (ep's own when unset).
func testApp(ep *Endpoint, cfg testConfig) http.Handler {
	a := cfg.App
	a.MCP = ep.Handler()
	if a.Auth == nil {
		a.Auth = cmp.Or[Authenticator](cfg.Auth, ep.cfg.Auth)
	}
	if a.Logger == nil {
		a.Logger = cfg.Logger
	}
	if cfg.Rate != nil {
		a.Rate = cfg.Rate
	}
	if cfg.Ready != nil {
		a.Ready = cfg.Ready
	}
	a.PublicToolList = a.PublicToolList || cfg.PublicToolList
	if a.MaxBodyBytes == 0 {
		a.MaxBodyBytes = cfg.MaxBodyBytes
	}
	return httpapp.New(a)
}

// appFor is testApp for an endpoint with only application settings.
func appFor(ep *Endpoint, app httpapp.Config) http.Handler {
	return testApp(ep, testConfig{Config: ep.cfg, App: app})
}

// readyOf is a readiness check as serve wires it.
func readyOf(version func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error { return auth.Unavailable(version(ctx)) }
}

// stubThreads stands for the thread API: one route answering an empty
// list, behind the application's authentication.
type stubThreads struct{}

func (stubThreads) Handler(authenticate func(http.Handler) http.Handler) http.Handler {
	return authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"threads":[]}`))
	}))
}

func (stubThreads) Paths() []string { return []string{"/api/v1/threads"} }
