// Package httpapp is odoo-mcp's HTTP application: the routes, the order of
// the middleware around them, request ids, credential checks and rate
// limits, and the one table that turns a failed check into an HTTP answer.
// It composes what the other packages serve as plain net/http handlers:
// the MCP endpoint (/mcp), the thread API (/api/v1), the health routes and
// /metrics. It is the only package that knows the router (echo): nothing
// of it crosses its API.
package httpapp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

// Config is what the application serves and how.
type Config struct {
	// MCP serves /mcp (mcp.Endpoint.Handler). It finds the caller in the
	// request's context (auth.IdentityFrom), or none for an anonymous
	// listing when PublicToolList is on.
	MCP http.Handler
	// Threads, when set, serves the thread API under /api/v1 for callers
	// with their own Odoo credentials.
	Threads Threads
	// MetricsHandler, when set, serves /metrics (it checks its own token).
	MetricsHandler http.Handler
	// Metrics, when set, counts and times every request by route pattern,
	// method and status.
	Metrics interface {
		HTTPRequest(method, route string, status int, d time.Duration)
	}
	// BodyReadTimeout bounds how long a client may take to send a request
	// body (0: no bound).
	BodyReadTimeout time.Duration
	// Auth checks every credential, on every route that takes one.
	Auth Authenticator
	// MCPAuth, when set, checks /mcp's credentials instead (Auth plus
	// OAuth access tokens, which no other route takes).
	MCPAuth Authenticator
	// ResourceMetadataURL, when set (OAuth on), is named in /mcp's Bearer
	// challenge so that OAuth clients find the authorization server
	// (RFC 9728).
	ResourceMetadataURL string
	// APIAuth, when set, checks the thread API's credentials instead of
	// Auth (Auth plus OAuth access tokens issued for the thread API, the
	// chat page's; a /mcp token is refused there, as an /api/v1 token is
	// at /mcp). A read-only grant may only read (GET) on the thread API.
	APIAuth Authenticator
	// APIResourceMetadataURL, when set (OAuth on), is named in the thread
	// API's Bearer challenge.
	APIResourceMetadataURL string
	// ReadOnlyRefuses tells which tools a read-only caller (an OAuth grant
	// without odoo.write) may not call (mcp.Endpoint.ReadOnlyRefuses); such
	// a call is answered 403 with the scope to ask for. Nil: none.
	ReadOnlyRefuses func(tool string) bool
	// Public are routes that take no credential (OAuth's endpoints and
	// metadata), each path any method.
	Public []Mount
	// Rate limits requests per caller, /mcp and /api/v1 together (nil: no
	// limit).
	Rate *limits.Rate
	// PublicToolList lets initialize and tools/list through without a valid
	// credential, for Letta servers that list tools with a placeholder key.
	PublicToolList bool
	// MaxBodyBytes bounds what is read of a body here (default 1 MiB).
	MaxBodyBytes int64
	// Ready reports whether Odoo answers; /readyz fails while it does not.
	// An error matching auth.ErrUnavailable says Odoo cannot be reached;
	// any other, that it answered unexpectedly.
	Ready func(ctx context.Context) error
	// OnIdle runs after 30 s without a request in flight, before memory is
	// handed back to the OS (e.g. closing idle connections to Odoo).
	OnIdle []func()
	Logger *slog.Logger
}

// Threads is the thread API (letta/threads.Orchestrator): its handler,
// given the middleware that authenticates each of its routes, and its
// route patterns (net/http syntax, /api/v1/threads/{thread_id}), which the
// application routes to it and labels its metrics with.
type Threads interface {
	Handler(authenticate func(http.Handler) http.Handler) http.Handler
	Paths() []string
}

// Mount is a handler and the paths (net/http pattern syntax) it serves.
type Mount struct {
	Paths   []string
	Handler http.Handler
}

type app struct {
	log *slog.Logger
}

// New builds the application.
func New(cfg Config) http.Handler {
	a := &app{log: cfg.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	ed := &edge{auth: cfg.Auth, mcpAuth: cfg.MCPAuth, apiAuth: cfg.APIAuth, rate: cfg.Rate, publicToolList: cfg.PublicToolList, maxBody: cfg.MaxBodyBytes,
		resourceMetadata: cfg.ResourceMetadataURL, apiResourceMetadata: cfg.APIResourceMetadataURL, readOnlyRefuses: cfg.ReadOnlyRefuses, app: a}
	if ed.mcpAuth == nil {
		ed.mcpAuth = ed.auth
	}
	if ed.apiAuth == nil {
		ed.apiAuth = ed.auth
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Outermost first: idle tracking sees every request; the id exists
	// before anything logs; a panic is recovered and still logged.
	e.Use(newIdleRelease(30*time.Second, cfg.OnIdle...).middleware)
	e.Use(requestID)
	if cfg.Metrics != nil {
		e.Use(requestMetrics(cfg.Metrics))
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.log.ErrorContext(c.Request().Context(), "panic in request", "path", c.Path(), "error", err.Error())
			return err
		},
	}))
	e.Use(requestLog(a.log))
	// Every route: DNS rebinding and cross-site requests are refused, and
	// a body must arrive in time.
	e.Use(checkHostAndOrigin)
	e.Use(bodyTimeout(cfg.BodyReadTimeout))

	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
			defer cancel()
			if err := cfg.Ready(ctx); err != nil {
				// Anyone may ask: the answer says why in general terms,
				// the error (Odoo's address in it) goes to the log.
				reason := "Odoo answered unexpectedly"
				if errors.Is(err, auth.ErrUnavailable) {
					reason = "Odoo is not reachable"
				}
				a.log.WarnContext(c.Request().Context(), "not ready", "reason", reason, "error", err.Error())
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	if cfg.MCP != nil {
		h := echo.WrapHandler(ed.mcp(cfg.MCP))
		e.Any("/mcp", h)
		e.Any("/mcp/", h)
	}
	for _, m := range cfg.Public {
		h := echo.WrapHandler(m.Handler)
		for _, p := range m.Paths {
			e.Any(echoPath(p), h)
		}
	}
	if cfg.MetricsHandler != nil {
		e.GET("/metrics", echo.WrapHandler(cfg.MetricsHandler))
	}
	if cfg.Threads != nil {
		// The thread API routes each request itself (methods, path
		// values); echo knows its paths so that anything else is echo's
		// 404 and the metrics carry the route pattern.
		h := echo.WrapHandler(cfg.Threads.Handler(ed.user))
		seen := map[string]bool{}
		for _, p := range cfg.Threads.Paths() {
			if p = echoPath(p); !seen[p] {
				seen[p] = true
				e.Any(p, h)
			}
		}
	}
	return e
}

var wildcardRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// echoPath turns a net/http pattern's path into echo's syntax:
// /threads/{thread_id} is /threads/:thread_id; {$} (the path ends here)
// is dropped.
func echoPath(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return wildcardRE.ReplaceAllString(p, ":$1")
}
