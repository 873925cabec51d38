package fakeletta

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/statuswriter"
)

// Versions the fake can play.
const (
	VersionOld = "0.11.7"
	VersionNew = "0.16.8"
	// Version0166 is NEW but for one thing: a changed block does not reach
	// the compiled prompts of the agents holding it (as 0.12 to 0.16.6).
	Version0166 = "0.16.6"
)

// Options configures a fake Letta server.
type Options struct {
	// Version is the Letta release to imitate: "0.11.7" (OLD), "0.16.8"
	// (NEW, the default) or "0.16.6" (NEW whose block changes leave the
	// holders' compiled prompts stale, see prompt.go). Any version other
	// than 0.11.x behaves as NEW; /v1/health/ reports it as given.
	Version string
	// Validator, when set, checks every routed request before its handler
	// runs (for example against Letta's OpenAPI spec); a failure is answered
	// with Letta's 422 body-validation response.
	Validator RequestValidator
	// APIKey turns on Letta's secure mode: every route but the health check
	// then needs "Authorization: Bearer <APIKey>" (or
	// "X-BARE-PASSWORD: password <APIKey>") and answers 401
	// {"detail":"Unauthorized"} otherwise.
	APIKey string
	// Models and EmbeddingModels are the handles ("provider/model") the
	// server knows; defaults are DefaultModels and DefaultEmbeddingModels.
	Models          []string
	EmbeddingModels []string
	// HTTPClient is used for every MCP connection (nil: http.DefaultClient).
	HTTPClient *http.Client
	// AllowPrivateURLs lifts NEW's private/loopback MCP URL block (0.16.7+).
	// Real Letta 0.16.8 has NO such switch: it refuses loopback, private and
	// cluster-internal MCP URLs at registration and before every connection.
	// Tests that run their MCP server on 127.0.0.1 need this set.
	AllowPrivateURLs bool
	// PingInterval, when positive, makes streams send Letta's keep-alive
	// ping event whenever no event was sent for this long (real Letta: 50 s
	// on OLD, 20 s on NEW). Zero disables idle pings; NEW still sends its
	// initial run ping.
	PingInterval time.Duration
	// Logger receives diagnostics (nil: discard).
	Logger *slog.Logger
}

// Default model handles served by /v1/models/ and /v1/models/embedding.
var (
	DefaultModels          = []string{"openai/gpt-4o-mini", "openai/gpt-4.1", "anthropic/claude-sonnet-4-20250514", "letta/letta-free"}
	DefaultEmbeddingModels = []string{"openai/text-embedding-3-small", "letta/letta-free"}
)

// Server is an in-memory fake Letta server. It is an http.Handler and safe
// for concurrent use. Create it with New.
type Server struct {
	opts    Options
	version string
	isNew   bool
	// rebuildsHolders: a changed block recompiles every holder's prompt
	// (0.16.7+).
	rebuildsHolders bool
	log             *slog.Logger
	routes          []route

	mu         sync.Mutex
	seq        int64
	now        func() time.Time
	agents     map[string]*agentRec
	tools      map[string]*toolRec
	servers    map[string]*mcpServerRec
	blocks     map[string]*blockRec // every block, shared by the agents holding it
	identities map[string]*identityRec
	runs       map[string]*runRec
	steps      map[string]*stepRec
	serverTool map[string][]string // NEW mcp_server id -> tool ids (MCPTools mapping)
	requests   []RequestRecord
	faults     []*Fault
}

// RequestRecord is one request the fake received.
type RequestRecord struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	Status   int // status code of the response (0 if none was written)
}

// New returns a fake Letta server.
func New(opts Options) *Server {
	if opts.Version == "" {
		opts.Version = VersionNew
	}
	if len(opts.Models) == 0 {
		opts.Models = DefaultModels
	}
	if len(opts.EmbeddingModels) == 0 {
		opts.EmbeddingModels = DefaultEmbeddingModels
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		opts:            opts,
		version:         opts.Version,
		isNew:           isNewVersion(opts.Version),
		rebuildsHolders: isNewVersion(opts.Version) && rebuildsHolders(opts.Version),
		log:             log,
		now:             time.Now,
		agents:          map[string]*agentRec{},
		tools:           map[string]*toolRec{},
		servers:         map[string]*mcpServerRec{},
		blocks:          map[string]*blockRec{},
		identities:      map[string]*identityRec{},
		runs:            map[string]*runRec{},
		steps:           map[string]*stepRec{},
		serverTool:      map[string][]string{},
	}
	s.routes = s.buildRoutes()
	s.createBaseTools()
	return s
}

// Version returns the Letta version the fake imitates.
func (s *Server) Version() string { return s.version }

// nextSeq returns a strictly increasing creation sequence number and the
// creation time; callers hold s.mu.
func (s *Server) nextSeq() (int64, time.Time) {
	s.seq++
	return s.seq, s.now().UTC()
}

// ServeHTTP implements http.Handler: secure-mode check, request recording,
// routing (with Letta's trailing-slash redirects), fault injection, optional
// spec validation, then the route's handler. No panic escapes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))

	sw := &statuswriter.Writer{ResponseWriter: w}
	idx := s.record(r, body)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				s.setStatus(idx, sw.Status)
				panic(v)
			}
			s.log.Error("fakeletta: handler panic", "panic", v, "path", r.URL.Path)
			if sw.Status == 0 {
				s.internalError(sw)
			}
		}
		s.setStatus(idx, sw.Status)
	}()

	if !s.authorized(r) {
		writeJSON(sw, http.StatusUnauthorized, map[string]any{"detail": "Unauthorized"})
		return
	}
	rt, params, outcome := s.match(r)
	switch outcome {
	case matchNotFound:
		writeJSON(sw, http.StatusNotFound, map[string]any{"detail": "Not Found"})
		return
	case matchMethodNotAllowed:
		writeJSON(sw, http.StatusMethodNotAllowed, map[string]any{"detail": "Method Not Allowed"})
		return
	case matchRedirect:
		http.Redirect(sw, r, params["location"], http.StatusTemporaryRedirect)
		return
	}

	rc := &reqCtx{s: s, w: sw, r: r, body: body, params: params, route: rt}
	if f := s.takeFault(r, rt); f != nil {
		rc.fault = f
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.Status != 0 {
			s.writeFault(sw, f)
			return
		}
	}
	if s.opts.Validator != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		err := s.opts.Validator.ValidateRequest(r)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			s.validationFailed(sw, issuesFromError(err, body))
			return
		}
	}
	rt.handler(rc)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.APIKey == "" {
		return true
	}
	switch r.URL.Path {
	case "/v1/health", "/v1/health/", "/latest/health/":
		return true
	case "/v1/ready", "/v1/ready/", "/latest/ready", "/latest/ready/":
		if s.isNew {
			return true
		}
	}
	return r.Header.Get("X-BARE-PASSWORD") == "password "+s.opts.APIKey ||
		r.Header.Get("Authorization") == "Bearer "+s.opts.APIKey
}

func (s *Server) record(r *http.Request, body []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, RequestRecord{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     append([]byte(nil), body...),
	})
	return len(s.requests) - 1
}

func (s *Server) setStatus(idx, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idx < len(s.requests) {
		s.requests[idx].Status = status
	}
}

// Requests returns a copy of every request received since the start or the
// last ResetRequests, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RequestRecord, len(s.requests))
	copy(out, s.requests)
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
