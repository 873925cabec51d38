package httpapp

import (
	"log/slog"

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
				slog.Duration("duration", v.Latency), slog.String("request_id", v.RequestID))
			return nil
		},
	})
}
