package httpapp

import (
	"log/slog"
	"math"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/odoo-mcp/odoo-mcp/requestid"
)

// requestID gives every request an id: the caller's X-Request-Id when it is
// a sane one (a proxy's), else a fresh one. The id goes back in the
// response header, and into the request's context and header, so that
// every line logged while handling the request carries it (through
// requestid.Handler): the thread API's lines, and over MCP the audit line
// of each tool call.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get(requestid.Header)
		if !requestid.Valid(id) {
			id = requestid.New()
			r.Header.Set(requestid.Header, id)
		}
		c.Response().Header().Set(requestid.Header, id)
		c.SetRequest(r.WithContext(requestid.With(r.Context(), id)))
		return next(c)
	}
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
