package httpapp

import (
	"errors"
	"net/http"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/httperr"
)

// answer is one HTTP error answer; httperr writes it with the headers its
// status needs (WWW-Authenticate on 401, Retry-After on 503).
type answer = httperr.Answer

// authAnswers is the one table from a credential check's error to the HTTP
// answer, for every route (/mcp and /api/v1 alike). The first entry the
// error matches wins. An Odoo or Letta that cannot be asked is a 503, never
// a 401: a client must not throw away a good key because a backend is down.
var authAnswers = []struct {
	err error
	answer
}{
	{auth.ErrUnavailable, answer{Status: http.StatusServiceUnavailable, Code: "odoo_unavailable",
		Message: "Odoo is not reachable, credentials could not be checked; try again later"}},
	// A thread token is checked against Letta (is it still the agent's
	// current one?): Letta down says nothing about the token.
	{auth.ErrRevocationUnknown, answer{Status: http.StatusServiceUnavailable, Code: "letta_unavailable",
		Message: "Letta is not reachable, the thread token could not be checked; try again later"}},
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
			if a.Message == "" {
				a.Message = err.Error()
			}
			return a.answer
		}
	}
	return answer{Status: http.StatusBadGateway, Code: "odoo_error", Message: "Odoo answered unexpectedly while checking credentials"}
}

func unauthorized(msg string) answer {
	return answer{Status: http.StatusUnauthorized, Code: "unauthorized", Message: msg}
}

// Answers that are not credential errors but share the shape.
var (
	errRateLimited = answer{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many requests for this credential; retry after the Retry-After delay"}
	errAgentMismatch = answer{Status: http.StatusForbidden, Code: "forbidden",
		Message: "X-Agent-Id does not match the agent this token was issued to"}
	errInsufficientScope = answer{Status: http.StatusForbidden, Code: "insufficient_scope",
		Message: "this grant may only read: the writing tools need the odoo.write scope"}
	errAPIReadOnly = answer{Status: http.StatusForbidden, Code: "insufficient_scope",
		Message: "this grant may only read: on the thread API it may list and read threads, memory and usage; creating, changing or deleting threads and sending messages need the odoo.write scope (sign in again and allow changes)"}
	errThreadTokenOnAPI  = unauthorized("thread tokens are for the agent's tool calls on /mcp; the thread API takes the user's Odoo credentials")
	errNotUserCredential = unauthorized("the thread API takes the user's Odoo credentials")
)
