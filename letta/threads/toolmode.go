package threads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// toolModeState is the tool mode once decided (auto mode asks Letta's
// version the first time it is needed; a failure is retried next time).
type toolModeState struct {
	mu     sync.Mutex
	mode   string // ToolModeClient or ToolModeMCP; "" until decided
	reason string
}

// toolMode returns ToolModeClient or ToolModeMCP.
func (o *Orchestrator) toolMode(ctx context.Context) (string, error) {
	o.mode.mu.Lock()
	defer o.mode.mu.Unlock()
	if o.mode.mode != "" {
		return o.mode.mode, nil
	}
	mode, reason := o.opts.ToolMode, "set by --letta-tool-mode"
	if mode == ToolModeAuto {
		v, err := o.letta.DetectVersion(ctx)
		switch {
		case isLettaCloud(o.letta.BaseURL()):
			mode, reason = ToolModeClient, "Letta Cloud supports client tools"
		case err != nil:
			return "", lettaFailure("asking Letta's version to choose the tool mode", err)
		case v.AtLeast(0, 16, 2):
			mode, reason = ToolModeClient, fmt.Sprintf("Letta %s supports client tools (0.16.2 and later)", v)
		default:
			mode, reason = ToolModeMCP, fmt.Sprintf("Letta %s has no client tools (before 0.16.2): Letta calls odoo-mcp over MCP", v)
		}
	}
	if mode == ToolModeMCP && (o.tokens == nil || o.mcpURL == "") {
		return "", &Error{Status: http.StatusServiceUnavailable, Code: "mcp_mode_not_configured",
			Message: "this Letta needs MCP mode (" + reason + "), which needs ODOO_MCP_PUBLIC_URL and ODOO_MCP_SIGNING_KEY: set both and restart odoo-mcp"}
	}
	if mode == ToolModeClient && o.opts.Runner == nil {
		return "", &Error{Status: http.StatusServiceUnavailable, Code: "client_mode_not_configured", Message: "client-tools mode has no tool runner"}
	}
	o.mode.mode, o.mode.reason = mode, reason
	o.log.Info("Letta tool mode", "mode", mode, "reason", reason)
	return mode, nil
}

// ToolMode decides the tool mode now (auto mode asks Letta) and returns it
// with the reason; serve calls it at start-up so the choice is logged once.
func (o *Orchestrator) ToolMode(ctx context.Context) (string, string, error) {
	m, err := o.toolMode(ctx)
	o.mode.mu.Lock()
	defer o.mode.mu.Unlock()
	return m, o.mode.reason, err
}

func isLettaCloud(base string) bool {
	u, err := url.Parse(base)
	return err == nil && (u.Hostname() == "api.letta.com" || strings.HasSuffix(u.Hostname(), ".letta.com"))
}

// clientTools are the client_tools of a thread: its tools' schemas as MCP
// lists them (Letta passes them to the model as given).
func clientTools(names []string) []letta.ClientTool {
	var out []letta.ClientTool
	for _, t := range tools.Inventory() {
		if !containsStr(names, t.Def.Name) {
			continue
		}
		schema, err := json.Marshal(t.Def.InputSchema)
		if err != nil {
			continue
		}
		out = append(out, letta.ClientTool{Name: t.Def.Name, Description: t.Def.Description, Parameters: schema})
	}
	return out
}

// readOnlyTool reports whether a tool only reads (its MCP annotation).
func readOnlyTool(name string) bool {
	for _, t := range tools.Inventory() {
		if t.Def.Name == name {
			return t.ReadOnly()
		}
	}
	return false
}

// writeTools are the tools that change data ("approve": "writes").
func writeTools() []string {
	var out []string
	for _, t := range tools.Inventory() {
		if !t.ReadOnly() {
			out = append(out, t.Def.Name)
		}
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hasMCPGrant: the agent still holds what MCP mode gave it (a thread token
// in its variables, a token id in its metadata).
func hasMCPGrant(r record) bool {
	_, hasVar := r.agent.EnvVars[TokenVar]
	return hasVar || r.meta.TokenID != ""
}

// dropMCPGrant turns a thread made in MCP mode into a client-mode thread:
// its token leaves Letta (variable and metadata; the token is then refused
// everywhere) and odoo-mcp's MCP tools are detached (client tools would
// override them anyway). Nothing secret stays in Letta.
func (o *Orchestrator) dropMCPGrant(ctx context.Context, r record) (record, error) {
	env := map[string]string{}
	for k, v := range r.agent.EnvVars {
		if k != TokenVar && v != "" {
			env[k] = v
		}
	}
	next := r.meta
	next.TokenID, next.TokenExpires, next.CredFP = "", 0, ""
	upd, err := o.letta.ModifyAgent(ctx, r.agent.ID, letta.ModifyAgentRequest{EnvVars: env, Metadata: metadataWith(r.agent.Metadata, next)})
	if err != nil {
		if letta.IsNotFound(err) {
			return r, ErrThreadNotFound
		}
		return r, lettaFailure("removing the thread's MCP token", err)
	}
	o.markRevoked(r.agent.ID)
	if _, err := o.syncTools(ctx, r.agent.ID, nil, nil); err != nil {
		return r, err
	}
	upd.Pending = r.agent.Pending
	o.log.InfoContext(ctx, "thread moved to client-tools mode: its MCP token and tools were removed from Letta", "thread", r.meta.ThreadID, "agent", r.agent.ID)
	return record{agent: upd, meta: next}, nil
}
