package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// The thread API, mounted on odoo-mcp's echo server:
//
//	PUT    /api/v1/threads/{thread_id}            declare (200, 201 when created)
//	GET    /api/v1/threads/{thread_id}            read (200)
//	GET    /api/v1/threads                        the caller's threads (200)
//	DELETE /api/v1/threads/{thread_id}            delete, idempotent (204)
//	POST   /api/v1/threads/{thread_id}/messages   send, streamed (SSE) or JSON
//	GET    /api/v1/models                         Letta's chat and embedding models
//
// Every route takes the same Odoo credentials as /mcp; thread tokens are
// refused. Errors are {"error": code, "message": text[, "valid": [...]]}.

const identityKey = "odoo-mcp.identity"

// Mount adds the thread API to e.
func (o *Orchestrator) Mount(e *echo.Echo) {
	g := e.Group("/api/v1")
	route := func(op string, h echo.HandlerFunc) echo.HandlerFunc { return o.counted(op, o.authenticate(h)) }
	g.GET("/models", route("models", o.handleModels))
	g.GET("/threads", route("list", o.handleList))
	g.GET("/threads/", route("list", o.handleList))
	g.PUT("/threads/:thread_id", route("declare", o.handleDeclare))
	g.GET("/threads/:thread_id", route("get", o.handleGet))
	g.DELETE("/threads/:thread_id", route("delete", o.handleDelete))
	g.POST("/threads/:thread_id/messages", route("message", o.handleMessage))
	g.POST("/threads/:thread_id/approvals", route("approvals", o.handleApprovals))
	o.mountMemory(g, route)
	o.mountUsage(g, route)
}

// counted reports each operation and the status it ended with.
func (o *Orchestrator) counted(op string, next echo.HandlerFunc) echo.HandlerFunc {
	if o.opts.Metrics == nil {
		return next
	}
	return func(c echo.Context) error {
		err := next(c)
		status := c.Response().Status
		if he, ok := err.(*echo.HTTPError); ok {
			status = he.Code
		}
		o.opts.Metrics.ThreadOperation(op, status)
		return err
	}
}

// authenticate resolves the caller's Odoo identity. A thread token is
// refused without being checked: it is the agent's credential for /mcp,
// and an agent must not manage threads.
func (o *Orchestrator) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		header := c.Request().Header.Get("Authorization")
		if cred, err := auth.ParseAuthorization(header); err == nil && cred.Scheme == auth.SchemeBearer && auth.LooksLikeToken(cred.Secret) {
			return o.writeError(c, &Error{Status: http.StatusUnauthorized, Code: "unauthorized",
				Message: "thread tokens are for the agent's tool calls on /mcp; the thread API takes the user's Odoo credentials"})
		}
		id, err := o.opts.Auth.Authenticate(c.Request().Context(), header)
		if err != nil {
			return o.writeError(c, authFailure(err))
		}
		if id.Thread != nil {
			return o.writeError(c, &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "the thread API takes the user's Odoo credentials"})
		}
		if ok, after := o.opts.Rate.Allow(userKey(id)); !ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(limits.RetryAfterSeconds(after)))
			return o.writeError(c, &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many requests for this credential; retry after the Retry-After delay"})
		}
		c.Set(identityKey, id)
		return next(c)
	}
}

// userKey is what limits count under: one Odoo user of one database.
func userKey(id *auth.Identity) string { return fmt.Sprintf("user:%s:%d", id.DB, id.UID) }

func authFailure(err error) *Error {
	switch {
	case errors.Is(err, odoorpc.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: "odoo_unavailable", Message: "Odoo is not reachable, credentials could not be checked; try again later", Err: err}
	case errors.Is(err, letta.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: "letta_unavailable", Message: "Letta is not reachable; try again later", Err: err}
	case errors.Is(err, auth.ErrNoCredentials), errors.Is(err, auth.ErrMalformed), errors.Is(err, auth.ErrInvalid), errors.Is(err, auth.ErrBearerNeedsLogin):
		return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: err.Error()}
	}
	return &Error{Status: http.StatusBadGateway, Code: "odoo_error", Message: "Odoo answered unexpectedly while checking credentials", Err: err}
}

func identity(c echo.Context) *auth.Identity {
	id, _ := c.Get(identityKey).(*auth.Identity)
	return id
}

// writeError answers err (an *Error, or an internal error).
func (o *Orchestrator) writeError(c echo.Context, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "internal_error", Message: "internal error", Err: err}
	}
	if e.Status == 499 {
		return nil // the caller left: nothing to answer
	}
	if e.Status >= 500 {
		o.log.WarnContext(c.Request().Context(), "thread API request failed", "method", c.Request().Method, "path", c.Path(), "status", e.Status, "code", e.Code, "error", e.Error())
	}
	h := c.Response().Header()
	switch e.Status {
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "5")
	case http.StatusUnauthorized:
		h.Add("WWW-Authenticate", `Basic realm="odoo-mcp", charset="UTF-8"`)
		h.Add("WWW-Authenticate", `Bearer realm="odoo-mcp"`)
	}
	body := map[string]any{"error": e.Code, "message": e.Message}
	if e.Valid != nil {
		body["valid"] = e.Valid
	}
	return c.JSON(e.Status, body)
}

// decodeJSON reads exactly one JSON object into v: unknown fields, trailing
// data and bodies over the limit are refused with a message saying which.
func (o *Orchestrator) decodeJSON(c echo.Context, v any) error {
	r := c.Request()
	body := http.MaxBytesReader(c.Response(), r.Body, o.opts.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: fmt.Sprintf("the request body is larger than %d bytes", o.opts.MaxBodyBytes)}
	case errors.Is(err, io.EOF):
		return badRequest("empty_body", "the request body is empty: send a JSON object")
	case errors.Is(err, errTrailing):
		return badRequest("invalid_json", "the request body holds more than one JSON value")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("invalid_json", "the request body is not valid JSON: "+err.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("invalid_json", "the request body must be a JSON object")
		}
		return badRequest("invalid_field", fmt.Sprintf("field %q must be %s", typ.Field, jsonKind(typ.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown_field", strings.TrimPrefix(err.Error(), "json: ")+" (see the API documentation for the accepted fields)")
	}
	return badRequest("invalid_json", "the request body could not be read: "+err.Error())
}

var errTrailing = errors.New("trailing data")

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "float64", "int", "int64":
		return "a number"
	case "slice":
		return "an array"
	case "ptr", "struct", "map":
		return "an object or value of the right type"
	case "bool":
		return "true or false"
	}
	return "of another type"
}

func (o *Orchestrator) handleModels(c echo.Context) error {
	ms, err := o.ListModels(c.Request().Context())
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, ms)
}

func (o *Orchestrator) handleList(c echo.Context) error {
	ts, err := o.List(c.Request().Context(), identity(c))
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"threads": ts})
}

func (o *Orchestrator) handleGet(c echo.Context) error {
	th, err := o.Get(c.Request().Context(), identity(c), c.Param("thread_id"))
	if err != nil {
		return o.writeError(c, err)
	}
	o.withUsage(c.Request().Context(), identity(c), th)
	return c.JSON(http.StatusOK, th)
}

func (o *Orchestrator) handleDeclare(c echo.Context) error {
	threadID := c.Param("thread_id")
	if err := checkThreadID(threadID); err != nil {
		return o.writeError(c, err)
	}
	var spec Spec
	if err := o.decodeJSON(c, &spec); err != nil {
		return o.writeError(c, err)
	}
	th, err := o.Declare(c.Request().Context(), identity(c), threadID, spec)
	if err != nil {
		return o.writeError(c, err)
	}
	status := http.StatusOK
	if th.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, th)
}

func (o *Orchestrator) handleDelete(c echo.Context) error {
	if err := o.Delete(c.Request().Context(), identity(c), c.Param("thread_id")); err != nil {
		return o.writeError(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (o *Orchestrator) handleMessage(c echo.Context) error {
	threadID := c.Param("thread_id")
	if err := checkThreadID(threadID); err != nil {
		return o.writeError(c, err)
	}
	var msg Message
	if err := o.decodeJSON(c, &msg); err != nil {
		return o.writeError(c, err)
	}
	release, ok := o.opts.Streams.Acquire(userKey(identity(c)))
	if !ok {
		c.Response().Header().Set("Retry-After", "1")
		return o.writeError(c, &Error{Status: http.StatusTooManyRequests, Code: "too_many_streams", Message: "this credential already has the maximum number of open message streams"})
	}
	defer release()
	if m := o.opts.Metrics; m != nil {
		m.StreamOpened()
		defer m.StreamClosed()
	}
	ctx := c.Request().Context()
	stream, t, req, err := o.openStream(ctx, identity(c), threadID, msg)
	if err != nil {
		return o.writeError(c, err)
	}
	return o.answerTurn(c, threadID, t, func(ctx context.Context, emit func(Event) bool) {
		t.ctx, t.emit = ctx, emit
		t.run(stream, req)
	}, func(ctx context.Context) (*Reply, *Error) {
		return collect(ctx, t, stream, req, threadID)
	})
}

// answerTurn streams a turn (SSE), or answers it as one JSON Reply when the
// caller accepts only JSON.
func (o *Orchestrator) answerTurn(c echo.Context, threadID string, t *turn, run func(context.Context, func(Event) bool), collectIt func(context.Context) (*Reply, *Error)) error {
	ctx := c.Request().Context()
	if wantsJSON(c.Request().Header.Get("Accept")) {
		reply, rerr := collectIt(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if rerr != nil {
			o.log.WarnContext(ctx, "thread run failed", "thread", threadID, "agent", t.rec.agent.ID, "error", rerr.Message)
			return c.JSON(rerr.Status, map[string]any{"error": rerr.Code, "message": rerr.Message, "partial": reply})
		}
		if reply.Usage != nil {
			o.countUsage(t.rec.agent.Model, *reply.Usage)
		}
		return c.JSON(http.StatusOK, reply)
	}
	w := c.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// Flush through the underlying writer: it reports a gone client.
	out := newSSEWriter(w, http.NewResponseController(w.Writer))
	model := t.rec.agent.Model
	out.onUsage = func(u UsageData) { o.countUsage(model, u) }
	if err := out.rc.Flush(); err != nil {
		return nil
	}
	relayTurn(ctx, out, o.opts.KeepAlive, run)
	return nil
}

// wantsJSON: the caller accepts JSON and not an event stream.
func wantsJSON(accept string) bool {
	jsonOK, sseOK := false, false
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json":
			jsonOK = true
		case "text/event-stream":
			sseOK = true
		}
	}
	return jsonOK && !sseOK
}
