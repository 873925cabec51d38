package threads

import (
	"context"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// The usage API:
//
//	GET  /api/v1/usage?from=&to=&group_by=thread|model|day   the caller's usage
//	GET  /api/v1/tools                                       the tools a thread may use
//	GET  /api/v1/admin/usage?…&group_by=…|user               every user's (Bearer metrics token)
//	GET  /api/v1/threads/{thread_id}/usage                   a thread's totals and context fill
//	POST /api/v1/threads/{thread_id}/messages/{message_id}/feedback  {"rating":"up"|"down"}
func (o *Orchestrator) mountUsage(g *echo.Group, route func(string, echo.HandlerFunc) echo.HandlerFunc) {
	g.GET("/usage", route("usage", o.handleUsage))
	g.GET("/tools", route("tools", o.handleTools))
	g.GET("/threads/:thread_id/usage", route("thread_usage", o.handleThreadUsage))
	g.POST("/threads/:thread_id/messages/:message_id/feedback", route("feedback", o.handleFeedback))
	g.GET("/admin/usage", o.counted("admin_usage", o.handleAdminUsage))
}

func (o *Orchestrator) handleUsage(c echo.Context) error {
	q, err := ParseUsageQuery(c.QueryParam("from"), c.QueryParam("to"), c.QueryParam("group_by"), false)
	if err != nil {
		return o.writeError(c, err)
	}
	rep, err := o.Usage(c.Request().Context(), identity(c), q)
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, rep)
}

func (o *Orchestrator) handleAdminUsage(c echo.Context) error {
	tok := o.opts.AdminToken
	if tok == "" {
		return o.writeError(c, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "the operator's usage view needs a metrics token (--metrics-token)"})
	}
	got, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="odoo-mcp admin"`)
		return c.JSON(http.StatusUnauthorized, map[string]any{"error": "unauthorized", "message": "send the metrics token: Authorization: Bearer <ODOO_MCP_METRICS_TOKEN>"})
	}
	q, err := ParseUsageQuery(c.QueryParam("from"), c.QueryParam("to"), c.QueryParam("group_by"), true)
	if err != nil {
		return o.writeError(c, err)
	}
	rep, err := o.AdminUsage(c.Request().Context(), q)
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, rep)
}

func (o *Orchestrator) handleThreadUsage(c echo.Context) error {
	u, err := o.ThreadUsageOf(c.Request().Context(), identity(c), c.Param("thread_id"))
	if err != nil {
		return o.writeError(c, err)
	}
	return c.JSON(http.StatusOK, u)
}

func (o *Orchestrator) handleFeedback(c echo.Context) error {
	if err := checkThreadID(c.Param("thread_id")); err != nil {
		return o.writeError(c, err)
	}
	var f Feedback
	if err := o.decodeJSON(c, &f); err != nil {
		return o.writeError(c, err)
	}
	if err := o.SetFeedback(c.Request().Context(), identity(c), c.Param("thread_id"), c.Param("message_id"), f); err != nil {
		return o.writeError(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// withUsage adds the thread's totals and context fill to a GET of one
// thread, best effort: the thread itself is the answer.
func (o *Orchestrator) withUsage(ctx context.Context, id *auth.Identity, th *Thread) {
	u, err := o.ThreadUsageOf(ctx, id, th.ThreadID)
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

func (o *Orchestrator) handleTools(c echo.Context) error {
	out := make([]ToolInfo, 0, len(o.opts.Tools))
	for _, t := range tools.Inventory() {
		if slices.Contains(o.opts.Tools, t.Def.Name) {
			out = append(out, ToolInfo{Name: t.Def.Name, ReadOnly: t.ReadOnly()})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"tools": out})
}
