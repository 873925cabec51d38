package mcp

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// HTTPConfig configures the HTTP server around the MCP endpoint.
type HTTPConfig struct {
	// Ready reports whether Odoo answers; /readyz fails while it does not.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// OnIdle runs after 30 s without a request in flight, before memory is
	// handed back to the OS (e.g. closing idle connections to Odoo).
	OnIdle []func()
	// Metrics, when set, counts and times every request by route pattern,
	// method and status.
	Metrics interface {
		HTTPRequest(method, route string, status int, d time.Duration)
	}
	// BodyReadTimeout bounds how long a client may take to send a request
	// body (0: no bound).
	BodyReadTimeout time.Duration
}

// NewEcho builds the HTTP application: /mcp, /healthz, /readyz, request ids
// and panic recovery. Other packages mount their routes on the result.
func NewEcho(ep *Endpoint, cfg HTTPConfig) *echo.Echo {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(newIdleRelease(30*time.Second, cfg.OnIdle...).middleware)
	e.Use(requestID)
	if cfg.Metrics != nil {
		e.Use(requestMetrics(cfg.Metrics))
	}
	ep.server.AddReceivingMiddleware(mcpRequestID)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic in request", "path", c.Path(), "error", err.Error())
			return err
		},
	}))
	e.Use(requestLog(log))
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
				if errors.Is(err, odoorpc.ErrUnavailable) {
					reason = "Odoo is not reachable"
				}
				log.WarnContext(c.Request().Context(), "not ready", "reason", reason, "error", err.Error())
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	h := echo.WrapHandler(ep)
	e.Any("/mcp", h)
	e.Any("/mcp/", h)
	return e
}

// requestLog writes one line per request: method, path, status, duration and
// request id. Headers are never logged: they carry credentials.
func requestLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRequestID: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelDebug
			if v.Status >= 500 {
				level = slog.LevelWarn
			}
			log.LogAttrs(c.Request().Context(), level, "http request",
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Float64("duration_ms", millis(v.Latency)), slog.String("request_id", v.RequestID))
			return nil
		},
	})
}

// requestMetrics records every request once it is answered, with the route
// pattern echo matched (c.Path(), never the raw URL: label values stay a
// bounded set). It sits outside panic recovery and the request log, which
// have answered any error by the time it looks at the status.
func requestMetrics(m interface {
	HTTPRequest(method, route string, status int, d time.Duration)
}) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil && !c.Response().Committed {
				c.Error(err)
			}
			m.HTTPRequest(c.Request().Method, c.Path(), c.Response().Status, time.Since(start))
			return err
		}
	}
}

// millis is a duration in milliseconds (to the microsecond), for log lines:
// the unit goes in the key (duration_ms), not bare nanoseconds.
func millis(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
