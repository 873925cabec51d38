package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
)

// identityRec is one identity (both versions have them; NEW adds the
// agent/block attach routes, which odoo-mcp does not use).
type identityRec struct {
	ID            string
	IdentifierKey string
	Name          string
	Type          string
	AgentIDs      []string
	BlockIDs      []string
	Properties    []any // IdentityProperty objects as sent
	seq           int64
}

var identityIDPattern = idPattern("identity")

func (s *Server) identityJSON(idn *identityRec) map[string]any {
	props := idn.Properties
	if props == nil {
		props = []any{}
	}
	agents, blocks := nonNil(idn.AgentIDs), nonNil(idn.BlockIDs)
	if s.isNew {
		// 0.16.x's ORM answers both lists empty whatever is linked (the
		// links hold: /v1/blocks/?identity_id=… and
		// /v1/identities/{id}/agents|blocks read them).
		agents, blocks = []string{}, []string{}
	}
	return map[string]any{
		"id": idn.ID, "identifier_key": idn.IdentifierKey, "name": idn.Name, "identity_type": idn.Type,
		"project_id": nil, "agent_ids": agents, "block_ids": blocks, "properties": props,
	}
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func identityNotFound(id string) string { return fmt.Sprintf("Identity with id %s not found", id) }

func (c *reqCtx) checkIdentityID() bool {
	id := c.params["identity_id"]
	if !c.s.isNew || identityIDPattern.MatchString(id) {
		return true
	}
	c.s.validationFailed(c.w, []ValidationIssue{pathIDIssue("identity_id", id)})
	return false
}

// identityFields reads the optional lists of IdentityCreate/IdentityUpdate.
func identityFields(f *fields) (agentIDs, blockIDs []string, props []any, hasAgents, hasBlocks, hasProps bool) {
	agentIDs, hasAgents = f.strList("agent_ids")
	blockIDs, hasBlocks = f.strList("block_ids")
	if v, ok := f.m["properties"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			f.add("list_type", f.at("properties"), "Input should be a valid list", v)
		} else {
			props, hasProps = list, true
			for i, p := range list {
				pm, ok := p.(map[string]any)
				if !ok {
					f.add("model_attributes_type", append(f.at("properties"), i), "Input should be a valid dictionary or object to extract fields from", p)
					continue
				}
				pf := &fields{m: pm, loc: append(f.at("properties"), i)}
				pf.requiredStr("key")
				pf.requiredStr("type")
				if _, ok := pm["value"]; !ok {
					pf.add("missing", pf.at("value"), "Field required", pm)
				}
				f.issues = append(f.issues, pf.issues...)
			}
		}
	}
	return
}

// createIdentity serves POST /v1/identities/. The identifier key is unique
// (409 on a second one), as Letta's unique constraint makes it.
func (c *reqCtx) createIdentity() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	key, name, typ := f.requiredStr("identifier_key"), f.requiredStr("name"), f.requiredStr("identity_type")
	agentIDs, blockIDs, props, _, _, _ := identityFields(f)
	if typ != "" && !slices.Contains([]string{"org", "user", "other"}, typ) {
		f.add("enum", f.at("identity_type"), "Input should be 'org', 'user' or 'other'", typ)
	}
	if c.failed(f) {
		return
	}
	c.s.mu.Lock()
	for _, idn := range c.s.identities {
		if idn.IdentifierKey == key {
			c.s.mu.Unlock()
			c.detail(http.StatusConflict, fmt.Sprintf("Identity with identifier key %s already exists", key))
			return
		}
	}
	idn := &identityRec{ID: newID("identity"), IdentifierKey: key, Name: name, Type: typ, AgentIDs: agentIDs, BlockIDs: blockIDs, Properties: props}
	idn.seq, _ = c.s.nextSeq()
	c.s.identities[idn.ID] = idn
	out := c.s.identityJSON(idn)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// upsertIdentity serves PUT /v1/identities/: both versions look the
// identity up by its id first and answer 404 for a new one.
func (c *reqCtx) upsertIdentity() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	key := f.requiredStr("identifier_key")
	if c.failed(f) {
		return
	}
	c.detail(http.StatusNotFound, identityNotFound(key))
}

// listIdentities serves GET /v1/identities/ (filters identifier_key, name).
func (c *reqCtx) listIdentities() {
	q := c.r.URL.Query()
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	c.s.mu.Lock()
	var all []*identityRec
	for _, idn := range c.s.identities {
		if (q.Get("identifier_key") == "" || idn.IdentifierKey == q.Get("identifier_key")) && (q.Get("name") == "" || idn.Name == q.Get("name")) {
			all = append(all, idn)
		}
	}
	slices.SortFunc(all, func(a, b *identityRec) int { return int(a.seq - b.seq) })
	all = pageAfter(all, func(x *identityRec) string { return x.ID }, q.Get("after"), limit)
	out := make([]any, len(all))
	for i, idn := range all {
		out[i] = c.s.identityJSON(idn)
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// getIdentity serves GET /v1/identities/{identity_id}.
func (c *reqCtx) getIdentity() {
	if !c.checkIdentityID() {
		return
	}
	c.s.mu.Lock()
	idn := c.s.identities[c.params["identity_id"]]
	var out map[string]any
	if idn != nil {
		out = c.s.identityJSON(idn)
	}
	c.s.mu.Unlock()
	if idn == nil {
		c.detail(http.StatusNotFound, identityNotFound(c.params["identity_id"]))
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// modifyIdentity serves PATCH /v1/identities/{identity_id}; given lists
// replace the identity's.
func (c *reqCtx) modifyIdentity() {
	if !c.checkIdentityID() {
		return
	}
	f := c.decodeBody()
	if f == nil {
		return
	}
	name := f.str("name")
	agentIDs, blockIDs, props, hasAgents, hasBlocks, hasProps := identityFields(f)
	if c.failed(f) {
		return
	}
	c.s.mu.Lock()
	idn := c.s.identities[c.params["identity_id"]]
	if idn == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, identityNotFound(c.params["identity_id"]))
		return
	}
	if name != nil {
		idn.Name = *name
	}
	if hasAgents && agentIDs != nil {
		idn.AgentIDs = agentIDs
	}
	if hasBlocks && blockIDs != nil {
		idn.BlockIDs = blockIDs
	}
	if hasProps {
		idn.Properties = props
	}
	out := c.s.identityJSON(idn)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// deleteIdentity serves DELETE /v1/identities/{identity_id}.
func (c *reqCtx) deleteIdentity() {
	if !c.checkIdentityID() {
		return
	}
	c.s.mu.Lock()
	_, ok := c.s.identities[c.params["identity_id"]]
	delete(c.s.identities, c.params["identity_id"])
	c.s.mu.Unlock()
	if !ok {
		c.detail(http.StatusNotFound, identityNotFound(c.params["identity_id"]))
		return
	}
	writeJSON(c.w, http.StatusOK, nil)
}

// agentIdentityIDs lists the identities an agent belongs to; callers hold s.mu.
func (s *Server) agentIdentityIDs(agentID string) []string {
	out := []string{}
	for _, idn := range s.identities {
		if slices.Contains(idn.AgentIDs, agentID) {
			out = append(out, idn.ID)
		}
	}
	slices.Sort(out)
	return out
}
