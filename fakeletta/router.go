package fakeletta

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/statuswriter"
)

// route is one FastAPI route of Letta.
type route struct {
	method  string
	pattern string // e.g. "/v1/agents/{agent_id}/tools"
	handler func(*reqCtx)
	oldOnly bool
	newOnly bool
}

// reqCtx carries one request through its handler.
type reqCtx struct {
	s      *Server
	w      *statuswriter.Writer
	r      *http.Request
	body   []byte
	params map[string]string
	route  *route
	fault  *Fault
}

type matchOutcome int

const (
	matchFound matchOutcome = iota
	matchNotFound
	matchMethodNotAllowed
	matchRedirect
)

// buildRoutes lists the routes of the imitated version, in Letta's order.
func (s *Server) buildRoutes() []route {
	all := []route{
		{method: "GET", pattern: "/v1/health/", handler: (*reqCtx).health},
		{method: "GET", pattern: "/v1/models/", handler: (*reqCtx).listModels},
		{method: "GET", pattern: "/v1/models/embedding", handler: (*reqCtx).listEmbeddingModels},

		{method: "GET", pattern: "/v1/tools/", handler: (*reqCtx).listTools},
		{method: "GET", pattern: "/v1/tools/{tool_id}", handler: (*reqCtx).getTool},
		{method: "DELETE", pattern: "/v1/tools/{tool_id}", handler: (*reqCtx).deleteTool},

		{method: "GET", pattern: "/v1/tools/mcp/servers", handler: (*reqCtx).legacyListServers},
		{method: "GET", pattern: "/v1/tools/mcp/servers/{mcp_server_name}/tools", handler: (*reqCtx).legacyListServerTools},
		{method: "POST", pattern: "/v1/tools/mcp/servers/{mcp_server_name}/resync", handler: (*reqCtx).legacyResync, newOnly: true},
		{method: "POST", pattern: "/v1/tools/mcp/servers/{mcp_server_name}/{mcp_tool_name}", handler: (*reqCtx).legacyAddTool},
		{method: "PUT", pattern: "/v1/tools/mcp/servers", handler: (*reqCtx).legacyRegister},
		{method: "PATCH", pattern: "/v1/tools/mcp/servers/{mcp_server_name}", handler: (*reqCtx).legacyUpdate},
		{method: "DELETE", pattern: "/v1/tools/mcp/servers/{mcp_server_name}", handler: (*reqCtx).legacyDelete},

		{method: "GET", pattern: "/v1/agents/", handler: (*reqCtx).listAgents},
		{method: "POST", pattern: "/v1/agents/", handler: (*reqCtx).createAgent},
		{method: "PATCH", pattern: "/v1/agents/{agent_id}", handler: (*reqCtx).modifyAgent},
		{method: "GET", pattern: "/v1/agents/{agent_id}/tools", handler: (*reqCtx).listAgentTools},
		{method: "PATCH", pattern: "/v1/agents/{agent_id}/tools/attach/{tool_id}", handler: (*reqCtx).attachTool},
		{method: "PATCH", pattern: "/v1/agents/{agent_id}/tools/detach/{tool_id}", handler: (*reqCtx).detachTool},
		{method: "PATCH", pattern: "/v1/agents/{agent_id}/tools/approval/{tool_name}", handler: (*reqCtx).modifyApproval, newOnly: true},
		{method: "GET", pattern: "/v1/agents/{agent_id}", handler: (*reqCtx).getAgent},
		{method: "DELETE", pattern: "/v1/agents/{agent_id}", handler: (*reqCtx).deleteAgent},
		{method: "GET", pattern: "/v1/agents/{agent_id}/messages", handler: (*reqCtx).listMessages},
		{method: "POST", pattern: "/v1/agents/{agent_id}/messages", handler: (*reqCtx).sendMessage},
		{method: "POST", pattern: "/v1/agents/{agent_id}/messages/stream", handler: (*reqCtx).sendMessageStream},

		{method: "PATCH", pattern: "/v1/agents/{agent_id}/core-memory/blocks/attach/{block_id}", handler: (*reqCtx).attachBlock},
		{method: "PATCH", pattern: "/v1/agents/{agent_id}/core-memory/blocks/detach/{block_id}", handler: (*reqCtx).detachBlock},
		{method: "GET", pattern: "/v1/agents/{agent_id}/context", handler: (*reqCtx).contextWindow},
		{method: "POST", pattern: "/v1/agents/{agent_id}/recompile", handler: (*reqCtx).recompileAgent, newOnly: true},
		{method: "GET", pattern: "/v1/runs/", handler: (*reqCtx).listRuns},
		{method: "GET", pattern: "/v1/runs/{run_id}/steps", handler: (*reqCtx).listRunSteps},
		{method: "GET", pattern: "/v1/steps/", handler: (*reqCtx).listSteps},
		{method: "GET", pattern: "/v1/steps/{step_id}", handler: (*reqCtx).getStep},
		{method: "PATCH", pattern: "/v1/steps/{step_id}/feedback", handler: (*reqCtx).stepFeedback},
		{method: "GET", pattern: "/v1/blocks/", handler: (*reqCtx).listBlocks},
		{method: "POST", pattern: "/v1/blocks/", handler: (*reqCtx).createBlock},
		{method: "GET", pattern: "/v1/blocks/{block_id}", handler: (*reqCtx).getBlock},
		{method: "PATCH", pattern: "/v1/blocks/{block_id}", handler: (*reqCtx).modifyBlock},
		{method: "DELETE", pattern: "/v1/blocks/{block_id}", handler: (*reqCtx).deleteBlock},
		{method: "GET", pattern: "/v1/blocks/{block_id}/agents", handler: (*reqCtx).listBlockAgents},
		{method: "GET", pattern: "/v1/identities/", handler: (*reqCtx).listIdentities},
		{method: "POST", pattern: "/v1/identities/", handler: (*reqCtx).createIdentity},
		{method: "PUT", pattern: "/v1/identities/", handler: (*reqCtx).upsertIdentity},
		{method: "GET", pattern: "/v1/identities/{identity_id}", handler: (*reqCtx).getIdentity},
		{method: "PATCH", pattern: "/v1/identities/{identity_id}", handler: (*reqCtx).modifyIdentity},
		{method: "DELETE", pattern: "/v1/identities/{identity_id}", handler: (*reqCtx).deleteIdentity},

		{method: "GET", pattern: "/v1/mcp-servers/", handler: (*reqCtx).listServers, newOnly: true},
		{method: "POST", pattern: "/v1/mcp-servers/", handler: (*reqCtx).createServer, newOnly: true},
		{method: "DELETE", pattern: "/v1/mcp-servers/{mcp_server_id}", handler: (*reqCtx).deleteServer, newOnly: true},
		{method: "GET", pattern: "/v1/mcp-servers/{mcp_server_id}", handler: (*reqCtx).getServer, newOnly: true},
		{method: "PATCH", pattern: "/v1/mcp-servers/{mcp_server_id}", handler: (*reqCtx).updateServer, newOnly: true},
		{method: "GET", pattern: "/v1/mcp-servers/{mcp_server_id}/tools", handler: (*reqCtx).listServerTools, newOnly: true},
		{method: "GET", pattern: "/v1/mcp-servers/{mcp_server_id}/tools/{tool_id}", handler: (*reqCtx).getServerTool, newOnly: true},
		{method: "POST", pattern: "/v1/mcp-servers/{mcp_server_id}/tools/{tool_id}/run", handler: (*reqCtx).runServerTool, newOnly: true},
		{method: "PATCH", pattern: "/v1/mcp-servers/{mcp_server_id}/refresh", handler: (*reqCtx).refreshServer, newOnly: true},
	}
	var out []route
	for _, rt := range all {
		if (rt.oldOnly && s.isNew) || (rt.newOnly && !s.isNew) {
			continue
		}
		out = append(out, rt)
	}
	return out
}

// match finds the route as Starlette does: the first route matching path
// and method; else, if the path matched with another method, 405; else, if
// the path with its trailing slash toggled matches any route, a 307 redirect
// (the location is returned in params["location"]); else 404.
func (s *Server) match(r *http.Request) (*route, map[string]string, matchOutcome) {
	path := r.URL.Path
	pathMatched := false
	for i := range s.routes {
		rt := &s.routes[i]
		params, ok := matchPattern(rt.pattern, path)
		if !ok {
			continue
		}
		if rt.method == r.Method {
			return rt, params, matchFound
		}
		pathMatched = true
	}
	if pathMatched {
		return nil, nil, matchMethodNotAllowed
	}
	if path != "/" {
		alt := path + "/"
		if strings.HasSuffix(path, "/") {
			alt = strings.TrimSuffix(path, "/")
		}
		for i := range s.routes {
			if _, ok := matchPattern(s.routes[i].pattern, alt); ok {
				u := url.URL{Scheme: "http", Host: r.Host, Path: alt, RawQuery: r.URL.RawQuery}
				if r.TLS != nil {
					u.Scheme = "https"
				}
				return nil, map[string]string{"location": u.String()}, matchRedirect
			}
		}
	}
	return nil, nil, matchNotFound
}

// matchPattern matches a path against a route pattern whose {name} segments
// match one non-empty path segment.
func matchPattern(pattern, path string) (map[string]string, bool) {
	ps := strings.Split(pattern, "/")
	xs := strings.Split(path, "/")
	if len(ps) != len(xs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = xs[i]
			continue
		}
		if p != xs[i] {
			return nil, false
		}
	}
	return params, true
}

func (c *reqCtx) health() {
	writeJSON(c.w, http.StatusOK, map[string]any{"version": c.s.version, "status": "ok"})
}
