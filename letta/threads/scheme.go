package threads

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// How a thread is recorded in Letta (see the package comment).
//
// Tags, on every agent odoo-mcp manages:
//
//	odoo-mcp                         marks the agent as managed by odoo-mcp
//	odoo-mcp-user:<24 hex>           sha256("user", server, db, uid)
//	odoo-mcp-thread:<32 hex>         sha256("thread", server, db, uid, thread id)
//
// Hashing gives tags a fixed length and charset whatever the thread id and
// database name hold, keeps separators unambiguous, and scopes them to the
// MCP server name so two odoo-mcp deployments sharing a Letta never see each
// other's threads. Lookups are by tag; the metadata is then checked field by
// field, so a tag collision or a hand-made tag cannot hand a thread over.
//
// Metadata, under the key "odoo_mcp" (other keys are kept):
//
//	{"v":1, "server":"odoo-mcp", "db":"prod", "uid":7, "thread_id":"42",
//	 "tools":["odoo_record_retriever"], "token_id":"…", "token_expires":1767225600,
//	 "cred_fp":"…", "settings":{"temperature":0.2}}
//
// token_id is the id of the agent's current thread token (the token itself
// is only in the agent's ODOO_MCP_TOKEN variable); cred_fp is an HMAC of the
// Odoo key the token carries sealed (auth.Tokens.CredentialFingerprint).

const (
	// TagManaged marks every agent odoo-mcp manages.
	TagManaged    = "odoo-mcp"
	userTagPrefix = "odoo-mcp-user:"
	threadPrefix  = "odoo-mcp-thread:"
	metadataKey   = "odoo_mcp"
	schemaVersion = 1
)

// owner is who a thread belongs to: one Odoo user in one database.
type owner struct {
	DB  string
	UID int64
}

func ownerOf(id *auth.Identity) owner { return owner{DB: id.DB, UID: id.UID} }

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// Length-prefixed, so no two part lists hash the same input.
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (o *Orchestrator) userTag(ow owner) string {
	return userTagPrefix + digest("user", o.opts.ServerName, ow.DB, strconv.FormatInt(ow.UID, 10))[:24]
}

func (o *Orchestrator) threadTag(ow owner, threadID string) string {
	return threadPrefix + digest("thread", o.opts.ServerName, ow.DB, strconv.FormatInt(ow.UID, 10), threadID)[:32]
}

// agentName is a readable, valid agent name on every Letta version (OLD
// allows letters, digits, space, '_' and '-').
func (o *Orchestrator) agentName(ow owner, threadID string) string {
	return "odoo-mcp-thread-" + o.threadTag(ow, threadID)[len(threadPrefix):][:16]
}

func (o *Orchestrator) tags(ow owner, threadID string) []string {
	return []string{TagManaged, o.userTag(ow), o.threadTag(ow, threadID)}
}

// Settings are the per-agent model knobs a declaration may set.
type Settings struct {
	Temperature   *float64 `json:"temperature,omitempty"`
	ContextWindow *int     `json:"context_window,omitempty"`
	MaxTokens     *int     `json:"max_tokens,omitempty"`
}

func (s Settings) isZero() bool {
	return s.Temperature == nil && s.ContextWindow == nil && s.MaxTokens == nil
}

func (s Settings) equal(t Settings) bool {
	eqF := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	eqI := func(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return eqF(s.Temperature, t.Temperature) && eqI(s.ContextWindow, t.ContextWindow) && eqI(s.MaxTokens, t.MaxTokens)
}

// merge returns s with the fields t sets replaced.
func (s Settings) merge(t Settings) Settings {
	if t.Temperature != nil {
		s.Temperature = t.Temperature
	}
	if t.ContextWindow != nil {
		s.ContextWindow = t.ContextWindow
	}
	if t.MaxTokens != nil {
		s.MaxTokens = t.MaxTokens
	}
	return s
}

func (s Settings) letta() letta.LLMSettings {
	return letta.LLMSettings{Temperature: s.Temperature, ContextWindowLimit: s.ContextWindow, MaxTokens: s.MaxTokens}
}

// meta is odoo-mcp's record in an agent's metadata.
type meta struct {
	V            int      `json:"v"`
	Server       string   `json:"server"`
	DB           string   `json:"db"`
	UID          int64    `json:"uid"`
	ThreadID     string   `json:"thread_id"`
	Tools        []string `json:"tools"`
	TokenID      string   `json:"token_id,omitempty"`
	TokenExpires int64    `json:"token_expires,omitempty"`
	CredFP       string   `json:"cred_fp,omitempty"`
	Settings     Settings `json:"settings,omitzero"`
	// OwnMemory: the thread opted out of the user's shared human block
	// ("shared_memory": false) and keeps a block of its own.
	OwnMemory bool `json:"own_memory,omitempty"`
	// Approve are the tools whose calls wait for the user's approval.
	Approve []string `json:"approve,omitempty"`
}

// decodeMeta reads odoo-mcp's record from an agent's metadata.
func decodeMeta(md map[string]any) (meta, bool) {
	raw, ok := md[metadataKey]
	if !ok {
		return meta{}, false
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return meta{}, false
	}
	var m meta
	if json.Unmarshal(b, &m) != nil || m.V == 0 {
		return meta{}, false
	}
	return m, true
}

// metadataWith returns the agent's metadata with odoo-mcp's record replaced
// (other keys, written by someone else, are kept).
func metadataWith(md map[string]any, m meta) map[string]any {
	out := maps.Clone(md)
	if out == nil {
		out = map[string]any{}
	}
	var v map[string]any
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &v)
	out[metadataKey] = v
	return out
}

// record is one agent of a thread with its decoded metadata.
type record struct {
	agent *letta.Agent
	meta  meta
}

// managedBy reports whether the agent is this server's agent of (ow,
// threadID); threadID "" matches any thread of ow.
//
// The tag is checked only when Letta shows tags (lookups already filter on
// it server-side; some callers get agents without relationships): the
// metadata, checked field by field, is what decides.
func (o *Orchestrator) managedBy(a *letta.Agent, ow owner, threadID string) (meta, bool) {
	if len(a.Tags) > 0 && !slices.Contains(a.Tags, TagManaged) {
		return meta{}, false
	}
	m, ok := decodeMeta(a.Metadata)
	if !ok || m.Server != o.opts.ServerName || m.DB != ow.DB || m.UID != ow.UID {
		return meta{}, false
	}
	if threadID != "" && m.ThreadID != threadID {
		return meta{}, false
	}
	return m, true
}

// threadIDRE: what a thread id may be. Letters, digits and ". _ : -", first
// character a letter or digit (so "." and ".." cannot pose as ids), at most
// 128 characters: enough for integers, UUIDs and "model:id" forms.
var threadIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// ValidThreadID reports whether id is an acceptable thread id.
func ValidThreadID(id string) bool { return threadIDRE.MatchString(id) }

func checkThreadID(id string) error {
	if !ValidThreadID(id) {
		return badRequest("invalid_thread_id", "thread id must be 1 to 128 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
	}
	return nil
}
