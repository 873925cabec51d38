package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// revEntry is what Letta last said about an agent's current token.
type revEntry struct {
	tokenID string // "" with revoked
	revoked bool
	at      time.Time
}

// CurrentTokenID implements auth.Revocations from Letta: the id of the
// agent's current thread token, read from its metadata and cached for at
// most Options.RevocationCacheTTL (5 s). It returns auth.ErrRevoked when the
// agent is gone or is not one of this odoo-mcp's thread agents, and an error
// matching letta.ErrUnavailable when Letta cannot be asked (the caller then
// answers 503, never 401: the token may well be good).
func (o *Orchestrator) CurrentTokenID(ctx context.Context, agentID string) (string, error) {
	if e, ok := o.cachedToken(agentID); ok {
		if e.revoked {
			return "", auth.ErrRevoked
		}
		return e.tokenID, nil
	}
	v, err, _ := o.revSF.Do(agentID, func() (any, error) {
		// Shared by every caller waiting on this agent: one caller leaving
		// must not fail the others.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		e, err := o.askToken(ctx, agentID)
		if err != nil {
			return nil, err
		}
		o.revMu.Lock()
		o.tokenCache[agentID] = e
		o.revMu.Unlock()
		return e, nil
	})
	if err != nil {
		return "", err
	}
	if e := v.(revEntry); !e.revoked {
		return e.tokenID, nil
	}
	return "", auth.ErrRevoked
}

// agentIDRE is Letta's agent id format (agent-<uuid4>, both versions): a
// token naming anything else was not issued for a Letta agent, and Letta is
// not asked about it.
var agentIDRE = regexp.MustCompile(`^agent-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func (o *Orchestrator) askToken(ctx context.Context, agentID string) (revEntry, error) {
	now := o.now()
	if !agentIDRE.MatchString(agentID) {
		return revEntry{revoked: true, at: now}, nil
	}
	a, err := o.letta.GetAgent(ctx, agentID)
	if err != nil {
		switch letta.StatusCode(err) {
		case http.StatusNotFound, http.StatusBadRequest, http.StatusUnprocessableEntity:
			// Gone, or an id Letta says cannot exist.
			return revEntry{revoked: true, at: now}, nil
		}
		if errors.Is(err, letta.ErrUnavailable) {
			return revEntry{}, fmt.Errorf("checking the thread token with Letta: %w: %w", auth.ErrRevocationUnknown, err)
		}
		// Letta answered, but failed or made no sense: it could not be asked
		// either.
		return revEntry{}, fmt.Errorf("checking the thread token with Letta: %w: %w: %w", auth.ErrRevocationUnknown, letta.ErrUnavailable, err)
	}
	if len(a.Tags) > 0 && !slices.Contains(a.Tags, TagManaged) {
		return revEntry{revoked: true, at: now}, nil
	}
	m, ok := decodeMeta(a.Metadata)
	if !ok || m.Server != o.opts.ServerName || m.TokenID == "" {
		return revEntry{revoked: true, at: now}, nil
	}
	return revEntry{tokenID: m.TokenID, at: now}, nil
}

func (o *Orchestrator) cachedToken(agentID string) (revEntry, bool) {
	o.revMu.Lock()
	defer o.revMu.Unlock()
	e, ok := o.tokenCache[agentID]
	if !ok {
		return revEntry{}, false
	}
	if o.now().Sub(e.at) >= o.opts.RevocationCacheTTL {
		delete(o.tokenCache, agentID)
		return revEntry{}, false
	}
	// Drop other stale entries now and then so the map stays small.
	if len(o.tokenCache) > 1024 {
		for k, v := range o.tokenCache {
			if o.now().Sub(v.at) >= o.opts.RevocationCacheTTL {
				delete(o.tokenCache, k)
			}
		}
	}
	return e, true
}

// markCurrent records a token this replica just wrote, so it works (and
// the one it replaces stops working) here at once.
func (o *Orchestrator) markCurrent(agentID, tokenID string) {
	o.revMu.Lock()
	o.tokenCache[agentID] = revEntry{tokenID: tokenID, at: o.now()}
	o.revMu.Unlock()
}

// markRevoked records an agent this replica just deleted.
func (o *Orchestrator) markRevoked(agentID string) {
	o.revMu.Lock()
	o.tokenCache[agentID] = revEntry{revoked: true, at: o.now()}
	o.revMu.Unlock()
}
