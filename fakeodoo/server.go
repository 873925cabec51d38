package fakeodoo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a fake server.
type Options struct {
	// Version is the Odoo series to imitate: "18.0" (default), "19.0" or
	// "20.0". 20.0 is 19.0 with what is certain of Odoo 20 (reference
	// §9.5): no db service. Its other reported changes (the rpc key scope,
	// bin_size ignored, ir.attachment.datas gone) come from secondary
	// sources and are not imitated.
	Version string
	// DB is the name of the only database (default "odoo").
	DB string
}

// Server is a fake Odoo server. It is an http.Handler, safe for concurrent
// use; create it with New.
type Server struct {
	version string
	major   int
	dbName  string
	models  map[string]*model

	mu sync.Mutex // guards db
	db *database

	requests atomic.Int64
	latency  atomic.Int64 // time.Duration

	statsMu sync.Mutex
	calls   []Call
}

// Call records one call served: an RPC call over /jsonrpc, a JSON-2 call, or
// another HTTP route.
type Call struct {
	// Protocol is "jsonrpc", "json2" or "http".
	Protocol string
	// Service is the JSON-RPC service (common, object, db); empty otherwise.
	Service string
	// Model is the model called over object.execute_kw or JSON-2.
	Model string
	// Method is the model method (object service, JSON-2), the service
	// method (common, db) or, for "http", the request path.
	Method string
	// UID is the authenticated user, 0 when the call was not authenticated.
	UID int64
}

// User describes a user added with AddUser.
type User struct {
	Login    string
	Password string
	Name     string
	// Admin grants every right.
	Admin bool
	// Access lists the rights per model of a non-admin user; models not
	// listed are not accessible at all.
	Access map[string]Perms
}

// New returns a fake Odoo server with the seeded demo data.
func New(opts Options) *Server {
	s := &Server{version: "18.0", major: 18, dbName: "odoo"}
	if opts.Version != "" {
		s.version = opts.Version
	}
	switch {
	case strings.HasPrefix(s.version, "19"):
		s.major = 19
	case strings.HasPrefix(s.version, "20"):
		s.major = 20
	case !strings.HasPrefix(s.version, "18"):
		panic(fmt.Sprintf("fakeodoo: unsupported version %q (want 18.0, 19.0 or 20.0)", opts.Version))
	}
	if opts.DB != "" {
		s.dbName = opts.DB
	}
	s.models = schema(s.major)
	s.db = newDatabase(s.models)
	s.seed()
	return s
}

// Version returns the imitated server version, "18.0" or "19.0".
func (s *Server) Version() string { return s.version }

// DB returns the database name.
func (s *Server) DB() string { return s.dbName }

// SetLatency delays every response by d (0 disables the delay).
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Requests returns the number of HTTP requests served.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls returns the calls served, oldest first.
func (s *Server) Calls() []Call {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ResetCounters clears Requests and Calls.
func (s *Server) ResetCounters() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.requests.Store(0)
	s.calls = nil
}

func (s *Server) record(c Call) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.calls = append(s.calls, c)
}

// AddUser creates a user (and its partner) and returns its uid and a new
// API key. It panics if the login is empty or already taken.
func (s *Server) AddUser(u User) (uid int64, apiKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := s.db.clone()
	e := s.superEnv()
	vals := map[string]any{"login": u.Login, "name": u.Name}
	if u.Name == "" {
		vals["name"] = u.Login
	}
	id, err := e.create(s.models["res.users"], vals)
	if err != nil {
		s.db = saved
		panic("fakeodoo: AddUser: " + err.Error())
	}
	a := s.db.accounts[id]
	a.password, a.admin, a.access = u.Password, u.Admin, map[string]Perms{}
	for k, p := range u.Access {
		a.access[k] = p
	}
	key := generatedKey(u.Login, id)
	s.db.keys[key] = id
	return id, key
}

// AddAPIKey gives user uid one more API key (any non-empty string; Odoo's
// are 40 hex digits), e.g. to replay recorded traffic.
func (s *Server) AddAPIKey(uid int64, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == "" {
		return errors.New("fakeodoo: empty API key")
	}
	if s.db.accounts[uid] == nil {
		return fmt.Errorf("fakeodoo: no user %d", uid)
	}
	if owner, ok := s.db.keys[key]; ok && owner != uid {
		return fmt.Errorf("fakeodoo: key already belongs to user %d", owner)
	}
	s.db.keys[key] = uid
	return nil
}

// RevokeKey deletes an API key; later requests using it are refused.
func (s *Server) RevokeKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.db.keys, key)
}

// superEnv is an environment for internal use, with every right.
func (s *Server) superEnv() *env {
	return &env{s: s, db: s.db, models: s.models, major: s.major, uid: 1, su: true, ctx: map[string]any{}, now: time.Now()}
}

// userEnv is the environment of an authenticated user.
func (s *Server) userEnv(uid int64, ctx map[string]any) *env {
	if ctx == nil {
		ctx = map[string]any{}
	}
	return &env{s: s, db: s.db, models: s.models, major: s.major, uid: uid, acct: s.db.accounts[uid], ctx: ctx, now: time.Now()}
}

// ServeHTTP routes a request as an Odoo server of the configured version.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if d := time.Duration(s.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	defer func() {
		if v := recover(); v != nil {
			writeHTML(w, http.StatusInternalServerError, internalErrorPage)
		}
	}()
	path := r.URL.Path
	switch {
	case path == "/jsonrpc":
		s.serveJSONRPC(w, r)
	case path == "/web/webclient/version_info" || path == "/web/session/authenticate" || path == "/web/database/list":
		s.serveWebJSON(w, r)
	case path == "/web/version":
		s.record(Call{Protocol: "http", Method: path})
		if s.major < 19 || r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeHTML(w, http.StatusNotFound, notFoundPage)
			return
		}
		writeJSON(w, http.StatusOK, s.versionInfo())
	case path == "/json/2" || strings.HasPrefix(path, "/json/2/"):
		if s.major < 19 {
			s.record(Call{Protocol: "http", Method: path})
			s.redirectToLogin(w, r)
			return
		}
		s.serveJSON2(w, r)
	case strings.HasPrefix(path, "/doc-bearer/"):
		s.serveAPIDoc(w, r)
	case path == "/json/version" && s.major >= 19:
		s.record(Call{Protocol: "http", Method: path})
		writeJSON(w, http.StatusOK, s.versionInfo())
	case strings.HasPrefix(path, "/json/"):
		// web's '/json/<path:subpath>' route needs a session
		s.record(Call{Protocol: "http", Method: path})
		s.redirectToLogin(w, r)
	default:
		s.record(Call{Protocol: "http", Method: path})
		writeHTML(w, http.StatusNotFound, notFoundPage)
	}
}

func (s *Server) versionInfo() obj {
	return obj{{"version_info", s.versionTuple()}, {"version", s.version}}
}

func (s *Server) versionTuple() []any {
	return []any{s.major, 0, 0, "final", 0, ""}
}

// serverVersion is the result of common.version.
func (s *Server) serverVersion() obj {
	return obj{
		{"server_version", s.version},
		{"server_version_info", s.versionTuple()},
		{"server_serie", s.version},
		{"protocol_version", 1},
	}
}
