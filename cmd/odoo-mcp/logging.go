package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"

	"github.com/lmittmann/tint"
	"github.com/mattn/go-isatty"

	"github.com/odoo-mcp/odoo-mcp/requestid"
)

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, fmt.Errorf("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger logs with tint on a terminal and JSON elsewhere (containers,
// files), always to w (stderr). A line logged with a request's context
// carries the request's id (request_id).
func newLogger(w io.Writer, level, format string) *slog.Logger {
	l, _ := parseLevel(level)
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(requestid.Handler(tint.NewTextHandler(w, &tint.Options{Level: l, TimeFormat: "15:04:05.000", ReplaceAttr: durationsInMillis})))
	}
	return slog.New(requestid.Handler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: durationsInMillis})))
}

// durationsInMillis writes every duration as milliseconds with the unit in
// the key (retry_in=1.5s becomes retry_in_ms=1500): slog's JSON handler
// would write bare nanoseconds, which a reader of the logs takes for
// anything.
func durationsInMillis(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_ms", math.Round(float64(a.Value.Duration())/1e3)/1e3)
	}
	return a
}
