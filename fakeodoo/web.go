package fakeodoo

import "net/http"

// serveWebJSON serves the JSON routes of the web client a client may probe:
// /web/webclient/version_info and /web/session/authenticate.
func (s *Server) serveWebJSON(w http.ResponseWriter, r *http.Request) {
	s.record(Call{Protocol: "http", Method: r.URL.Path})
	req, ok := s.readRPC(w, r)
	if !ok {
		return
	}
	prefix := func(*rpcError) []frame { return httpFrames(s.major, false) }
	if r.URL.Path == "/web/webclient/version_info" {
		s.writeRPC(w, req.id, s.serverVersion(), nil, prefix)
		return
	}
	if r.URL.Path == "/web/database/list" {
		// web's database manager route (list_db is on in the fake)
		s.writeRPC(w, req.id, []any{s.dbName}, nil, prefix)
		return
	}
	s.mu.Lock()
	res, err := guard(func() (any, error) { return s.sessionAuthenticate(req.params) })
	s.mu.Unlock()
	if err == nil {
		http.SetCookie(w, &http.Cookie{Name: "session_id", Value: generatedKey("session", s.requests.Load()), Path: "/", HttpOnly: true})
	}
	s.writeRPC(w, req.id, res, err, prefix)
}

// sessionAuthenticate is /web/session/authenticate: passwords only, API keys
// are refused in interactive logins.
func (s *Server) sessionAuthenticate(p map[string]any) (any, error) {
	e := s.superEnv()
	db, _ := p["db"].(string)
	if db != s.dbName {
		return nil, newErr(exAccessError, "Database not found.")
	}
	login, _ := p["login"].(string)
	password, _ := p["password"].(string)
	uid, found := e.userByLogin(login)
	a := s.db.accounts[uid]
	if !found || a == nil || !e.userActive(uid) || password == "" || a.password != password {
		err := e.errAccessDenied()
		if s.major < 19 {
			err.frames = []frame{frn(pResUsers, 498, "_check_credentials", "raise AccessDenied()")}
		}
		return nil, err
	}
	users, partners := s.models["res.users"], s.models["res.partner"]
	u := e.row(users, uid)
	pid := e.id(users, u, "partner_id")
	pr := e.row(partners, pid)
	ctx, _ := runContextGet(&call{e: s.userEnv(uid, nil)})
	return obj{
		{"uid", uid}, {"is_system", a.admin}, {"is_admin", a.admin}, {"is_public", false}, {"is_internal_user", true},
		{"user_context", ctx}, {"db", s.dbName},
		{"server_version", s.version}, {"server_version_info", s.versionTuple()},
		{"support_url", "https://www.odoo.com/buy"},
		{"name", e.str(users, u, "name")}, {"username", login},
		{"partner_write_date", e.readValue(partners.field("write_date"), e.get(partners, pr, partners.field("write_date")), "")},
		{"partner_display_name", e.displayName(partners, pr)}, {"partner_id", pid},
		{"web.base.url", "http://localhost:8069"}, {"active_ids_limit", 20000},
		{"max_file_upload_size", 134217728}, {"home_action_id", false},
		{"currencies", obj{{"1", obj{{"name", "USD"}, {"symbol", "$"}, {"position", "before"}, {"digits", []any{69, 2}}}}}},
		{"bundle_params", obj{{"lang", "en_US"}}}, {"test_mode", false},
		{"user_companies", obj{{"current_company", 1}, {"allowed_companies", obj{{"1", obj{{"id", 1}, {"name", "YourCompany"},
			{"sequence", 0}, {"child_ids", []any{}}, {"parent_id", false}, {"currency_id", 1}}}}}, {"disallowed_ancestor_companies", obj{}}}},
	}, nil
}
