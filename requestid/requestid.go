// Package requestid carries a request's id through its context, so that
// every log line written while handling the request names it: Handler adds
// it to each slog record logged with that context.
package requestid

import (
	"context"
	"crypto/rand"
	"log/slog"
)

// Header is the HTTP header the id travels in, both ways.
const Header = "X-Request-Id"

// Key is the log attribute that carries the id.
const Key = "request_id"

// MaxLen is the longest id accepted from a caller.
const MaxLen = 128

type ctxKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the id ctx carries, "" when none.
func From(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New returns a fresh random id (26 characters, base32).
func New() string { return rand.Text() }

// Valid reports whether an id sent by a caller (or a proxy in front) may be
// kept: 1 to MaxLen printable ASCII characters, without spaces, quotes or
// backslashes, so that it cannot forge or break a log line.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Handler wraps h so that a record logged with a context carrying an id
// gets a request_id attribute (unless it already has one).
func Handler(h slog.Handler) slog.Handler {
	if _, ok := h.(handler); ok {
		return h
	}
	return handler{h}
}

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" && !hasKey(r) {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{h.Handler.WithGroup(name)}
}

func hasKey(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == Key
		return !found
	})
	return found
}
