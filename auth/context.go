package auth

import (
	"context"
	"fmt"
)

// identityKey carries the caller's *Identity in a context.
type identityKey struct{}

// WithIdentity returns ctx carrying id: the caller, resolved once where the
// request enters (the HTTP application, or the stdio server) and handed
// down. Nobody changes an Identity after it is made; read it with
// IdentityFrom.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the caller put in ctx by WithIdentity, or nil.
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// LimitKey is the key rate limits and stream caps count under: the agent
// for a thread token, otherwise the Odoo user (all credentials of one user
// share it).
func (id *Identity) LimitKey() string {
	if id.Thread != nil && id.Thread.AgentID != "" {
		return "agent:" + id.Thread.AgentID
	}
	return fmt.Sprintf("user:%s:%d", id.DB, id.UID)
}
