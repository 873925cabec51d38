package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/httperr"
	"github.com/odoo-mcp/odoo-mcp/internal/statuswriter"
)

// The thread API, mounted by the HTTP application under /api/v1:
//
//	PUT    /api/v1/threads/{thread_id}            declare (200, 201 when created)
//	GET    /api/v1/threads/{thread_id}            read (200)
//	GET    /api/v1/threads                        the caller's threads (200)
//	DELETE /api/v1/threads/{thread_id}            delete, idempotent (204)
//	POST   /api/v1/threads/{thread_id}/messages   send, streamed (SSE) or JSON
//	GET    /api/v1/threads/{thread_id}/messages   history, a page at a time (?limit=1..200&before=<next_before>)
//	GET    /api/v1/models                         Letta's chat and embedding models
//
// Every route takes the same Odoo credentials as /mcp, checked by the
// application's authenticate middleware before the handler runs (the
// caller is then in the request's context: auth.IdentityFrom). Errors are
// {"error": code, "message": text[, "valid": [...]]}.

// routes are the thread API: pattern (net/http syntax), the operation
// it counts as, and its handler.
var routes = []struct {
	pattern, op string
	handler     func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error
}{
	{"GET /api/v1/models", "models", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleModels }},
	{"GET /api/v1/threads", "list", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleList }},
	{"GET /api/v1/threads/{$}", "list", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleList }},
	{"PUT /api/v1/threads/{thread_id}", "declare", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleDeclare }},
	{"GET /api/v1/threads/{thread_id}", "get", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleGet }},
	{"DELETE /api/v1/threads/{thread_id}", "delete", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleDelete }},
	{"POST /api/v1/threads/{thread_id}/messages", "message", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleMessage }},
	{"GET /api/v1/threads/{thread_id}/messages", "history", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleHistory }},
	{"POST /api/v1/threads/{thread_id}/approvals", "approvals", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleApprovals }},
	{"GET /api/v1/tools", "tools", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleTools }},
	{"GET /api/v1/usage", "usage", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleUsage }},
	{"GET /api/v1/threads/{thread_id}/usage", "thread_usage", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleThreadUsage }},
	{"POST /api/v1/threads/{thread_id}/messages/{message_id}/feedback", "feedback", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleFeedback }},
	{"GET /api/v1/threads/{thread_id}/memory", "memory_get", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleThreadMemory }},
	{"PATCH /api/v1/threads/{thread_id}/memory/{label}", "memory_edit", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleEditThreadMemory }},
	{"GET /api/v1/memory/human", "user_memory_get", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleUserMemory }},
	{"PATCH /api/v1/memory/human", "user_memory_edit", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleEditUserMemory }},
	{"DELETE /api/v1/memory/human", "user_memory_delete", func(o *Orchestrator) func(http.ResponseWriter, *http.Request) error { return o.handleDeleteUserMemory }},
}

// Handler serves the thread API. authenticate guards every route; it runs
// inside the operation count, so that refusals are counted too.
func (o *Orchestrator) Handler(authenticate func(http.Handler) http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.pattern, o.counted(rt.op, authenticate(o.serve(rt.handler(o)))))
	}
	return mux
}

// Paths are the path patterns of the thread API, for the application to
// route to Handler.
func (o *Orchestrator) Paths() []string {
	out := make([]string, 0, len(routes))
	for _, rt := range routes {
		_, path, _ := strings.Cut(rt.pattern, " ")
		out = append(out, path)
	}
	return out
}

// serve runs a handler that answers its own errors (writeError); an error
// it returns anyway is answered as internal.
func (o *Orchestrator) serve(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			o.writeError(w, r, err)
		}
	})
}

// counted reports each operation and the status it ended with.
func (o *Orchestrator) counted(op string, next http.Handler) http.Handler {
	if o.opts.Metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statuswriter.Writer{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.Status
		if status == 0 {
			status = http.StatusOK
		}
		o.opts.Metrics.ThreadOperation(op, status)
	})
}

func identity(r *http.Request) *auth.Identity { return auth.IdentityFrom(r.Context()) }

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a failed write is a caller gone: nothing to answer
	return nil
}

// innermost is the writer under every wrapper: its Flush reports a client
// gone, where a wrapper's Flush may swallow the error.
func innermost(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// writeError answers err (an *Error, or an internal error).
func (o *Orchestrator) writeError(w http.ResponseWriter, r *http.Request, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "internal_error", Message: "internal error", Err: err}
	}
	if e.Status == 499 {
		return nil // the caller left: nothing to answer
	}
	if e.Status >= 500 {
		o.log.WarnContext(r.Context(), "thread API request failed", "method", r.Method, "path", r.Pattern, "status", e.Status, "code", e.Code, "error", e.Error())
	}
	httperr.Write(w, httperr.Answer{Status: e.Status, Code: e.Code, Message: e.Message, Valid: e.Valid, RetryAfter: e.RetryAfter})
	return nil
}

// decodeJSON reads exactly one JSON object into v: unknown fields, trailing
// data and bodies over the limit are refused with a message saying which.
func (o *Orchestrator) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, o.opts.MaxBodyBytes)
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

func (o *Orchestrator) handleModels(w http.ResponseWriter, r *http.Request) error {
	ms, err := o.ListModels(r.Context())
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, ms)
}

func (o *Orchestrator) handleList(w http.ResponseWriter, r *http.Request) error {
	ts, err := o.List(r.Context(), identity(r))
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"threads": ts})
}

func (o *Orchestrator) handleGet(w http.ResponseWriter, r *http.Request) error {
	rec, err := o.findOne(r.Context(), identity(r), r.PathValue("thread_id"))
	if err != nil {
		return o.writeError(w, r, err)
	}
	th := threadOf(*rec)
	o.withUsage(r.Context(), rec, th)
	return writeJSON(w, http.StatusOK, th)
}

func (o *Orchestrator) handleDeclare(w http.ResponseWriter, r *http.Request) error {
	threadID := r.PathValue("thread_id")
	if err := checkThreadID(threadID); err != nil {
		return o.writeError(w, r, err)
	}
	var spec Spec
	if err := o.decodeJSON(w, r, &spec); err != nil {
		return o.writeError(w, r, err)
	}
	th, err := o.Declare(r.Context(), identity(r), threadID, spec)
	if err != nil {
		return o.writeError(w, r, err)
	}
	status := http.StatusOK
	if th.Created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, th)
}

func (o *Orchestrator) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := o.Delete(r.Context(), identity(r), r.PathValue("thread_id")); err != nil {
		return o.writeError(w, r, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// streamSlot takes one of the caller's open-stream slots (a message or an
// approval answer streams a turn) and counts the stream; release gives
// both back.
func (o *Orchestrator) streamSlot(r *http.Request) (release func(), err error) {
	free, ok := o.opts.Streams.Acquire(identity(r).LimitKey())
	if !ok {
		return nil, &Error{Status: http.StatusTooManyRequests, Code: "too_many_streams", RetryAfter: 1,
			Message: "this credential already has the maximum number of open message streams"}
	}
	m := o.opts.Metrics
	if m == nil {
		return free, nil
	}
	m.StreamOpened()
	return func() { m.StreamClosed(); free() }, nil
}

func (o *Orchestrator) handleMessage(w http.ResponseWriter, r *http.Request) error {
	threadID := r.PathValue("thread_id")
	if err := checkThreadID(threadID); err != nil {
		return o.writeError(w, r, err)
	}
	var msg Message
	if err := o.decodeJSON(w, r, &msg); err != nil {
		return o.writeError(w, r, err)
	}
	release, err := o.streamSlot(r)
	if err != nil {
		return o.writeError(w, r, err)
	}
	defer release()
	ctx := r.Context()
	stream, t, req, err := o.openStream(ctx, identity(r), threadID, msg)
	if err != nil {
		return o.writeError(w, r, err)
	}
	return o.answerTurn(w, r, threadID, t, func(ctx context.Context, emit func(Event) bool) {
		t.ctx, t.emit = ctx, emit
		t.run(stream, req)
	}, func(ctx context.Context) (*Reply, *Error) {
		return collect(ctx, t, stream, req, threadID)
	})
}

// answerTurn streams a turn (SSE), or answers it as one JSON Reply when the
// caller accepts only JSON.
func (o *Orchestrator) answerTurn(w http.ResponseWriter, r *http.Request, threadID string, t *turn, run func(context.Context, func(Event) bool), collectIt func(context.Context) (*Reply, *Error)) error {
	ctx := r.Context()
	if wantsJSON(r.Header.Get("Accept")) {
		reply, rerr := collectIt(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if rerr != nil {
			o.log.WarnContext(ctx, "thread run failed", "thread", threadID, "agent", t.rec.agent.ID, "error", rerr.Message)
			return writeJSON(w, rerr.Status, map[string]any{"error": rerr.Code, "message": rerr.Message, "partial": reply})
		}
		if reply.Usage != nil {
			o.countUsage(t.rec.agent.Model, *reply.Usage)
		}
		return writeJSON(w, http.StatusOK, reply)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// Flush through the underlying writer: it reports a gone client.
	out := newSSEWriter(w, http.NewResponseController(innermost(w)))
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
