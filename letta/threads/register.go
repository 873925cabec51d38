package threads

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/letta"
)

// registration is what Letta knows of odoo-mcp after EnsureMCPServer.
type registration struct {
	serverID string
	tools    map[string]string // tool name → Letta tool id
	missing  []string          // expected tools Letta does not have
	skipped  []letta.SkippedTool
	version  letta.Version
	at       time.Time
}

// registrar holds the current registration. One attempt runs at a time
// (sem); requests that need it wait for that attempt rather than start
// their own.
type registrar struct {
	sem chan struct{}

	mu        sync.Mutex
	cur       *registration
	permanent *Error // a configuration problem no retry can fix
	warned    bool   // the resolved-address warning was logged
}

func (r *registrar) hadOne() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur != nil
}

func (r *registrar) current() (*registration, *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur, r.permanent
}

// Register makes sure Letta knows odoo-mcp (one attempt): one
// streamable-HTTP MCP server named Options.ServerName at the public URL's
// /mcp, whose Authorization header is the template
// "Bearer {{ ODOO_MCP_TOKEN | <listing token> }}", with every tool synced.
// It is idempotent (found by name, rewritten only when it differs).
func (o *Orchestrator) Register(ctx context.Context) error {
	_, err := o.register(ctx, time.Time{})
	return err
}

// RunRegistration registers in the background until ctx ends: it retries
// with exponential back-off (Options.RetryMin to RetryMax, with jitter)
// while Letta is unreachable or failing, then makes sure again every
// Options.Recheck that Letta still holds the registration (repairing it if
// it was deleted or edited there). It stops early on a configuration
// problem no retry can fix (logged as an error with the fix). odoo-mcp
// serves /mcp meanwhile; thread requests try once more themselves.
func (o *Orchestrator) RunRegistration(ctx context.Context) {
	// Client-tools mode registers nothing: Letta never calls odoo-mcp.
	for delay := o.opts.RetryMin; ; delay = min(delay*2, o.opts.RetryMax) {
		mode, err := o.toolMode(ctx)
		if err == nil && mode == ToolModeClient {
			return
		}
		if err == nil {
			break
		}
		var te *Error
		if errors.As(err, &te) && te.Code == "mcp_mode_not_configured" {
			o.log.Error("cannot serve threads on this Letta", "error", te.Message)
			return
		}
		o.log.Warn("cannot reach Letta to choose the tool mode yet; will retry", "letta", o.letta.BaseURL(), "error", redact(err.Error()))
		t := time.NewTimer(jitter(delay))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if !o.retryUntilRegistered(ctx, time.Time{}) || o.opts.Recheck < 0 {
		return
	}
	for {
		t := time.NewTimer(jitter(o.opts.Recheck))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !o.retryUntilRegistered(ctx, o.now()) {
			return
		}
	}
}

// retryUntilRegistered registers (anew when notBefore is set), retrying
// with back-off; false when ctx ended or the problem is permanent.
func (o *Orchestrator) retryUntilRegistered(ctx context.Context, notBefore time.Time) bool {
	delay := o.opts.RetryMin
	for attempt := 1; ; attempt++ {
		_, err := o.register(ctx, notBefore)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if _, perm := o.reg.current(); perm != nil {
			return false // logged by register
		}
		wait := jitter(delay)
		o.log.Warn("cannot register with Letta yet; will retry", "letta", o.letta.BaseURL(),
			"attempt", attempt, "retry_in", wait.Round(time.Millisecond), "error", redact(err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(delay*2, o.opts.RetryMax)
	}
}

// jitter spreads retries of many replicas: d ± 20 %.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// registered returns the registration, registering now if there is none.
func (o *Orchestrator) registered(ctx context.Context) (*registration, error) {
	if cur, perm := o.reg.current(); perm != nil {
		return nil, perm
	} else if cur != nil {
		return cur, nil
	}
	return o.register(ctx, time.Time{})
}

// register runs one attempt unless a registration newer than notBefore
// exists (zero: any registration will do).
func (o *Orchestrator) register(ctx context.Context, notBefore time.Time) (*registration, error) {
	select {
	case o.reg.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, lettaFailure("registering odoo-mcp with Letta", ctx.Err())
	}
	defer func() { <-o.reg.sem }()
	if cur, perm := o.reg.current(); perm != nil {
		return nil, perm
	} else if cur != nil && cur.at.After(notBefore) {
		return cur, nil // done by whoever held the slot before us
	}

	reg, err := o.attemptRegistration(ctx)
	if err != nil {
		return nil, err
	}
	o.reg.mu.Lock()
	o.reg.cur = reg
	o.reg.mu.Unlock()
	return reg, nil
}

func (o *Orchestrator) attemptRegistration(ctx context.Context) (*registration, error) {
	v, err := o.letta.DetectVersion(ctx)
	if err != nil {
		return nil, lettaFailure("registering odoo-mcp with Letta", err)
	}
	if v.BlocksPrivateMCPURLs() {
		o.warnResolvedPrivate(ctx, v)
	}
	srv, err := o.letta.EnsureMCPServer(ctx, letta.MCPServerConfig{
		Name:          o.opts.ServerName,
		URL:           o.mcpURL,
		Headers:       map[string]string{"Authorization": "Bearer {{ " + TokenVar + " | " + o.tokens.ListingToken() + " }}"},
		ExpectedTools: o.opts.Tools,
	})
	if errors.Is(err, letta.ErrPrivateMCPURL) {
		perm := &Error{Status: http.StatusServiceUnavailable, Code: "letta_refuses_mcp_url", Err: err,
			Message: fmt.Sprintf("Letta %s refuses odoo-mcp's MCP URL %s: %s. Fix: %s", v, o.mcpURL, reasonOf(err), privateURLFix)}
		o.reg.mu.Lock()
		o.reg.permanent = perm
		o.reg.mu.Unlock()
		o.log.Error("Letta will not accept odoo-mcp's MCP URL; threads are disabled until this is fixed and odoo-mcp restarted",
			"letta", o.letta.BaseURL(), "letta_version", v.String(), "mcp_url", o.mcpURL, "reason", reasonOf(err), "fix", privateURLFix)
		return nil, perm
	}
	if err != nil {
		return nil, lettaFailure("registering odoo-mcp with Letta", err)
	}
	reg := &registration{serverID: srv.ID, tools: map[string]string{}, missing: srv.Missing, skipped: srv.Skipped, version: v, at: o.now()}
	for _, t := range srv.Tools {
		if slices.Contains(o.opts.Tools, t.Name) {
			reg.tools[t.Name] = t.ID
		}
	}
	level := slog.LevelInfo
	if o.reg.hadOne() && !srv.Created && !srv.Updated {
		level = slog.LevelDebug // a re-check that found everything in place
	}
	o.log.Log(ctx, level, "registered with Letta", "letta", o.letta.BaseURL(), "letta_version", v.String(),
		"mcp_server", o.opts.ServerName, "mcp_url", o.mcpURL, "created", srv.Created, "updated", srv.Updated,
		"tools", len(reg.tools))
	if len(reg.missing) > 0 {
		o.log.Warn("Letta lacks some odoo-mcp tools; threads cannot use them until a later sync succeeds",
			"missing", reg.missing, "skipped", skippedText(reg.skipped))
	}
	return reg, nil
}

const privateURLFix = "Letta 0.16.7 and later connect only to MCP servers on public addresses. " +
	"Set ODOO_MCP_PUBLIC_URL (--public-url) to a public host name Letta can reach, for example through a reverse proxy " +
	"or a tunnel, or run Letta 0.16.6 or older on a private network."

func reasonOf(err error) string {
	msg := err.Error()
	if i := len(letta.ErrPrivateMCPURL.Error()); len(msg) > i && msg[:i] == letta.ErrPrivateMCPURL.Error() {
		msg = msg[i:]
	}
	for len(msg) > 0 && (msg[0] == ' ' || msg[0] == ':') {
		msg = msg[1:]
	}
	return msg
}

func skippedText(sk []letta.SkippedTool) []string {
	out := make([]string, 0, len(sk))
	for _, s := range sk {
		out = append(out, s.Name+": "+s.Reason)
	}
	return out
}

// warnResolvedPrivate warns (once) when the public URL's host name resolves,
// from here, to an address Letta ≥0.16.7 refuses: Letta usually resolves it
// the same way (a Docker network name, say) and then fails every tool call.
func (o *Orchestrator) warnResolvedPrivate(ctx context.Context, v letta.Version) {
	o.reg.mu.Lock()
	done := o.reg.warned
	o.reg.warned = true
	o.reg.mu.Unlock()
	if done {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	reason, err := letta.MCPURLBlockReasonResolved(ctx, o.mcpURL, nil)
	switch {
	case err != nil:
		o.log.Debug("could not resolve the public URL's host to check it against Letta's private-address block", "mcp_url", o.mcpURL, "error", err.Error())
	case reason != "":
		o.log.Warn("Letta will probably refuse to connect to odoo-mcp", "letta_version", v.String(), "mcp_url", o.mcpURL,
			"reason", reason, "fix", privateURLFix)
	}
}

// toolIDs maps tool names to Letta tool ids. A name Letta lacks triggers one
// fresh registration (Letta's sync can drop tools, and a server re-created
// behind our back has new ids); still missing, it is an error naming Letta.
func (o *Orchestrator) toolIDs(ctx context.Context, names []string, forceFresh bool) (map[string]string, error) {
	start := o.now()
	reg, err := o.registered(ctx)
	if err != nil {
		return nil, err
	}
	lacks := func(r *registration) []string {
		var out []string
		for _, n := range names {
			if r.tools[n] == "" {
				out = append(out, n)
			}
		}
		return out
	}
	if forceFresh || len(lacks(reg)) > 0 {
		if reg, err = o.register(ctx, start); err != nil {
			return nil, err
		}
	}
	if missing := lacks(reg); len(missing) > 0 {
		return nil, &Error{Status: http.StatusBadGateway, Code: "letta_missing_tools",
			Message: fmt.Sprintf("Letta has no tool %v from odoo-mcp's MCP server %q (its sync skipped or dropped them: %v)",
				missing, o.opts.ServerName, skippedText(reg.skipped))}
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = reg.tools[n]
	}
	return out, nil
}

// ourTool reports whether a Letta tool comes from odoo-mcp's MCP server.
func (o *Orchestrator) ourTool(t letta.Tool) bool {
	return t.MCPServerName() == o.opts.ServerName
}
