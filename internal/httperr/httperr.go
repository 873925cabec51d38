// Package httperr writes odoo-mcp's HTTP error answers, the same on every
// route: a JSON body {"error": code, "message": text[, "valid": [...]]},
// and the headers that go with the status (a challenge with a 401, a
// Retry-After with a 429 or a 503).
package httperr

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Answer is one error answer.
type Answer struct {
	Status  int
	Code    string
	Message string // safe to show the caller: never a secret
	// Valid lists the accepted values when Code names an unknown one.
	Valid []string
	// RetryAfter, in seconds, is sent as Retry-After; a 503 without one
	// gets DefaultRetryAfter.
	RetryAfter int
	// Challenges replace the WWW-Authenticate values of a 401 (default:
	// DefaultChallenges), and are sent with any other status that sets
	// them (a 403 insufficient_scope).
	Challenges []string
}

// DefaultChallenges are the schemes odoo-mcp takes.
var DefaultChallenges = []string{`Basic realm="odoo-mcp", charset="UTF-8"`, `Bearer realm="odoo-mcp"`}

// DefaultRetryAfter is the Retry-After of a 503 that names none: a backend
// (Odoo, Letta) is down, try again soon.
const DefaultRetryAfter = 5

// Write sends a.
func Write(w http.ResponseWriter, a Answer) {
	h := w.Header()
	retry := a.RetryAfter
	if retry <= 0 && a.Status == http.StatusServiceUnavailable {
		retry = DefaultRetryAfter
	}
	if retry > 0 {
		h.Set("Retry-After", strconv.Itoa(retry))
	}
	challenges := a.Challenges
	if challenges == nil && a.Status == http.StatusUnauthorized {
		challenges = DefaultChallenges
	}
	for _, c := range challenges {
		h.Add("WWW-Authenticate", c)
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	body := map[string]any{"error": a.Code, "message": strings.TrimSpace(a.Message)}
	if a.Valid != nil {
		body["valid"] = a.Valid
	}
	_ = json.NewEncoder(w).Encode(body) // a failed write is a caller gone
}
