package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// authenticate checks every request's credential before the SDK sees it.
// Wrong credentials get 401 with WWW-Authenticate; Odoo unreachable gets
// 503, never 401, so a client does not throw away a good key.
func (ep *Endpoint) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A batch costs one request per message: refused above MaxBatch,
		// and counted whole by the rate limit.
		n, ok := ep.batchSize(w, r)
		if !ok {
			return
		}
		id, err := ep.cfg.Auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if ep.cfg.PublicToolList && !errors.Is(err, odoorpc.ErrUnavailable) && ep.onlyListing(w, r) {
				if limited(w, ep.cfg.Rate, "anonymous:"+clientIP(r), n) {
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			ep.writeAuthError(w, r, err)
			return
		}
		if limited(w, ep.cfg.Rate, LimitKey(id), n) {
			return
		}
		if id.ReadOnly && ep.callsWritingTool(w, r) {
			// An OAuth grant without odoo.write: 403 with the scope to ask
			// for, so the client can step up (RFC 6750 section 3.1).
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="odoo.read odoo.write"`+ep.resourceMetadataParam()+`, error_description="this grant may only read"`)
			writeJSONError(w, http.StatusForbidden, "insufficient_scope", "this grant may only read: the writing tools need the odoo.write scope")
			return
		}
		if id.Thread != nil {
			if agent := r.Header.Get("X-Agent-Id"); agent != "" && agent != id.Thread.AgentID {
				writeJSONError(w, http.StatusForbidden, "forbidden", "X-Agent-Id does not match the agent this token was issued to")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// LimitKey is the key rate limits count under: the agent for a thread
// token, otherwise the Odoo user (all credentials of one user share it).
func LimitKey(id *auth.Identity) string {
	if id.Thread != nil && id.Thread.AgentID != "" {
		return "agent:" + id.Thread.AgentID
	}
	return fmt.Sprintf("user:%s:%d", id.DB, id.UID)
}

// limited answers 429 with Retry-After when key has not n requests left.
func limited(w http.ResponseWriter, r *limits.Rate, key string, n int) bool {
	ok, after := r.AllowN(key, n)
	if ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(limits.RetryAfterSeconds(after)))
	writeJSONError(w, http.StatusTooManyRequests, "rate_limited", "too many requests for this credential; retry after the Retry-After delay")
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

// rpcMessage is the part of a JSON-RPC message the middleware reads.
type rpcMessage struct {
	Method string `json:"method"`
	Params struct {
		Name string `json:"name"`
	} `json:"params"`
}

// peekMessages reads the (bounded) body and decodes the JSON-RPC
// message(s) in it; the body is restored for the SDK. ok is false when the
// body cannot be read or decoded.
func (ep *Endpoint) peekMessages(w http.ResponseWriter, r *http.Request) (msgs []rpcMessage, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ep.cfg.MaxBodyBytes))
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
func (ep *Endpoint) onlyListing(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return r.Method == http.MethodDelete
	}
	msgs, ok := ep.peekMessages(w, r)
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
func (ep *Endpoint) callsWritingTool(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	msgs, _ := ep.peekMessages(w, r)
	for _, m := range msgs {
		if m.Method == "tools/call" && ep.known[m.Params.Name] && !ep.readTools[m.Params.Name] {
			return true
		}
	}
	return false
}

// resourceMetadataParam is the resource_metadata parameter of a Bearer
// challenge (RFC 9728), when OAuth is on.
func (ep *Endpoint) resourceMetadataParam() string {
	if ep.cfg.ResourceMetadataURL == "" {
		return ""
	}
	return `, resource_metadata="` + ep.cfg.ResourceMetadataURL + `"`
}

// writeAuthError answers a failed authentication.
func (ep *Endpoint) writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, odoorpc.ErrUnavailable) {
		w.Header().Set("Retry-After", "5")
		writeJSONError(w, http.StatusServiceUnavailable, "odoo_unavailable", "Odoo is not reachable, credentials could not be checked; try again later")
		return
	}
	if errors.Is(err, auth.ErrRevocationUnknown) {
		// A thread token is checked against Letta (is it still the agent's
		// current one?): Letta down says nothing about the token, so 503.
		w.Header().Set("Retry-After", "5")
		writeJSONError(w, http.StatusServiceUnavailable, "letta_unavailable", "Letta is not reachable, the thread token could not be checked; try again later")
		return
	}
	if !errors.Is(err, auth.ErrNoCredentials) && !errors.Is(err, auth.ErrMalformed) &&
		!errors.Is(err, auth.ErrInvalid) && !errors.Is(err, auth.ErrBearerNeedsLogin) {
		writeJSONError(w, http.StatusBadGateway, "odoo_error", "Odoo answered unexpectedly while checking credentials")
		return
	}
	bearer := `Bearer realm="odoo-mcp"`
	if ep.cfg.ResourceMetadataURL != "" {
		// OAuth clients start their flow from here (MCP authorization).
		bearer += ep.resourceMetadataParam()
		if scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); strings.EqualFold(scheme, "bearer") {
			bearer += `, error="invalid_token"`
		}
	}
	first, second := `Basic realm="odoo-mcp", charset="UTF-8"`, bearer
	if ep.cfg.ResourceMetadataURL != "" {
		// Bearer first: a client that reads only the first challenge
		// still finds the resource metadata.
		first, second = second, first
	}
	w.Header().Add("WWW-Authenticate", first)
	w.Header().Add("WWW-Authenticate", second)
	writeJSONError(w, http.StatusUnauthorized, "unauthorized", err.Error())
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "message": strings.TrimSpace(msg)})
}
