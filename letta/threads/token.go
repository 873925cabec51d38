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
	var token, tokenID string
	var err error
	// Each token has a fresh id, so another try gives another text; one in
	// four looks like Letta's ciphertext, so 16 tries fail once in 4^16.
	for range 16 {
		token, tokenID, err = o.tokens.IssueThread(auth.ThreadGrant{Identity: id, Thread: m.ThreadID, AgentID: agentID, Tools: m.Tools})
		if err != nil || !lettaTakesForCiphertext(token) {
			break
		}
	}
	if err == nil && lettaTakesForCiphertext(token) {
		err = fmt.Errorf("every token signed looks like Letta's ciphertext")
	}
	if err != nil {
		return "", m, &Error{Status: 500, Code: "token_error", Message: "could not sign the thread token", Err: fmt.Errorf("issue: %w", err)}
	}
	m.TokenID = tokenID
	m.TokenExpires = o.now().Add(o.tokens.TTL()).Unix()
	m.CredFP = o.tokens.CredentialFingerprint(id)
	return token, m, nil
}

// lettaTakesForCiphertext says whether Letta 0.16 would take the variable
// value v for one of its own encrypted values and, without
// LETTA_ENCRYPTION_KEY (the default), hand the tool call an empty value:
// it stores secrets in plain text then, but reads back anything that
// Python's lenient base64.b64decode accepts (non-alphabet characters such as
// a JWT's ".", "-", "_" dropped, then no padding error) as at least 45 bytes
// as ciphertext it cannot open (letta/helpers/crypto_utils.py is_encrypted,
// letta/schemas/secret.py get_plaintext_async). A JWT passes that test when
// its count of base64 alphabet characters is a multiple of four: one token
// in four. Found with e2e/realletta (0.16.6: "Illegal header value
// b'Bearer '" on every call of such an agent).
func lettaTakesForCiphertext(v string) bool {
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			n++
		}
	}
	// Letta's PLAINTEXT_PREFIXES (sk-, Bearer , …) never start a JWT.
	return n%4 == 0 && n/4*3 >= 45
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
