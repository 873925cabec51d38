package fakellm

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/statuswriter"
)

// Options configure a Server.
type Options struct {
	// Models are the ids GET /v1/models lists (default: DefaultModel).
	Models []string
	// ContextLength is each model's context_length (default 128000).
	ContextLength int
	// EmbeddingDim is the vector size for models of unknown size when the
	// request names no "dimensions" (default 1536).
	EmbeddingDim int
	// ChunkSize is how many bytes of text or arguments one stream chunk
	// carries (default 8), so clients must join fragments.
	ChunkSize int
	// Logger receives the loud line for an unknown route (default slog.Default).
	Logger *slog.Logger
}

// DefaultModel is the model id listed when Options.Models is empty. Not an
// o-series or gpt-5 name, so Letta uses the chat completions API.
const DefaultModel = "gpt-4o-mini"

// Request is one recorded HTTP request.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Status is what the fake answered.
	Status int
}

// Server is the fake model server; an http.Handler, safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	scripts  []script
	requests []Request
	unknown  []string
	seq      int
}

// New returns a Server with no scripts.
func New(opts Options) *Server {
	if len(opts.Models) == 0 {
		opts.Models = []string{DefaultModel}
	}
	if opts.ContextLength <= 0 {
		opts.ContextLength = 128000
	}
	if opts.EmbeddingDim <= 0 {
		opts.EmbeddingDim = 1536
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{opts: opts}
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Unknown returns "METHOD /path" of every request to a route the fake does not serve.
func (s *Server) Unknown() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unknown...)
}

// ChatRequests returns the decoded bodies of every chat completion request,
// in arrival order.
func (s *Server) ChatRequests() []ChatRequest {
	var out []ChatRequest
	for _, r := range s.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/chat/completions" {
			var c ChatRequest
			if json.Unmarshal(r.Body, &c) == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func (s *Server) nextID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s%06d", prefix, s.seq)
}

// ServeHTTP routes a request and records it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "reading the body: "+err.Error(), "", "")
		return
	}
	rec := &statuswriter.Writer{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			// A script or encoder bug must not kill the client's connection silently.
			s.opts.Logger.Error("fakellm: handler panic", "panic", fmt.Sprint(p), "path", r.URL.Path)
			if rec.Status == 0 {
				writeError(rec, http.StatusInternalServerError, "server_error", fmt.Sprint(p), "", "")
			}
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Status: rec.Status})
		s.mu.Unlock()
	}()
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/v1/models" && r.Method == http.MethodGet:
		s.listModels(rec)
	case strings.HasPrefix(path, "/v1/models/") && r.Method == http.MethodGet:
		s.getModel(rec, strings.TrimPrefix(path, "/v1/models/"))
	case path == "/v1/chat/completions" && r.Method == http.MethodPost:
		s.chat(rec, body)
	case path == "/v1/embeddings" && r.Method == http.MethodPost:
		s.embeddings(rec, body)
	default:
		s.mu.Lock()
		s.unknown = append(s.unknown, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		s.opts.Logger.Error("fakellm: UNKNOWN ROUTE: the fake model server does not serve this; add it if the client really needs it",
			"method", r.Method, "path", r.URL.Path, "body", truncate(string(body), 500))
		writeError(rec, http.StatusNotFound, "invalid_request_error",
			fmt.Sprintf("Unknown request URL: %s %s. fakellm serves /v1/models, /v1/chat/completions and /v1/embeddings.", r.Method, r.URL.Path), "", "unknown_url")
	}
}

func (s *Server) listModels(w http.ResponseWriter) {
	data := make([]map[string]any, 0, len(s.opts.Models))
	for _, m := range s.opts.Models {
		data = append(data, s.model(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (s *Server) model(id string) map[string]any {
	return map[string]any{"id": id, "object": "model", "created": 1700000000, "owned_by": "fakellm", "context_length": s.opts.ContextLength}
}

func (s *Server) getModel(w http.ResponseWriter, id string) {
	for _, m := range s.opts.Models {
		if m == id {
			writeJSON(w, http.StatusOK, s.model(m))
			return
		}
	}
	writeError(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("The model '%s' does not exist", id), "model", "model_not_found")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"message":"encoding the answer failed","type":"server_error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeError answers in OpenAI's error shape.
func writeError(w http.ResponseWriter, status int, typ, msg, param, code string) {
	e := map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}
	if param != "" {
		e["param"] = param
	}
	if code != "" {
		e["code"] = code
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func now() int64 { return time.Now().Unix() }
