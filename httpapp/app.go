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
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

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
	// Metrics, when set, serves /metrics (it checks its own token).
	Metrics http.Handler
	// Auth checks every credential, on every route that takes one.
	Auth Authenticator
	// Rate limits requests per caller, /mcp and /api/v1 together (nil: no
	// limit).
	Rate *limits.Rate
	// PublicToolList lets initialize and tools/list through without a valid
	// credential, for Letta servers that list tools with a placeholder key.
	PublicToolList bool
	// MaxBodyBytes bounds what is read of a body here (default 1 MiB).
	MaxBodyBytes int64
	// Ready reports whether Odoo answers; /readyz fails while it does not.
	Ready func(ctx context.Context) error
	// OnIdle runs after 30 s without a request in flight, before memory is
	// handed back to the OS (e.g. closing idle connections to Odoo).
	OnIdle []func()
	Logger *slog.Logger
}

// Threads is the thread API (letta/threads.Orchestrator): its handler,
// given the middleware that authenticates each of its routes.
type Threads interface {
	Handler(authenticate func(http.Handler) http.Handler) http.Handler
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
	ed := &edge{auth: cfg.Auth, rate: cfg.Rate, publicToolList: cfg.PublicToolList, maxBody: cfg.MaxBodyBytes, app: a}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Outermost first: idle tracking sees every request; the id exists
	// before anything logs; a panic is recovered and still logged.
	e.Use(newIdleRelease(30*time.Second, cfg.OnIdle...).middleware)
	e.Use(requestID)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.log.ErrorContext(c.Request().Context(), "panic in request", "path", c.Path(), "error", err.Error())
			return err
		},
	}))
	e.Use(requestLog(a.log))

	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
			defer cancel()
			if err := cfg.Ready(ctx); err != nil {
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	if cfg.MCP != nil {
		h := echo.WrapHandler(ed.mcp(cfg.MCP))
		e.Any("/mcp", h)
		e.Any("/mcp/", h)
	}
	if cfg.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(cfg.Metrics))
	}
	if cfg.Threads != nil {
		e.Any("/api/v1/*", echo.WrapHandler(cfg.Threads.Handler(ed.user)))
	}
	return e
}
