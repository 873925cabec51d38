package fakeletta

import (
	"context"
	"slices"
	"strings"
)

// mcpServerRec is one registered MCP server.
type mcpServerRec struct {
	ID            string
	Name          string
	Type          string // "streamable_http", "sse" or "stdio"
	URL           string
	Token         string            // stored without "Bearer " and header name
	CustomHeaders map[string]string // raw, templates unresolved; nil = none
	Command       string            // stdio
	Args          []string
	Env           map[string]string
	seq           int64
}

func (s *Server) serverByName(name string) *mcpServerRec {
	for _, srv := range s.servers {
		if srv.Name == name {
			return srv
		}
	}
	return nil
}

func (s *Server) sortedServers() []*mcpServerRec {
	list := make([]*mcpServerRec, 0, len(s.servers))
	for _, srv := range s.servers {
		list = append(list, srv)
	}
	slices.SortFunc(list, func(a, b *mcpServerRec) int { return int(a.seq - b.seq) })
	return list
}

// resolveToken ports resolve_token: a token is stored only with both
// auth_header and auth_token, when custom_headers do not already carry that
// header; a leading "Bearer " is stripped.
func resolveToken(authHeader, authToken *string, custom map[string]string) string {
	if authHeader == nil || authToken == nil || *authHeader == "" || *authToken == "" {
		return ""
	}
	if _, dup := custom[*authHeader]; len(custom) > 0 && dup {
		return ""
	}
	return strings.TrimPrefix(*authToken, "Bearer ")
}

// legacyConfigJSON is a server's config in the legacy (/v1/tools/mcp/servers)
// shape; with resolve the header templates show their defaults.
func (s *Server) legacyConfigJSON(srv *mcpServerRec, resolve bool) map[string]any {
	if srv.Type == "stdio" {
		var env any
		if srv.Env != nil {
			env = srv.Env
		}
		args := srv.Args
		if args == nil {
			args = []string{}
		}
		return map[string]any{"server_name": srv.Name, "type": "stdio", "command": srv.Command, "args": args, "env": env}
	}
	var authHeader, authToken any
	if srv.Token != "" && len(srv.CustomHeaders) == 0 {
		authHeader = "Authorization"
		token := "Bearer " + srv.Token
		if resolve {
			token = ResolveValue(token, nil)
		}
		authToken = token
	}
	var headers any
	if srv.CustomHeaders != nil {
		if resolve {
			headers = ResolveHeaders(srv.CustomHeaders, nil, s.version)
		} else {
			headers = srv.CustomHeaders
		}
	}
	return map[string]any{
		"server_name": srv.Name, "type": srv.Type, "server_url": srv.URL,
		"auth_header": authHeader, "auth_token": authToken, "custom_headers": headers,
	}
}

// newServerJSON is a server object of NEW's /v1/mcp-servers API.
func newServerJSON(srv *mcpServerRec) map[string]any {
	if srv.Type == "stdio" {
		var env any
		if srv.Env != nil {
			env = srv.Env
		}
		return map[string]any{"mcp_server_type": "stdio", "command": srv.Command, "args": srv.Args, "env": env, "id": srv.ID, "server_name": srv.Name}
	}
	var authHeader, authToken any
	if srv.Token != "" {
		authHeader, authToken = "Authorization", "Bearer "+srv.Token
	}
	var headers any
	if srv.CustomHeaders != nil {
		headers = srv.CustomHeaders
	}
	return map[string]any{
		"mcp_server_type": srv.Type, "server_url": srv.URL, "auth_header": authHeader,
		"auth_token": authToken, "custom_headers": headers, "id": srv.ID, "server_name": srv.Name,
	}
}

// syncResult is the outcome of a resync/refresh.
type syncResult struct {
	Deleted []string `json:"deleted"`
	Updated []string `json:"updated"`
	Added   []string `json:"added"`
}

// syncTools stores the listed tools of a server: on create every
// non-INVALID tool is upserted; on resync tools gone from the server are
// deleted, changed ones updated and new non-INVALID ones added. mapping
// records the server↔tool link (NEW /v1/mcp-servers only).
func (s *Server) syncToolsLocked(srv *mcpServerRec, listed []listedTool, resync, mapping bool) syncResult {
	res := syncResult{Deleted: []string{}, Updated: []string{}, Added: []string{}}
	current := map[string]listedTool{}
	for _, lt := range listed {
		current[lt.Name] = lt
	}
	persisted := map[string]*toolRec{}
	if resync {
		for _, t := range s.tools {
			if t.ToolType == "external_mcp" && t.ServerID == srv.ID {
				persisted[t.Name] = t
			}
		}
		for _, name := range sortedKeys(persisted) {
			if _, ok := current[name]; !ok {
				s.removeToolLocked(persisted[name].ID)
				res.Deleted = append(res.Deleted, name)
			}
		}
	}
	for _, lt := range listed {
		if old, ok := persisted[lt.Name]; ok {
			schema, _, _, _ := toolJSONSchema(lt, s.isNew)
			if !jsonEqual(old.JSONSchema, schema) {
				s.upsertMCPToolLocked(lt, srv.Name, srv.ID)
				res.Updated = append(res.Updated, lt.Name)
			}
			continue
		}
		if lt.HasHealth && lt.Health == Invalid {
			continue
		}
		t, ok := s.upsertMCPToolLocked(lt, srv.Name, srv.ID)
		if !ok {
			continue
		}
		if mapping && !slices.Contains(s.serverTool[srv.ID], t.ID) {
			s.serverTool[srv.ID] = append(s.serverTool[srv.ID], t.ID)
		}
		res.Added = append(res.Added, lt.Name)
	}
	return res
}

// autoSync lists a new server's tools (no env vars) and stores them; errors
// are swallowed, as Letta only logs them.
func (s *Server) autoSync(ctx context.Context, srv *mcpServerRec, mapping bool) {
	listed, err := s.listTools(ctx, s.target(srv, nil, ""))
	if err != nil {
		s.log.Info("fakeletta: auto-sync failed", "server", srv.Name, "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers[srv.ID] == nil {
		return
	}
	s.syncToolsLocked(srv, listed, false, mapping)
}

// deleteServerLocked removes a server; NEW also deletes its tools.
func (s *Server) deleteServerLocked(srv *mcpServerRec) {
	delete(s.servers, srv.ID)
	if s.isNew {
		for _, t := range s.tools {
			if t.ToolType == "external_mcp" && t.ServerID == srv.ID {
				s.removeToolLocked(t.ID)
			}
		}
	}
	delete(s.serverTool, srv.ID)
}

// snapshotServer copies a server record so it can be used without the lock.
func snapshotServer(srv *mcpServerRec) *mcpServerRec {
	c := *srv
	return &c
}
