package threads

import (
	"fmt"

	"github.com/odoo-mcp/odoo-mcp/auth"
)

// tokenReason says why the agent needs a new thread token, or "".
func (o *Orchestrator) tokenReason(id *auth.Identity, r record, toolsChanged bool) string {
	_, hasVar := r.agent.EnvVars[TokenVar]
	left := r.meta.TokenExpires - o.now().Unix()
	switch {
	case r.meta.TokenID == "" || !hasVar:
		return "missing"
	case toolsChanged:
		return "tools"
	case r.meta.CredFP != o.tokens.CredentialFingerprint(id):
		// The caller's Odoo key is not the one sealed in the token (rotated,
		// or another key of the same user): the agent should use the live one.
		return "credential"
	case left < int64(o.tokens.TTL().Seconds()/2):
		return "expiring"
	}
	return ""
}

// issue signs a token for the thread's agent and returns it with the
// metadata recording it.
func (o *Orchestrator) issue(id *auth.Identity, m meta, agentID string) (string, meta, error) {
	token, tokenID, err := o.tokens.IssueThread(auth.ThreadGrant{Identity: id, Thread: m.ThreadID, AgentID: agentID, Tools: m.Tools})
	if err != nil {
		return "", m, &Error{Status: 500, Code: "token_error", Message: "could not sign the thread token", Err: fmt.Errorf("issue: %w", err)}
	}
	m.TokenID = tokenID
	m.TokenExpires = o.now().Add(o.tokens.TTL()).Unix()
	m.CredFP = o.tokens.CredentialFingerprint(id)
	return token, m, nil
}

// envWith is the agent's full variable set with the token replaced (Letta
// replaces the whole set on update). Variables someone else set are kept,
// unless Letta shows them empty (masked): writing those back would erase them.
func envWith(cur map[string]string, token string) map[string]string {
	out := map[string]string{}
	for k, v := range cur {
		if k != TokenVar && v != "" {
			out[k] = v
		}
	}
	out[TokenVar] = token
	return out
}
