package threads

import (
	"context"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/tools"
)

// The usage API (routes in http.go's table; the operator's view is a
// public route of the application, AdminUsageHandler, with its own token):
//
//	GET  /api/v1/usage?from=&to=&group_by=thread|model|day   the caller's usage
//	GET  /api/v1/tools                                       the tools a thread may use
//	GET  /api/v1/threads/{thread_id}/usage                   a thread's totals and context fill
//	POST /api/v1/threads/{thread_id}/messages/{message_id}/feedback  {"rating":"up"|"down"}
//	GET  /api/v1/admin/usage?…&group_by=…|user               every user's (Bearer metrics token)

func (o *Orchestrator) handleUsage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	uq, err := ParseUsageQuery(q.Get("from"), q.Get("to"), q.Get("group_by"), false)
	if err != nil {
		return o.writeError(w, r, err)
	}
	rep, err := o.Usage(r.Context(), identity(r), uq)
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, rep)
}

// AdminUsageHandler serves GET /api/v1/admin/usage to a caller with the
// metrics token (Options.AdminToken); Odoo credentials are not taken.
func (o *Orchestrator) AdminUsageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			_ = o.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use GET"})
			return
		}
		tok := o.opts.AdminToken
		if tok == "" {
			_ = o.writeError(w, r, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "the operator's usage view needs a metrics token (--metrics-token)"})
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="odoo-mcp admin"`)
			_ = writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized", "message": "send the metrics token: Authorization: Bearer <ODOO_MCP_METRICS_TOKEN>"})
			return
		}
		q := r.URL.Query()
		uq, err := ParseUsageQuery(q.Get("from"), q.Get("to"), q.Get("group_by"), true)
		if err != nil {
			_ = o.writeError(w, r, err)
			return
		}
		rep, err := o.AdminUsage(r.Context(), uq)
		if err != nil {
			_ = o.writeError(w, r, err)
			return
		}
		_ = writeJSON(w, http.StatusOK, rep)
	})
}

func (o *Orchestrator) handleThreadUsage(w http.ResponseWriter, r *http.Request) error {
	u, err := o.ThreadUsageOf(r.Context(), identity(r), r.PathValue("thread_id"))
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, u)
}

func (o *Orchestrator) handleFeedback(w http.ResponseWriter, r *http.Request) error {
	if err := checkThreadID(r.PathValue("thread_id")); err != nil {
		return o.writeError(w, r, err)
	}
	var f Feedback
	if err := o.decodeJSON(w, r, &f); err != nil {
		return o.writeError(w, r, err)
	}
	if err := o.SetFeedback(r.Context(), identity(r), r.PathValue("thread_id"), r.PathValue("message_id"), f); err != nil {
		return o.writeError(w, r, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// withUsage adds the thread's totals and context fill to a GET of one
// thread, best effort: the thread itself is the answer.
func (o *Orchestrator) withUsage(ctx context.Context, rec *record, th *Thread) {
	u, err := o.threadUsage(ctx, rec)
	if err != nil {
		o.log.DebugContext(ctx, "thread usage unavailable", "thread", th.ThreadID, "error", err.Error())
		return
	}
	th.Usage = u
}

// ToolInfo is one tool a thread may use, as GET /api/v1/tools lists it.
type ToolInfo struct {
	Name     string `json:"name"`
	ReadOnly bool   `json:"read_only"`
}

func (o *Orchestrator) handleTools(w http.ResponseWriter, r *http.Request) error {
	out := make([]ToolInfo, 0, len(o.opts.Tools))
	for _, t := range tools.Inventory() {
		if slices.Contains(o.opts.Tools, t.Def.Name) {
			out = append(out, ToolInfo{Name: t.Def.Name, ReadOnly: t.ReadOnly()})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tools": out})
}
