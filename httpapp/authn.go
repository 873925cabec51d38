package httpapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/httperr"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

// Authenticator resolves an Authorization header to an Odoo identity.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (*auth.Identity, error)
}

// edge checks credentials where requests come in: the caller is resolved
// once, here, and handed down in the request's context (auth.WithIdentity);
// every failure is answered from the one table in errors.go.
type edge struct {
	auth           Authenticator
	mcpAuth        Authenticator // /mcp's: auth, plus OAuth access tokens for /mcp
	apiAuth        Authenticator // the thread API's: auth, plus OAuth access tokens for /api/v1
	rate           *limits.Rate
	publicToolList bool
	maxBody        int64
	// resourceMetadata and apiResourceMetadata (OAuth on) go in /mcp's and
	// the thread API's Bearer challenges.
	resourceMetadata    string
	apiResourceMetadata string
	readOnlyRefuses     func(tool string) bool
	app                 *app
}

// mcp guards /mcp. Any credential odoo-mcp takes is good: an Odoo key, or a
// thread token (whose agent is then the one rate-limited). With the public
// tool list on, a request without a valid credential may still initialize
// and list the tools, as "anonymous" of its address.
func (e *edge) mcp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A batch costs one request per message: refused above MaxBatch,
		// and counted whole by the rate limit.
		n, ok := e.batchSize(w, r)
		if !ok {
			return
		}
		id, err := e.mcpAuth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if e.publicToolList && !errors.Is(err, auth.ErrUnavailable) && e.onlyListing(w, r) {
				if e.limited(w, "anonymous:"+clientIP(r), n) {
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			a := authFailure(err)
			if a.Status == http.StatusUnauthorized {
				a.Challenges = bearerChallenges(r, e.resourceMetadata)
			}
			e.refuse(w, r, a)
			return
		}
		if e.limited(w, id.LimitKey(), n) {
			return
		}
		if id.ReadOnly && e.callsWritingTool(w, r) {
			// An OAuth grant without odoo.write: 403 with the scope to ask
			// for, so the client can step up (RFC 6750 section 3.1).
			a := errInsufficientScope
			a.Challenges = []string{`Bearer error="insufficient_scope", scope="odoo.read odoo.write"` + metadataParam(e.resourceMetadata) + `, error_description="this grant may only read"`}
			e.refuse(w, r, a)
			return
		}
		if id.Thread != nil {
			if agent := r.Header.Get("X-Agent-Id"); agent != "" && agent != id.Thread.AgentID {
				e.refuse(w, r, errAgentMismatch)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), id)))
	})
}

// user guards the thread API: only a user's own Odoo credentials, or
// (OAuth on) an OAuth access token issued for the thread API. A thread
// token is refused without being checked: it is the agent's credential for
// /mcp, and an agent must not manage threads.
func (e *edge) user(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if cred, err := auth.ParseAuthorization(header); err == nil && cred.Scheme == auth.SchemeBearer &&
			auth.LooksLikeToken(cred.Secret) && !auth.LooksLikeOAuthAccessToken(cred.Secret) {
			e.refuse(w, r, errThreadTokenOnAPI)
			return
		}
		id, err := e.apiAuth.Authenticate(r.Context(), header)
		if err != nil {
			a := authFailure(err)
			if a.Status == http.StatusUnauthorized {
				a.Challenges = bearerChallenges(r, e.apiResourceMetadata)
			}
			e.refuse(w, r, a)
			return
		}
		if id.Thread != nil {
			e.refuse(w, r, errNotUserCredential)
			return
		}
		if e.limited(w, id.LimitKey(), 1) {
			return
		}
		if id.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			// An OAuth grant without odoo.write reads the thread API and
			// changes nothing: sending a message runs an agent whose
			// tools (and thread token) are the thread's, not the grant's,
			// so "only threads with read-only tools" would need the scope
			// carried into every thread token; refusing is the simple
			// safe rule.
			a := errAPIReadOnly
			a.Challenges = []string{`Bearer error="insufficient_scope", scope="odoo.read odoo.write"` + metadataParam(e.apiResourceMetadata) + `, error_description="this grant may only read"`}
			e.refuse(w, r, a)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), id)))
	})
}

// refuse answers a, and logs it when the fault is on odoo-mcp's side.
func (e *edge) refuse(w http.ResponseWriter, r *http.Request, a answer) {
	if a.Status >= 500 {
		e.app.log.WarnContext(r.Context(), "credential check failed", "method", r.Method, "path", r.URL.Path, "status", a.Status, "code", a.Code)
	}
	httperr.Write(w, a)
}

// limited answers 429 with Retry-After when key has not n requests left.
func (e *edge) limited(w http.ResponseWriter, key string, n int) bool {
	ok, after := e.rate.AllowN(key, n)
	if ok {
		return false
	}
	a := errRateLimited
	a.RetryAfter = limits.RetryAfterSeconds(after)
	httperr.Write(w, a)
	return true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// listingMethods are what an unauthenticated caller may do when the public
// tool list is on: enough to initialize and list, nothing that runs a tool.
var listingMethods = map[string]bool{
	"initialize": true, "notifications/initialized": true, "tools/list": true, "ping": true,
	"server/discover": true, // 2026-07-28's initialize
}

// rpcMessage is the part of a JSON-RPC message the edge reads.
type rpcMessage struct {
	Method string `json:"method"`
	Params struct {
		Name string `json:"name"`
	} `json:"params"`
}

// peekMessages reads the (bounded) body and decodes the JSON-RPC
// message(s) in it; the body is restored for the SDK. ok is false when the
// body cannot be read or decoded.
func (e *edge) peekMessages(w http.ResponseWriter, r *http.Request) (msgs []rpcMessage, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.maxBody))
	r.Body.Close()
	if err != nil {
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if json.Unmarshal(trimmed, &msgs) != nil {
			return nil, false
		}
		return msgs, true
	}
	var one rpcMessage
	if json.Unmarshal(trimmed, &one) != nil {
		return nil, false
	}
	return append(msgs, one), true
}

// onlyListing reports whether every JSON-RPC message in the body is a
// listing method. GET and DELETE carry no tool calls and pass too.
func (e *edge) onlyListing(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return r.Method == http.MethodDelete
	}
	msgs, ok := e.peekMessages(w, r)
	if !ok {
		return false
	}
	for _, m := range msgs {
		if !listingMethods[m.Method] {
			return false
		}
	}
	return len(msgs) > 0
}

// callsWritingTool reports whether a POST calls a tool a read-only caller
// may not use. An unreadable body is left to the SDK to refuse; the tool
// handler refuses writing tools to a read-only caller too.
func (e *edge) callsWritingTool(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || e.readOnlyRefuses == nil {
		return false
	}
	msgs, _ := e.peekMessages(w, r)
	for _, m := range msgs {
		if m.Method == "tools/call" && e.readOnlyRefuses(m.Params.Name) {
			return true
		}
	}
	return false
}

// metadataParam is the resource_metadata parameter of a Bearer challenge
// (RFC 9728), when OAuth is on.
func metadataParam(url string) string {
	if url == "" {
		return ""
	}
	return `, resource_metadata="` + url + `"`
}

// bearerChallenges are the WWW-Authenticate values of a 401 from /mcp or
// the thread API: with OAuth on, the Bearer challenge names the route's
// resource metadata (OAuth clients start their flow from it), says
// invalid_token to a Bearer that failed, and comes first, for clients that
// read only the first challenge.
func bearerChallenges(r *http.Request, metadataURL string) []string {
	if metadataURL == "" {
		return nil // the defaults
	}
	bearer := `Bearer realm="odoo-mcp"` + metadataParam(metadataURL)
	if scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); strings.EqualFold(scheme, "bearer") {
		bearer += `, error="invalid_token"`
	}
	return []string{bearer, `Basic realm="odoo-mcp", charset="UTF-8"`}
}
