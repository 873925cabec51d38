package httpapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

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
	rate           *limits.Rate
	publicToolList bool
	maxBody        int64
	app            *app
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
		id, err := e.auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if e.publicToolList && !errors.Is(err, auth.ErrUnavailable) && e.onlyListing(w, r) {
				if e.limited(w, "anonymous:"+clientIP(r), n) {
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			e.refuse(w, r, authFailure(err))
			return
		}
		if e.limited(w, id.LimitKey(), n) {
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

// user guards the thread API: only a user's own Odoo credentials. A thread
// token is refused without being checked: it is the agent's credential for
// /mcp, and an agent must not manage threads.
func (e *edge) user(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if cred, err := auth.ParseAuthorization(header); err == nil && cred.Scheme == auth.SchemeBearer && auth.LooksLikeToken(cred.Secret) {
			e.refuse(w, r, errThreadTokenOnAPI)
			return
		}
		id, err := e.auth.Authenticate(r.Context(), header)
		if err != nil {
			e.refuse(w, r, authFailure(err))
			return
		}
		if id.Thread != nil {
			e.refuse(w, r, errNotUserCredential)
			return
		}
		if e.limited(w, id.LimitKey(), 1) {
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
}

// onlyListing reads the (bounded) body and reports whether every JSON-RPC
// message in it is a listing method; the body is restored for the SDK.
// GET and DELETE carry no tool calls and pass too.
func (e *edge) onlyListing(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return r.Method == http.MethodDelete
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.maxBody))
	r.Body.Close()
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var msgs []struct {
		Method string `json:"method"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if json.Unmarshal(trimmed, &msgs) != nil {
			return false
		}
	} else {
		var one struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(trimmed, &one) != nil {
			return false
		}
		msgs = append(msgs, one)
	}
	for _, m := range msgs {
		if !listingMethods[m.Method] {
			return false
		}
	}
	return len(msgs) > 0
}
