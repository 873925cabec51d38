package letta

import (
	"context"
	"net/http"
	"net/url"
)

// Memory blocks and identities (both versions; letta.md and the specs).
//
// A block exists on its own and may be attached to many agents: Letta's
// API edits it for all of them at once. read_only binds only the agent's
// own memory tools (the API edits read-only blocks freely), and Letta
// 0.16.7 and later no longer check a value against the block's limit:
// callers that care check both themselves.

// CreateBlockRequest is the body of POST /v1/blocks/.
type CreateBlockRequest struct {
	Label       string         `json:"label"`
	Value       string         `json:"value"`
	Limit       int            `json:"limit,omitempty"`
	Description string         `json:"description,omitempty"`
	ReadOnly    bool           `json:"read_only,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
}

// CreateBlock creates a block that belongs to no agent yet.
func (c *Client) CreateBlock(ctx context.Context, r CreateBlockRequest) (*Block, error) {
	return doInto[Block](ctx, c, http.MethodPost, "/v1/blocks/", nil, r)
}

// GetBlock returns a block (404: IsNotFound).
func (c *Client) GetBlock(ctx context.Context, blockID string) (*Block, error) {
	return doInto[Block](ctx, c, http.MethodGet, escapedPath("/v1/blocks/%s", blockID), nil, nil)
}

// ModifyBlockRequest changes a block; nil fields stay.
type ModifyBlockRequest struct {
	Value    *string        `json:"value,omitempty"`
	ReadOnly *bool          `json:"read_only,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// ModifyBlock updates a block (PATCH /v1/blocks/{id}), for every agent
// holding it.
func (c *Client) ModifyBlock(ctx context.Context, blockID string, r ModifyBlockRequest) (*Block, error) {
	return doInto[Block](ctx, c, http.MethodPatch, escapedPath("/v1/blocks/%s", blockID), nil, r)
}

// DeleteBlock deletes a block; Letta detaches it from every agent.
func (c *Client) DeleteBlock(ctx context.Context, blockID string) error {
	return c.do(ctx, http.MethodDelete, escapedPath("/v1/blocks/%s", blockID), nil, nil, nil)
}

// ListBlocksOptions filter ListBlocks.
type ListBlocksOptions struct {
	Label      string
	IdentityID string
}

// ListBlocks lists blocks (GET /v1/blocks/), every page.
func (c *Client) ListBlocks(ctx context.Context, o ListBlocksOptions) ([]Block, error) {
	q := url.Values{}
	if o.Label != "" {
		q.Set("label", o.Label)
	}
	if o.IdentityID != "" {
		q.Set("identity_id", o.IdentityID)
	}
	return listAll(ctx, c, "/v1/blocks/", q, 100, func(b Block) string { return b.ID })
}

// AttachBlock attaches a block to an agent. Letta keeps one block per
// label on an agent: a second block of a label answers 409 (IsConflict).
func (c *Client) AttachBlock(ctx context.Context, agentID, blockID string) error {
	return c.do(ctx, http.MethodPatch, escapedPath("/v1/agents/%s/core-memory/blocks/attach/%s", agentID, blockID), nil, nil, nil)
}

// DetachBlock detaches a block from an agent (the block stays).
func (c *Client) DetachBlock(ctx context.Context, agentID, blockID string) error {
	return c.do(ctx, http.MethodPatch, escapedPath("/v1/agents/%s/core-memory/blocks/detach/%s", agentID, blockID), nil, nil, nil)
}

// Identity is a Letta identity (a user of the application using Letta).
type Identity struct {
	ID            string             `json:"id"`
	IdentifierKey string             `json:"identifier_key"`
	Name          string             `json:"name"`
	IdentityType  string             `json:"identity_type"`
	AgentIDs      []string           `json:"agent_ids"`
	BlockIDs      []string           `json:"block_ids"`
	Properties    []IdentityProperty `json:"properties"`
}

// IdentityProperty is one typed property of an identity; Type is
// "string", "number", "boolean" or "json".
type IdentityProperty struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
	Type  string `json:"type"`
}

// Property returns the property with key, or nil.
func (i *Identity) Property(key string) *IdentityProperty {
	for k := range i.Properties {
		if i.Properties[k].Key == key {
			return &i.Properties[k]
		}
	}
	return nil
}

// CreateIdentityRequest is the body of POST /v1/identities/. Create with
// POST: Letta's upsert (PUT /v1/identities/) answers 404 for a new
// identity in 0.11.7 and 0.16.8 alike.
type CreateIdentityRequest struct {
	IdentifierKey string             `json:"identifier_key"`
	Name          string             `json:"name"`
	IdentityType  string             `json:"identity_type"`
	BlockIDs      []string           `json:"block_ids,omitempty"`
	Properties    []IdentityProperty `json:"properties,omitempty"`
}

// CreateIdentity creates an identity; an existing identifier key answers
// 409 (IsConflict).
func (c *Client) CreateIdentity(ctx context.Context, r CreateIdentityRequest) (*Identity, error) {
	return doInto[Identity](ctx, c, http.MethodPost, "/v1/identities/", nil, r)
}

// FindIdentities lists the identities with an identifier key ("": all).
func (c *Client) FindIdentities(ctx context.Context, identifierKey string) ([]Identity, error) {
	q := url.Values{}
	if identifierKey != "" {
		q.Set("identifier_key", identifierKey)
	}
	return listAll(ctx, c, "/v1/identities/", q, 50, func(i Identity) string { return i.ID })
}

// ModifyIdentityRequest changes an identity; a non-nil list replaces the
// identity's.
type ModifyIdentityRequest struct {
	BlockIDs   []string           `json:"block_ids,omitempty"`
	Properties []IdentityProperty `json:"properties,omitempty"`
}

// ModifyIdentity updates an identity (PATCH /v1/identities/{id}).
func (c *Client) ModifyIdentity(ctx context.Context, identityID string, r ModifyIdentityRequest) (*Identity, error) {
	return doInto[Identity](ctx, c, http.MethodPatch, escapedPath("/v1/identities/%s", identityID), nil, r)
}

// PromptsFollowBlocks tells whether the agents holding a block see its new
// value without being asked to. Letta 0.11 rebuilds an agent's memory at
// each step and 0.16.7 and later rebuild every holder's system prompt when
// a block changes; from 0.12 to 0.16.6 neither happens: an agent keeps a
// shared block's old text in its prompt (what another thread learnt, an
// edit through the API) until it is recompiled (RecompileAgent).
func (c *Client) PromptsFollowBlocks(ctx context.Context) (bool, error) {
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return false, err
	}
	return !v.AtLeast(0, 12, 0) || v.AtLeast(0, 16, 7), nil
}

// BlockAgentIDs lists the ids of the agents holding a block
// (GET /v1/blocks/{id}/agents), every page.
func (c *Client) BlockAgentIDs(ctx context.Context, blockID string) ([]string, error) {
	type agentID struct {
		ID string `json:"id"`
	}
	agents, err := listAll(ctx, c, escapedPath("/v1/blocks/%s/agents", blockID), url.Values{}, 100, func(a agentID) string { return a.ID })
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	return ids, nil
}

// RecompileAgent rebuilds an agent's system prompt from its blocks as they
// are now (POST /v1/agents/{id}/recompile, 0.16; the deprecated
// …/system-prompt/recompile alias is not needed).
func (c *Client) RecompileAgent(ctx context.Context, agentID string) error {
	return c.do(ctx, http.MethodPost, escapedPath("/v1/agents/%s/recompile", agentID), nil, nil, nil)
}
