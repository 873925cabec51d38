package httpapp

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
)

// answer is one HTTP answer to a failed request: status, the error code and
// message of the JSON body, and the headers that go with the status.
type answer struct {
	status  int
	code    string
	message string
	// retryAfter, in seconds, is sent as Retry-After when set.
	retryAfter int
	// challenge sends WWW-Authenticate for the schemes odoo-mcp takes.
	challenge bool
}

// authAnswers is the one table from a credential check's error to the HTTP
// answer, for every route (/mcp and /api/v1 alike). The first entry the
// error matches wins. An Odoo or Letta that cannot be asked is a 503, never
// a 401: a client must not throw away a good key because a backend is down.
var authAnswers = []struct {
	err error
	answer
}{
	{auth.ErrUnavailable, answer{status: http.StatusServiceUnavailable, code: "odoo_unavailable",
		message: "Odoo is not reachable, credentials could not be checked; try again later", retryAfter: 5}},
	// A thread token is checked against Letta (is it still the agent's
	// current one?): Letta down says nothing about the token.
	{auth.ErrRevocationUnknown, answer{status: http.StatusServiceUnavailable, code: "letta_unavailable",
		message: "Letta is not reachable, the thread token could not be checked; try again later", retryAfter: 5}},
	{auth.ErrNoCredentials, unauthorized("")},
	{auth.ErrMalformed, unauthorized("")},
	{auth.ErrInvalid, unauthorized("")},
	{auth.ErrBearerNeedsLogin, unauthorized("")},
}

// authFailure is the answer to a failed credential check. A 401 says what
// was wrong (the errors never hold the secret); anything unforeseen is
// Odoo answering oddly, 502.
func authFailure(err error) answer {
	for _, a := range authAnswers {
		if errors.Is(err, a.err) {
			if a.message == "" {
				a.message = err.Error()
			}
			return a.answer
		}
	}
	return answer{status: http.StatusBadGateway, code: "odoo_error", message: "Odoo answered unexpectedly while checking credentials"}
}

func unauthorized(msg string) answer {
	return answer{status: http.StatusUnauthorized, code: "unauthorized", message: msg, challenge: true}
}

// Answers that are not credential errors but share the shape.
var (
	errRateLimited = answer{status: http.StatusTooManyRequests, code: "rate_limited",
		message: "too many requests for this credential; retry after the Retry-After delay"}
	errAgentMismatch = answer{status: http.StatusForbidden, code: "forbidden",
		message: "X-Agent-Id does not match the agent this token was issued to"}
	errThreadTokenOnAPI  = unauthorized("thread tokens are for the agent's tool calls on /mcp; the thread API takes the user's Odoo credentials")
	errNotUserCredential = unauthorized("the thread API takes the user's Odoo credentials")
)

// write sends the answer: {"error": code, "message": text} with its headers.
func (a answer) write(w http.ResponseWriter) {
	h := w.Header()
	if a.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(a.retryAfter))
	}
	if a.challenge {
		h.Add("WWW-Authenticate", `Basic realm="odoo-mcp", charset="UTF-8"`)
		h.Add("WWW-Authenticate", `Bearer realm="odoo-mcp"`)
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	json.NewEncoder(w).Encode(map[string]string{"error": a.code, "message": strings.TrimSpace(a.message)})
}
