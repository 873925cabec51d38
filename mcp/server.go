// Package mcp adapts the Odoo tools to the Model Context Protocol: one
// go-sdk server, built once, served over Streamable HTTP (Handler, mounted
// by the HTTP application, which checks credentials first) or over stdio
// (ServeStdio). It filters the tool list, resolves the caller of a tool
// call from the identity found at the edge, and writes the audit line.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"time"

	gomcpauth "github.com/modelcontextprotocol/go-sdk/auth"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// Authenticator resolves an Authorization header to an Odoo identity (used
// over stdio, where there is no HTTP edge).
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (*auth.Identity, error)
}

// Config wires the MCP endpoint.
type Config struct {
	Odoo tools.Odoo
	// Auth checks the stdio credential on every call; over HTTP the
	// application checks credentials before the endpoint sees a request.
	Auth   Authenticator
	Policy tools.Policy
	// Context is merged into every Odoo call's context (e.g.
	// allowed_company_ids); the user's own lang and tz come first.
	Context map[string]any
	// Stateful keeps MCP sessions in memory (Mcp-Session-Id). The default,
	// stateless, lets any replica serve any request.
	Stateful bool
	// JSONResponse answers POSTs with application/json instead of SSE.
	JSONResponse bool
	MaxBodyBytes int64
	// MaxAttachmentBytes caps attachment content read as a resource or
	// created through the creator (0: tools.DefaultMaxAttachmentBytes).
	MaxAttachmentBytes int64
	// Metrics, when set, counts tool calls by tool and outcome.
	Metrics interface {
		ToolCall(tool, outcome string, d time.Duration)
	}
	// OnFieldsEvict, when set, counts entries pushed out of the tools'
	// bounded fields_get cache.
	OnFieldsEvict func()
	Version       string
	Logger        *slog.Logger
}

// Endpoint is the SDK server with the tools, and its HTTP handler.
type Endpoint struct {
	cfg     Config
	server  *gomcp.Server
	handler http.Handler
	log     *slog.Logger
	listed  map[string]bool // tools/list under the policy
	known   map[string]bool // every registered tool, listed or not
	// readTools are the tools a read-only caller (an OAuth grant without
	// odoo.write) may list and call: the policy's, read-only.
	readTools map[string]bool
	// requests in flight, so that a tool call ends with its HTTP request
	requests requests
	// stdio is the credential of the stdio session, checked per call.
	stdio string
}

// unknownTool is the one metric label and audit value of every tool name
// that is not a registered tool: a caller can send any name, and each
// would otherwise become a new metric series.
const unknownTool = "unknown"

// toolLabel is name when it names a registered tool, else unknownTool.
func (ep *Endpoint) toolLabel(name string) string {
	if ep.known[name] {
		return name
	}
	return unknownTool
}

// Instructions tell an MCP client how to use the tools well.
const instructions = `Tools for one Odoo database, running as the Odoo user whose credential you sent: Odoo's access rights apply. Start with odoo_model_inspector to learn a model's fields, then odoo_record_retriever with a domain and the fields you need. Writing tools change real data: confirm with the user first. Results are JSON. A record is also a resource, odoo://<model>/<id>, and an attachment's file odoo://ir.attachment/<id>/content.`

// New builds the MCP endpoint.
func New(cfg Config) *Endpoint {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	ep := &Endpoint{cfg: cfg, log: cfg.Logger, listed: tools.Listed(cfg.Policy), known: map[string]bool{}}
	readOnly := cfg.Policy
	readOnly.ReadOnly = true
	ep.readTools = tools.Listed(readOnly)
	for _, t := range tools.Inventory() {
		ep.known[t.Def.Name] = true
	}
	// The SDK logs every session at info; keep only its warnings.
	sdkLog := slog.New(minLevel{cfg.Logger.Handler(), slog.LevelWarn})
	ep.server = gomcp.NewServer(&gomcp.Implementation{Name: "odoo-mcp", Title: "Odoo", Version: cfg.Version, Icons: tools.ServerIcons()},
		&gomcp.ServerOptions{Instructions: instructions, Logger: sdkLog, SetCacheable: setCacheable})
	tools.Register(ep.server, tools.Deps{
		Odoo:               cfg.Odoo,
		Policy:             cfg.Policy,
		Caller:             ep.caller,
		ResourceCaller:     ep.resourceCaller,
		MaxAttachmentBytes: cfg.MaxAttachmentBytes,
		Logger:             cfg.Logger,

		OnFieldsEvict: cfg.OnFieldsEvict,
	})
	// Outermost first: the caller and request id are in the context
	// before the tool list is filtered or a call is audited.
	ep.server.AddReceivingMiddleware(ep.resolve, mcpRequestID, ep.cancelWithRequest, ep.filterToolList, ep.audit)
	sdk := gomcp.NewStreamableHTTPHandler(func(*http.Request) *gomcp.Server { return ep.server },
		&gomcp.StreamableHTTPOptions{
			Stateless:           !cfg.Stateful,
			JSONResponse:        cfg.JSONResponse,
			MaxRequestBodyBytes: cfg.MaxBodyBytes,
			Logger:              sdkLog,
			// 2026-07-28: every method (not only tools/call, which
			// cancelWithRequest ties to its request on every version)
			// ends when its POST does.
			PropagateRequestCancellation: true,
		})
	var h http.Handler = sdk
	if cfg.Stateful {
		h = handOver(sdk)
	}
	ep.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del(requestHeader)
		defer ep.requests.track(r)()
		h.ServeHTTP(w, r)
	})
	return ep
}

// Handler serves /mcp. The caller must already be checked: it is read from
// the request's context (auth.IdentityFrom); a request without one is
// anonymous (listing only, when the application allows it).
func (ep *Endpoint) Handler() http.Handler { return ep.handler }

// ReadOnlyRefuses reports whether tool is one a read-only caller (an
// OAuth grant without odoo.write) may not call: a registered tool that
// writes. The HTTP application refuses such a call before the endpoint
// sees it, with the scope to ask for.
func (ep *Endpoint) ReadOnlyRefuses(tool string) bool { return ep.known[tool] && !ep.readTools[tool] }

// Server is the underlying SDK server (for in-process transports).
func (ep *Endpoint) Server() *gomcp.Server { return ep.server }

// handOver passes the identity the HTTP application resolved to the SDK of
// a stateful endpoint, which hands every message the TokenInfo of the HTTP
// request that carried it (RequestExtra.TokenInfo): in a stateful session
// the handlers run under the context of the session's first request, so a
// context value alone would name the wrong caller. (Stateless, each request
// is its own session and its context reaches the handlers.) The SDK's only way in for a TokenInfo
// is its bearer-token middleware, which reads "Bearer <token>": the request
// goes through it with a stand-in header, and the caller's own header is
// back before the SDK reads the request.
func handOver(sdk http.Handler) http.Handler {
	restore := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if orig, ok := r.Context().Value(origAuthorization{}).([]string); ok {
			r.Header["Authorization"] = orig
		}
		sdk.ServeHTTP(w, r)
	})
	bearer := gomcpauth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*gomcpauth.TokenInfo, error) {
		return &gomcpauth.TokenInfo{Extra: map[string]any{identityExtra: auth.IdentityFrom(ctx)}}, nil
	}, &gomcpauth.RequireBearerTokenOptions{AllowMissingExpiration: true})(restore)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.IdentityFrom(r.Context()) == nil {
			sdk.ServeHTTP(w, r)
			return
		}
		// The header map is the request's own (already read by the
		// application); it is restored in place, not copied.
		r = r.WithContext(context.WithValue(r.Context(), origAuthorization{}, r.Header["Authorization"]))
		r.Header["Authorization"] = bearerStandIn
		bearer.ServeHTTP(w, r)
	})
}

type origAuthorization struct{}

var bearerStandIn = []string{"Bearer resolved-at-the-edge"}

// identityExtra is the TokenInfo.Extra key of the caller's *auth.Identity.
const identityExtra = "odoo-mcp.identity"

// authErrKey carries why a message has no caller (stdio: the credential
// check failed).
type authErrKey struct{}

// resolve finds the caller of each message once and puts it in the
// context (auth.WithIdentity) for everything after it: the identity the
// HTTP application checked (stateless: in the request's context, already
// there; stateful: in the message's TokenInfo; none for an anonymous
// listing), or over stdio the session's credential checked now (through
// the authenticator's cache, so a key revoked in Odoo stops working within
// its TTL).
func (ep *Endpoint) resolve(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		if method != "tools/call" && method != "tools/list" && method != "resources/read" {
			return next(ctx, method, req)
		}
		var id *auth.Identity
		var err error
		extra := req.GetExtra()
		switch {
		case extra != nil && extra.TokenInfo != nil:
			id, _ = extra.TokenInfo.Extra[identityExtra].(*auth.Identity)
		case ep.stdio != "" && ep.cfg.Auth != nil:
			id, err = ep.cfg.Auth.Authenticate(ctx, ep.stdio)
		case !ep.cfg.Stateful:
			// Stateless HTTP: the request's own context, from the edge.
			if id = auth.IdentityFrom(ctx); id != nil {
				return next(ctx, method, req)
			}
		}
		// Set even when nil: a stateful session's context may still carry
		// its first request's caller.
		ctx = auth.WithIdentity(ctx, id)
		if err != nil {
			ctx = context.WithValue(ctx, authErrKey{}, err)
		}
		return next(ctx, method, req)
	}
}

// caller is the Odoo user of a tool call, as resolved for the message.
func (ep *Endpoint) caller(ctx context.Context, req *gomcp.CallToolRequest) (tools.Caller, error) {
	id, err := ep.identified(ctx, "call them")
	switch {
	case err != nil:
		return tools.Caller{}, err
	case id.Thread != nil && !slices.Contains(id.Thread.Tools, req.Params.Name):
		return tools.Caller{}, &tools.PolicyError{Msg: fmt.Sprintf("tool %s is not enabled for this thread", req.Params.Name)}
	case id.ReadOnly && !ep.readTools[req.Params.Name]:
		return tools.Caller{}, &tools.PolicyError{Msg: fmt.Sprintf("tool %s writes, and this grant may only read (scope odoo.write needed)", req.Params.Name)}
	}
	return ep.callerOf(id), nil
}

// identified is the message's caller, or why there is none to act for:
// the credential failed, there was none, or it is a listing token (which
// may list tools, not do what names: "call them", "read resources").
func (ep *Endpoint) identified(ctx context.Context, what string) (*auth.Identity, error) {
	id := auth.IdentityFrom(ctx)
	aerr, _ := ctx.Value(authErrKey{}).(error)
	switch {
	case aerr != nil:
		return nil, fmt.Errorf("authentication failed: %w", aerr)
	case id == nil:
		return nil, errors.New("authentication required")
	case id.Thread != nil && id.Thread.Listing:
		return nil, errors.New("this token can list tools but not " + what)
	}
	return id, nil
}

// callerOf is the tools' view of an identified caller.
func (ep *Endpoint) callerOf(id *auth.Identity) tools.Caller {
	return tools.Caller{DB: id.DB, UID: id.UID, Credentials: id.Credentials, Context: ep.odooContext(id)}
}

// odooContext is the user's context with the configured context on top.
func (ep *Endpoint) odooContext(id *auth.Identity) map[string]any {
	if len(ep.cfg.Context) == 0 {
		return id.Context
	}
	out := make(map[string]any, len(id.Context)+len(ep.cfg.Context))
	for k, v := range id.Context {
		out[k] = v
	}
	for k, v := range ep.cfg.Context {
		out[k] = v
	}
	return out
}

// filterToolList narrows tools/list to what the policy enables (read-only
// mode hides the writing tools) and, for a thread token, to the thread's
// tools.
func (ep *Endpoint) filterToolList(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		res, err := next(ctx, method, req)
		if method != "tools/list" || err != nil {
			return res, err
		}
		list, ok := res.(*gomcp.ListToolsResult)
		if !ok {
			return res, err
		}
		var thread []string
		restrict, readOnly := false, false
		if id := auth.IdentityFrom(ctx); id != nil {
			if id.Thread != nil && !id.Thread.Listing {
				thread, restrict = id.Thread.Tools, true
			}
			readOnly = id.ReadOnly
		}
		kept := make([]*gomcp.Tool, 0, len(list.Tools))
		for _, t := range list.Tools {
			if ep.listed[t.Name] && (!restrict || slices.Contains(thread, t.Name)) && (!readOnly || ep.readTools[t.Name]) {
				kept = append(kept, t)
			}
		}
		filtered := *list
		filtered.Tools = kept
		return &filtered, nil
	}
}

// minLevel drops records below a level, whatever the wrapped handler allows.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(attrs), m.min}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.min}
}

// audit writes one log line per tool call: who, which tool, the outcome and
// the duration; never arguments or values.
func (ep *Endpoint) audit(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		if method == "resources/read" {
			return ep.auditRead(ctx, next, method, req)
		}
		if method != "tools/call" {
			return next(ctx, method, req)
		}
		start := time.Now()
		ctx, touched := tools.WithAudit(ctx)
		res, err := next(ctx, method, req)
		params, _ := req.GetParams().(*gomcp.CallToolParamsRaw)
		r, _ := res.(*gomcp.CallToolResult)
		ep.logCall(ctx, start, toolName(params), touched, auth.IdentityFrom(ctx), r != nil && r.IsError, err)
		return res, err
	}
}

// logCall writes the audit line of one tool call and counts it, the same
// for a call over MCP and one run in-process (extra attributes last).
func (ep *Endpoint) logCall(ctx context.Context, start time.Time, name string, touched *tools.Audit, id *auth.Identity, isError bool, err error, extra ...any) {
	label := ep.toolLabel(name)
	attrs := []any{"tool", label, "duration_ms", millis(time.Since(start))}
	if label != name {
		// Say what was asked for, bounded: the name is the caller's.
		attrs = append(attrs, "requested_tool", truncateName(name))
	}
	if touched.Model != "" {
		attrs = append(attrs, "model", touched.Model)
	}
	if len(touched.IDs) > 0 {
		attrs = append(attrs, "record_ids", auditIDs(touched.IDs), "records", len(touched.IDs))
	}
	if id != nil {
		attrs = append(attrs, "db", id.DB, "uid", id.UID)
		if id.Thread != nil {
			attrs = append(attrs, "thread", id.Thread.Thread, "agent", id.Thread.AgentID)
		}
		if id.OAuthClient != "" {
			attrs = append(attrs, "oauth_client", truncateName(id.OAuthClient))
		}
	}
	attrs = append(attrs, extra...)
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "protocol_error"
		ep.log.WarnContext(ctx, "tool call failed", append(attrs, "outcome", outcome, "error", err.Error())...)
	case isError:
		outcome = "error"
		ep.log.InfoContext(ctx, "tool call", append(attrs, "outcome", outcome)...)
	default:
		ep.log.InfoContext(ctx, "tool call", append(attrs, "outcome", outcome)...)
	}
	if ep.cfg.Metrics != nil {
		ep.cfg.Metrics.ToolCall(label, outcome, time.Since(start))
	}
}

// auditIDs bounds the ids written in one log line; the count is logged beside.
func auditIDs(ids []int64) []int64 {
	const max = 50
	if len(ids) > max {
		return ids[:max]
	}
	return ids
}

// millis is a duration in milliseconds (to the microsecond), for log lines:
// the unit goes in the key (duration_ms), not bare nanoseconds.
func millis(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// truncateName bounds a caller-given name written in a log line.
func truncateName(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func toolName(p *gomcp.CallToolParamsRaw) string {
	if p == nil {
		return ""
	}
	return p.Name
}
