package threads

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// Memory that follows the Odoo user.
//
// Every (database, user) has one Letta identity (identifier key = the
// user tag, created with POST: Letta's PUT upsert answers 404 for a new
// identity) and one shared `human` block linked to it. Every thread of the
// user is created with that block's id (Letta keeps one block per label on
// an agent: a second `human` would be dropped at creation, refused with 409
// on attach), so what the agent learns in one thread is known in the next.
// A thread declared with "shared_memory": false gets a block of its own, a
// copy of the shared one; declaring it again the other way swaps them.
// Deleting threads never deletes the shared block; DELETE
// /api/v1/memory/human does.
//
// With an organisation text (--org-memory-file) every agent also holds one
// read-only `organization` block per database.
//
// Blocks odoo-mcp manages carry metadata under "odoo_mcp": {"v":1,
// "server","db","kind"[,"uid"][,"thread_id"]}, kind being "human" (shared),
// "thread_human" (a thread's own) or "organization". Lookups go through the
// identity, then (the fallback) through the user's agents found by tag; the
// metadata is checked field by field either way.

const (
	LabelHuman        = "human"
	LabelPersona      = "persona"
	LabelOrganization = "organization"

	kindHuman       = "human"
	kindThreadHuman = "thread_human"
	kindOrg         = "organization"
)

// blockMeta is odoo-mcp's record in a block's metadata.
type blockMeta struct {
	V        int    `json:"v"`
	Server   string `json:"server"`
	DB       string `json:"db"`
	UID      int64  `json:"uid,omitempty"`
	Kind     string `json:"kind"`
	ThreadID string `json:"thread_id,omitempty"`
}

func (m blockMeta) metadata() map[string]any {
	var v map[string]any
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &v)
	return map[string]any{metadataKey: v}
}

func decodeBlockMeta(md map[string]any) (blockMeta, bool) {
	raw, ok := md[metadataKey]
	if !ok {
		return blockMeta{}, false
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return blockMeta{}, false
	}
	var m blockMeta
	if json.Unmarshal(b, &m) != nil || m.V == 0 {
		return blockMeta{}, false
	}
	return m, true
}

// blockKind says what a block is to this server and owner ("" when it is
// not one odoo-mcp manages for them).
func (o *Orchestrator) blockKind(b *letta.Block, ow owner) string {
	m, ok := decodeBlockMeta(b.Metadata)
	if !ok || m.Server != o.opts.ServerName || m.DB != ow.DB {
		return ""
	}
	if m.Kind == kindOrg {
		return kindOrg
	}
	if m.UID != ow.UID {
		return ""
	}
	return m.Kind
}

// identityKey is the user's identity's identifier key.
func (o *Orchestrator) identityKey(ow owner) string { return o.userTag(ow) }

// userIdentity finds the user's identity, creating it when create is set
// (a concurrent creation elsewhere answers 409: look again).
func (o *Orchestrator) userIdentity(ctx context.Context, id *auth.Identity, create bool) (*letta.Identity, error) {
	ow := ownerOf(id)
	key := o.identityKey(ow)
	for range 2 {
		ids, err := o.letta.FindIdentities(ctx, key)
		if err != nil {
			return nil, lettaFailure("looking the user's identity up in Letta", err)
		}
		for i := range ids {
			if ids[i].IdentifierKey == key {
				return &ids[i], nil
			}
		}
		if !create {
			return nil, nil
		}
		name := id.Name
		if name == "" {
			name = "Odoo user " + strconv.FormatInt(ow.UID, 10)
		}
		idn, err := o.letta.CreateIdentity(ctx, letta.CreateIdentityRequest{
			IdentifierKey: key, Name: fmt.Sprintf("%s (%s)", name, ow.DB), IdentityType: "user",
		})
		if letta.IsConflict(err) {
			continue
		}
		if err != nil {
			return nil, lettaFailure("creating the user's identity in Letta", err)
		}
		return idn, nil
	}
	return nil, lettaFailure("creating the user's identity in Letta", fmt.Errorf("identity %s conflicts but cannot be found", key))
}

// sharedHuman finds the user's shared human block: through the identity,
// else (fallback) through the user's agents. With create, a missing block
// (and identity) is created, seeded with seed. It returns the identity
// too (nil when there is none and create is off).
func (o *Orchestrator) sharedHuman(ctx context.Context, id *auth.Identity, create bool, seed string) (*letta.Block, *letta.Identity, error) {
	ow := ownerOf(id)
	idn, err := o.userIdentity(ctx, id, create)
	if err != nil {
		return nil, nil, err
	}
	// Asked even when the identity lists no blocks: Letta 0.16.x answers
	// every identity with empty agent_ids and block_ids.
	if idn != nil {
		bs, err := o.letta.ListBlocks(ctx, letta.ListBlocksOptions{Label: LabelHuman, IdentityID: idn.ID})
		if err != nil {
			return nil, nil, lettaFailure("reading the user's memory in Letta", err)
		}
		if b := o.pickShared(bs, ow); b != nil {
			return b, idn, nil
		}
	}
	// Fallback: the user's agents, found by tag.
	agents, err := o.letta.ListAgents(ctx, letta.ListAgentsOptions{Tags: []string{TagManaged, o.userTag(ow)}, MatchAllTags: true})
	if err != nil {
		return nil, nil, lettaFailure("listing the user's threads in Letta", err)
	}
	var held []letta.Block
	for i := range agents {
		if _, ok := o.managedBy(&agents[i], ow, ""); ok {
			held = append(held, agents[i].Blocks...)
		}
	}
	if b := o.pickShared(held, ow); b != nil {
		// Not found through the identity: link it now.
		o.linkBlock(ctx, idn, b.ID)
		return b, idn, nil
	}
	if !create {
		return nil, idn, nil
	}
	b, err := o.letta.CreateBlock(ctx, letta.CreateBlockRequest{
		Label: LabelHuman, Value: seed, Description: "What the agent knows about this Odoo user, shared by all their threads.",
		Metadata: blockMeta{V: 1, Server: o.opts.ServerName, DB: ow.DB, UID: ow.UID, Kind: kindHuman}.metadata(),
	})
	if err != nil {
		return nil, nil, lettaFailure("creating the user's memory block", err)
	}
	o.linkBlock(ctx, idn, b.ID)
	o.log.InfoContext(ctx, "user memory created", "db", ow.DB, "uid", ow.UID, "block", b.ID)
	// Another replica may have created one at the same instant: look once
	// more, and keep the one every replica picks (ours is held by no agent
	// yet, so it can go). What this look misses, a later declaration
	// mends (convergeShared).
	if idn != nil {
		bs, err := o.letta.ListBlocks(ctx, letta.ListBlocksOptions{Label: LabelHuman, IdentityID: idn.ID})
		if err == nil {
			if w := o.pickShared(append(bs, *b), ow); w != nil && w.ID != b.ID {
				if err := o.letta.DeleteBlock(ctx, b.ID); err != nil && !letta.IsNotFound(err) {
					o.log.WarnContext(ctx, "could not delete a duplicate user memory block", "block", b.ID, "error", redact(err.Error()))
				}
				o.log.InfoContext(ctx, "user memory created elsewhere at the same time: using that one", "db", ow.DB, "uid", ow.UID, "block", w.ID)
				return w, idn, nil
			}
		}
	}
	return b, idn, nil
}

// pickShared returns the user's shared human block among bs: where a race
// between replicas left two, the one with the smallest id, so that every
// replica picks the same.
func (o *Orchestrator) pickShared(bs []letta.Block, ow owner) *letta.Block {
	var pick *letta.Block
	for i := range bs {
		if bs[i].Label == LabelHuman && o.blockKind(&bs[i], ow) == kindHuman && (pick == nil || bs[i].ID < pick.ID) {
			pick = &bs[i]
		}
	}
	return pick
}

// linkBlock adds a block to the identity's blocks (best effort: the agents'
// tags find the block anyway).
func (o *Orchestrator) linkBlock(ctx context.Context, idn *letta.Identity, blockID string) {
	if idn == nil {
		return
	}
	ids := append(slices.Clone(idn.BlockIDs), blockID)
	if _, err := o.letta.ModifyIdentity(ctx, idn.ID, letta.ModifyIdentityRequest{BlockIDs: ids}); err != nil {
		o.log.WarnContext(ctx, "could not link a memory block to the user's identity", "identity", idn.ID, "error", redact(err.Error()))
		return
	}
	idn.BlockIDs = ids
}

// orgCache remembers the organisation block of each database for a while,
// so that creating a thread does not list blocks every time.
type orgCache struct {
	mu   sync.Mutex
	byDB map[string]orgEntry
}

type orgEntry struct {
	id      string
	checked time.Time
}

// orgBlock returns the database's organisation block id ("" when none is
// configured), creating it, or bringing its text in line with the
// operator's, when needed.
func (o *Orchestrator) orgBlock(ctx context.Context, db string) (string, error) {
	text := o.opts.OrgMemory
	if text == "" {
		return "", nil
	}
	o.org.mu.Lock()
	if o.org.byDB == nil {
		o.org.byDB = map[string]orgEntry{}
	}
	e, ok := o.org.byDB[db]
	o.org.mu.Unlock()
	if ok && o.now().Sub(e.checked) < time.Minute {
		return e.id, nil
	}
	bs, err := o.letta.ListBlocks(ctx, letta.ListBlocksOptions{Label: LabelOrganization})
	if err != nil {
		return "", lettaFailure("reading the organisation memory in Letta", err)
	}
	ow := owner{DB: db}
	var found *letta.Block
	for i := range bs {
		if o.blockKind(&bs[i], ow) == kindOrg {
			found = &bs[i]
			break
		}
	}
	limit := max(utf8.RuneCountInString(text), 20000)
	switch {
	case found == nil:
		found, err = o.letta.CreateBlock(ctx, letta.CreateBlockRequest{
			Label: LabelOrganization, Value: text, Limit: limit, ReadOnly: true,
			Description: "What odoo-mcp's operator says about the organisation: facts, conventions, what not to do. Read-only.",
			Metadata:    blockMeta{V: 1, Server: o.opts.ServerName, DB: db, Kind: kindOrg}.metadata(),
		})
		if err != nil {
			return "", lettaFailure("creating the organisation memory block", err)
		}
	case found.Value != text || !found.ReadOnly:
		ro := true
		if _, err := o.letta.ModifyBlock(ctx, found.ID, letta.ModifyBlockRequest{Value: &text, ReadOnly: &ro}); err != nil {
			return "", lettaFailure("updating the organisation memory block", err)
		}
		o.refreshHolders(ctx, found.ID, "")
	}
	o.org.mu.Lock()
	o.org.byDB[db] = orgEntry{id: found.ID, checked: o.now()}
	o.org.mu.Unlock()
	return found.ID, nil
}

// newAgentMemory is what a new agent is created with: the persona block,
// and either the shared human block's id or a block of its own (a copy of
// the shared one), plus the organisation block.
func (o *Orchestrator) newAgentMemory(ctx context.Context, id *auth.Identity, threadID string, spec Spec, own bool) (blocks []letta.MemoryBlock, blockIDs, identityIDs []string, err error) {
	ow := ownerOf(id)
	blocks = []letta.MemoryBlock{{Label: LabelPersona, Value: personaOf(spec)}}
	shared, idn, err := o.sharedHuman(ctx, id, true, humanOf(spec, id))
	if err != nil {
		return nil, nil, nil, err
	}
	if idn != nil {
		identityIDs = []string{idn.ID}
	}
	if own {
		blocks = append(blocks, letta.MemoryBlock{Label: LabelHuman, Value: shared.Value, Limit: shared.Limit,
			Metadata: blockMeta{V: 1, Server: o.opts.ServerName, DB: ow.DB, UID: ow.UID, Kind: kindThreadHuman, ThreadID: threadID}.metadata()})
	} else {
		blockIDs = append(blockIDs, shared.ID)
	}
	orgID, err := o.orgBlock(ctx, ow.DB)
	if err != nil {
		return nil, nil, nil, err
	}
	if orgID != "" {
		blockIDs = append(blockIDs, orgID)
	}
	return blocks, blockIDs, identityIDs, nil
}

// syncMemory makes an existing agent's blocks match the thread's choice:
// the shared human block or one of its own, and the organisation block.
// It reports whether it changed anything.
func (o *Orchestrator) syncMemory(ctx context.Context, id *auth.Identity, a *letta.Agent, threadID string, own bool) (bool, error) {
	ow := ownerOf(id)
	changed := false
	if a.Blocks == nil { // listed without relationships: read the agent
		full, err := o.letta.GetAgent(ctx, a.ID)
		if err != nil {
			if letta.IsNotFound(err) {
				return false, errRetry
			}
			return false, lettaFailure("reading the thread's memory", err)
		}
		a = full
	}
	cur := a.Block(LabelHuman)
	kind := ""
	if cur != nil {
		kind = o.blockKind(cur, ow)
	}
	switch {
	case !own && kind == kindHuman:
		ok, err := o.convergeShared(ctx, id, a.ID, cur)
		if err != nil {
			return false, err
		}
		changed = changed || ok
	case !own && kind != kindHuman:
		shared, _, err := o.sharedHuman(ctx, id, true, o.seedFrom(cur, id))
		if err != nil {
			return false, err
		}
		if err := o.swapHuman(ctx, a.ID, cur, shared.ID); err != nil {
			return false, err
		}
		if cur != nil && kind == kindThreadHuman {
			if err := o.letta.DeleteBlock(ctx, cur.ID); err != nil && !letta.IsNotFound(err) {
				o.log.WarnContext(ctx, "could not delete a thread's own memory block", "block", cur.ID, "error", redact(err.Error()))
			}
		}
		changed = true
	case own && kind != kindThreadHuman:
		value := o.seedFrom(cur, id)
		limit := 0
		if cur != nil {
			limit = cur.Limit
		}
		b, err := o.letta.CreateBlock(ctx, letta.CreateBlockRequest{Label: LabelHuman, Value: value, Limit: limit,
			Metadata: blockMeta{V: 1, Server: o.opts.ServerName, DB: ow.DB, UID: ow.UID, Kind: kindThreadHuman, ThreadID: threadID}.metadata()})
		if err != nil {
			return false, lettaFailure("creating the thread's own memory block", err)
		}
		if err := o.swapHuman(ctx, a.ID, cur, b.ID); err != nil {
			_ = o.letta.DeleteBlock(context.WithoutCancel(ctx), b.ID)
			return false, err
		}
		changed = true
	}
	orgID, err := o.orgBlock(ctx, ow.DB)
	if err != nil {
		return changed, err
	}
	if orgID != "" && !slices.ContainsFunc(a.Blocks, func(b letta.Block) bool { return b.ID == orgID }) {
		if old := a.Block(LabelOrganization); old != nil {
			if err := o.letta.DetachBlock(ctx, a.ID, old.ID); err != nil && !letta.IsNotFound(err) {
				return changed, lettaFailure("detaching the old organisation block", err)
			}
		}
		if err := o.letta.AttachBlock(ctx, a.ID, orgID); err != nil {
			return changed, lettaFailure("attaching the organisation memory", err)
		}
		changed = true
	}
	return changed, nil
}

// seedFrom is the text a new block starts with: the agent's current human
// block, else the default.
func (o *Orchestrator) seedFrom(cur *letta.Block, id *auth.Identity) string {
	if cur != nil {
		return cur.Value
	}
	return humanOf(Spec{}, id)
}

// swapHuman detaches the agent's human block (if any) and attaches
// blockID: Letta refuses a second block of one label (409).
func (o *Orchestrator) swapHuman(ctx context.Context, agentID string, cur *letta.Block, blockID string) error {
	if cur != nil {
		if err := o.letta.DetachBlock(ctx, agentID, cur.ID); err != nil {
			if letta.IsNotFound(err) {
				return errRetry
			}
			return lettaFailure("detaching the thread's human block", err)
		}
	}
	if err := o.letta.AttachBlock(ctx, agentID, blockID); err != nil {
		if letta.IsNotFound(err) {
			return errRetry
		}
		return lettaFailure("attaching the human block", err)
	}
	return nil
}

// MemoryBlock is a block as the memory API shows it.
type MemoryBlock struct {
	Label    string `json:"label"`
	Value    string `json:"value"`
	Limit    int    `json:"limit"`
	Chars    int    `json:"chars"`
	ReadOnly bool   `json:"read_only"`
	// Shared: the user's shared human block, or the organisation's block.
	Shared bool `json:"shared"`
}

// Memory is the answer of GET /api/v1/threads/{id}/memory.
type Memory struct {
	ThreadID string        `json:"thread_id"`
	Blocks   []MemoryBlock `json:"blocks"`
}

func (o *Orchestrator) memoryBlock(b *letta.Block, ow owner) MemoryBlock {
	k := o.blockKind(b, ow)
	return MemoryBlock{Label: b.Label, Value: b.Value, Limit: b.Limit, Chars: utf8.RuneCountInString(b.Value),
		ReadOnly: b.ReadOnly || k == kindOrg, Shared: k == kindHuman || k == kindOrg}
}

// ThreadMemory returns every block of the thread's agent.
func (o *Orchestrator) ThreadMemory(ctx context.Context, id *auth.Identity, threadID string) (*Memory, error) {
	ow := ownerOf(id)
	r, err := o.findOne(ctx, id, threadID)
	if err != nil {
		return nil, err
	}
	a := r.agent
	if a.Blocks == nil { // listed without relationships: read the agent
		if a, err = o.letta.GetAgent(ctx, a.ID); err != nil {
			if letta.IsNotFound(err) {
				return nil, ErrThreadNotFound
			}
			return nil, lettaFailure("reading the thread's memory", err)
		}
	}
	m := &Memory{ThreadID: threadID, Blocks: []MemoryBlock{}}
	for i := range a.Blocks {
		m.Blocks = append(m.Blocks, o.memoryBlock(&a.Blocks[i], ow))
	}
	slices.SortFunc(m.Blocks, func(x, y MemoryBlock) int { return cmpString(x.Label, y.Label) })
	return m, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkValue refuses what Letta would take without a word: a read-only
// block (its API edits them freely) and a value over the block's limit
// (Letta 0.16.7 and later no longer check it).
func checkValue(b *letta.Block, kind, value string) error {
	if b.ReadOnly || kind == kindOrg {
		return &Error{Status: http.StatusForbidden, Code: "read_only_block",
			Message: fmt.Sprintf("the %q block is read-only: the operator sets it (--org-memory-file)", b.Label)}
	}
	if n := utf8.RuneCountInString(value); b.Limit > 0 && n > b.Limit {
		return unprocessable("value_too_long", fmt.Sprintf("the value is %d characters; the %q block holds at most %d", n, b.Label, b.Limit), nil)
	}
	return nil
}

// MemoryEdit is the body of the PATCH memory routes.
type MemoryEdit struct {
	Value *string `json:"value"`
}

func (e MemoryEdit) check() error {
	if e.Value == nil {
		return unprocessable("missing_value", `"value" is required: the block's new text (may be empty)`, nil)
	}
	return nil
}

// EditThreadMemory replaces the value of one block of the thread's agent.
func (o *Orchestrator) EditThreadMemory(ctx context.Context, id *auth.Identity, threadID, label string, e MemoryEdit) (*MemoryBlock, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	ow := ownerOf(id)
	r, err := o.findOne(ctx, id, threadID)
	if err != nil {
		return nil, err
	}
	a := r.agent
	if a.Blocks == nil {
		if a, err = o.letta.GetAgent(ctx, a.ID); err != nil {
			return nil, lettaFailure("reading the thread's memory", err)
		}
	}
	b := a.Block(label)
	if b == nil {
		labels := make([]string, 0, len(a.Blocks))
		for _, x := range a.Blocks {
			labels = append(labels, x.Label)
		}
		slices.Sort(labels)
		return nil, &Error{Status: http.StatusNotFound, Code: "block_not_found", Message: fmt.Sprintf("the thread has no %q memory block", label), Valid: labels}
	}
	return o.editBlock(ctx, b, ow, *e.Value)
}

func (o *Orchestrator) editBlock(ctx context.Context, b *letta.Block, ow owner, value string) (*MemoryBlock, error) {
	if err := checkValue(b, o.blockKind(b, ow), value); err != nil {
		return nil, err
	}
	upd, err := o.letta.ModifyBlock(ctx, b.ID, letta.ModifyBlockRequest{Value: &value})
	if err != nil {
		return nil, lettaFailure("editing the memory block", err)
	}
	o.refreshHolders(ctx, b.ID, "")
	if upd.ID == "" { // an answer without the block: show what was written
		c := *b
		c.Value = value
		upd = &c
	}
	if upd.Metadata == nil {
		upd.Metadata = maps.Clone(b.Metadata)
	}
	mb := o.memoryBlock(upd, ow)
	return &mb, nil
}

// ErrMemoryNotFound: the user has no shared memory block (yet, or any more).
var ErrMemoryNotFound = &Error{Status: http.StatusNotFound, Code: "memory_not_found", Message: "this user has no shared memory yet: it is created with their first thread"}

// UserMemory returns the user's shared human block.
func (o *Orchestrator) UserMemory(ctx context.Context, id *auth.Identity) (*MemoryBlock, error) {
	b, _, err := o.sharedHuman(ctx, id, false, "")
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, ErrMemoryNotFound
	}
	mb := o.memoryBlock(b, ownerOf(id))
	return &mb, nil
}

// EditUserMemory replaces the user's shared human block's value (creating
// the block when there is none).
func (o *Orchestrator) EditUserMemory(ctx context.Context, id *auth.Identity, e MemoryEdit) (*MemoryBlock, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	ow := ownerOf(id)
	unlock, err := o.locks.lock(ctx, "memory:"+o.userTag(ow))
	if err != nil {
		return nil, lettaFailure("waiting for the user's memory", err)
	}
	defer unlock()
	b, _, err := o.sharedHuman(ctx, id, true, *e.Value)
	if err != nil {
		return nil, err
	}
	return o.editBlock(ctx, b, ow, *e.Value)
}

// DeleteUserMemory deletes the user's shared human block (Letta detaches
// it from every thread). Idempotent.
func (o *Orchestrator) DeleteUserMemory(ctx context.Context, id *auth.Identity) error {
	ow := ownerOf(id)
	unlock, err := o.locks.lock(ctx, "memory:"+o.userTag(ow))
	if err != nil {
		return lettaFailure("waiting for the user's memory", err)
	}
	defer unlock()
	for range 3 { // a copy found through the fallback may remain: look again
		b, _, err := o.sharedHuman(ctx, id, false, "")
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
		if err := o.letta.DeleteBlock(ctx, b.ID); err != nil && !letta.IsNotFound(err) {
			return lettaFailure("deleting the user's memory block", err)
		}
		o.log.InfoContext(ctx, "user memory deleted", "db", ow.DB, "uid", ow.UID, "block", b.ID)
	}
	return nil
}

// dropOwnMemory deletes the thread's own human block once its agent is
// gone (Letta keeps an agent's blocks). The shared block is never deleted
// here.
func (o *Orchestrator) dropOwnMemory(ctx context.Context, r record) {
	ow := owner{DB: r.meta.DB, UID: r.meta.UID}
	for i := range r.agent.Blocks {
		b := &r.agent.Blocks[i]
		if o.blockKind(b, ow) != kindThreadHuman {
			continue
		}
		if err := o.letta.DeleteBlock(ctx, b.ID); err != nil && !letta.IsNotFound(err) {
			o.log.WarnContext(ctx, "could not delete a deleted thread's own memory block", "block", b.ID, "error", redact(err.Error()))
		}
	}
}

// refreshHolders recompiles the system prompts of the agents holding a
// block whose value just changed, on the Letta versions that do not
// (letta.PromptsFollowBlocks): without it, what one thread's agent learnt
// about the user, or an edit through the memory API, would not reach the
// other threads' prompts there. except names an agent Letta already
// rebuilt (its own memory tool did). Best effort: a failure is logged, the
// block holds the value anyway.
func (o *Orchestrator) refreshHolders(ctx context.Context, blockID, except string) {
	if follow, err := o.letta.PromptsFollowBlocks(ctx); err != nil || follow {
		return
	}
	ids, err := o.letta.BlockAgentIDs(ctx, blockID)
	if err != nil {
		o.log.WarnContext(ctx, "could not list the agents holding a changed memory block", "block", blockID, "error", redact(err.Error()))
		return
	}
	var g errgroup.Group
	g.SetLimit(recompilesInFlight)
	for _, id := range ids {
		if id == except {
			continue
		}
		g.Go(func() error {
			if err := o.letta.RecompileAgent(ctx, id); err != nil && !letta.IsNotFound(err) {
				o.log.WarnContext(ctx, "could not bring an agent's prompt in line with a changed memory block", "agent", id, "block", blockID, "error", redact(err.Error()))
			}
			return nil
		})
	}
	_ = g.Wait()
}

// recompilesInFlight bounds refreshHolders' requests.
const recompilesInFlight = 4

// lettaMemoryTools are Letta's own tools that edit the agent's blocks.
var lettaMemoryTools = map[string]bool{
	"core_memory_append": true, "core_memory_replace": true, "memory_insert": true, "memory_replace": true,
	"memory_rethink": true, "memory_finish_edits": true, "memory": true, "memory_apply_patch": true,
}

// afterMemoryTools runs after a turn in which the agent called one of
// Letta's memory tools: the other holders of its shared blocks get the new
// value in their prompts (refreshHolders). It is done before the turn's
// done event, so that the user's next message, in any thread, sees it;
// and without the caller's cancellation, so that a caller leaving does not
// leave other threads stale.
func (o *Orchestrator) afterMemoryTools(ctx context.Context, r *record) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	ow := owner{DB: r.meta.DB, UID: r.meta.UID}
	for i := range r.agent.Blocks {
		b := &r.agent.Blocks[i]
		if o.blockKind(b, ow) == kindHuman {
			o.refreshHolders(ctx, b.ID, r.agent.ID)
		}
	}
}

// sharedVerifiedFor is how long a replica trusts that a user's threads
// hold the one shared block it last checked (convergeShared).
const sharedVerifiedFor = 10 * time.Minute

// convergeShared mends what a race between replicas can leave: an agent
// holding a shared human block that is not the user's (two replicas each
// created one for the user's first threads). The agent is moved to the
// user's block, with what its block held that the user's does not, and
// the duplicate is deleted once no agent holds it. A declaration pays for
// the check at most once per user per sharedVerifiedFor on each replica.
func (o *Orchestrator) convergeShared(ctx context.Context, id *auth.Identity, agentID string, cur *letta.Block) (bool, error) {
	ow := ownerOf(id)
	key := o.userTag(ow)
	if v, ok := o.sharedVerified.Get(key); ok && v == cur.ID {
		return false, nil
	}
	shared, _, err := o.sharedHuman(ctx, id, false, "")
	if err != nil {
		return false, err
	}
	if shared == nil || shared.ID == cur.ID {
		if shared != nil {
			o.sharedVerified.Set(key, shared.ID, sharedVerifiedFor)
		}
		return false, nil
	}
	if cur.Value != "" && !strings.Contains(shared.Value, cur.Value) {
		merged := strings.TrimRight(shared.Value, "\n") + "\n" + cur.Value
		if shared.Limit > 0 && utf8.RuneCountInString(merged) > shared.Limit {
			o.log.WarnContext(ctx, "a duplicate user memory block does not fit in the user's: its text is dropped", "block", cur.ID, "into", shared.ID)
		} else if _, err := o.letta.ModifyBlock(ctx, shared.ID, letta.ModifyBlockRequest{Value: &merged}); err != nil {
			return false, lettaFailure("merging a duplicate user memory block", err)
		} else {
			o.refreshHolders(ctx, shared.ID, "")
		}
	}
	if err := o.swapHuman(ctx, agentID, cur, shared.ID); err != nil {
		return false, err
	}
	if holders, err := o.letta.BlockAgentIDs(ctx, cur.ID); err == nil && len(holders) == 0 {
		if err := o.letta.DeleteBlock(ctx, cur.ID); err != nil && !letta.IsNotFound(err) {
			o.log.WarnContext(ctx, "could not delete a duplicate user memory block", "block", cur.ID, "error", redact(err.Error()))
		}
	}
	o.sharedVerified.Set(key, shared.ID, sharedVerifiedFor)
	o.log.InfoContext(ctx, "thread moved to the user's memory block (a duplicate from a race between replicas)", "agent", agentID, "from", cur.ID, "to", shared.ID)
	return true, nil
}

// sharedVerifiedUsers bounds convergeShared's cache.
const sharedVerifiedUsers = 10000
