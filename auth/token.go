package auth

import (
	"context"
	"strings"
)

// ThreadClaims are what a thread token grants: one Odoo user in one
// database, one thread and its agent, and the thread's tools.
type ThreadClaims struct {
	Thread  string
	AgentID string
	Tools   []string
	Listing bool // a listing token may list tools and nothing else
}

// TokenVerifier verifies thread tokens (filled in by the Letta orchestrator).
type TokenVerifier struct{}

// Verify checks a thread token.
func (v *TokenVerifier) Verify(ctx context.Context, token string) (*Identity, error) {
	return nil, ErrInvalid
}

// LooksLikeToken tells a JWT (three base64url segments, JSON header) from
// an Odoo API key (40 hex characters) without verifying anything.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}
