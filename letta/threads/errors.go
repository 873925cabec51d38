package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/odoo-mcp/odoo-mcp/letta"
)

// Error is a failure of the thread API with the HTTP status it maps to.
// Message is safe to show the caller: it never holds a secret.
type Error struct {
	Status  int
	Code    string
	Message string
	// Valid lists the accepted values when Code names an unknown one
	// (unknown_model, unknown_tool, …).
	Valid []string
	// RetryAfter, in seconds, is sent as Retry-After (a 503 gets 5).
	RetryAfter int
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + redact(e.Err.Error())
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func badRequest(code, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg}
}

func unprocessable(code, msg string, valid []string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: msg, Valid: valid}
}

// ErrThreadNotFound is the answer for a thread that does not exist or
// belongs to someone else (the two are indistinguishable on purpose).
var ErrThreadNotFound = &Error{Status: http.StatusNotFound, Code: "thread_not_found", Message: "no such thread for this user"}

// lettaFailure turns an error from Letta into what the caller sees: 503 when
// Letta cannot be reached, 502 when it answered badly, always naming Letta.
func lettaFailure(op string, err error) *Error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	switch {
	case errors.Is(err, context.Canceled):
		return &Error{Status: 499, Code: "canceled", Message: "request canceled while " + op, Err: err}
	case errors.Is(err, letta.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Code: "letta_unavailable",
			Message: fmt.Sprintf("Letta is not reachable (%s); try again later", op), Err: err}
	case errors.Is(err, letta.ErrUnsupported):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "unsupported_by_letta",
			Message: fmt.Sprintf("this Letta server cannot do it (%s): %s", op, redact(err.Error())), Err: err}
	}
	var ae *letta.APIError
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusUnauthorized, http.StatusForbidden:
			return &Error{Status: http.StatusBadGateway, Code: "letta_unauthorized",
				Message: fmt.Sprintf("Letta refused odoo-mcp's credentials (%s): check LETTA_API_KEY and LETTA_PROJECT", op), Err: err}
		}
		msg := fmt.Sprintf("Letta answered %d while %s", ae.Status, op)
		if ae.Detail != "" {
			msg += ": " + truncate(redact(ae.Detail), 300)
		}
		return &Error{Status: http.StatusBadGateway, Code: "letta_error", Message: msg, Err: err}
	}
	return &Error{Status: http.StatusBadGateway, Code: "letta_error", Message: fmt.Sprintf("Letta failed while %s: %s", op, truncate(redact(err.Error()), 300)), Err: err}
}

// jwtRE finds anything shaped like a JWT, or the start of one. Letta's NEW
// 422 bodies echo the request's input (which may hold the agent's token);
// nothing that looks like a token leaves this package in a message or a log
// line. Redact before truncating: a cut token no longer looks like one.
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{6,}(\.[A-Za-z0-9_-]*){0,2}`)

func redact(s string) string { return jwtRE.ReplaceAllString(s, "[redacted token]") }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
