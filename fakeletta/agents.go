package fakeletta

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// blockRec is one core-memory block of an agent.
type blockRec struct {
	ID          string
	Label       string
	Value       string
	Description string
	Limit       int
	ReadOnly    bool
	Metadata    map[string]any
	seq         int64
}

// envVar is one agent environment variable (OLD tool_exec_environment_variables,
// NEW secrets: the same table).
type envVar struct {
	ID, Key, Value string
}

// agentRec is one agent.
type agentRec struct {
	ID              string
	Name            string
	System          string
	AgentType       string
	Description     string
	Tags            []string
	Metadata        map[string]any
	Model           string
	Embedding       string
	LLMConfig       map[string]any
	EmbeddingConfig map[string]any
	Blocks          []*blockRec
	ToolIDs         []string
	Env             []envVar
	Messages        []*historyMsg
	LastStopReason  string
	// ApprovalTools are the tools with a requires_approval rule (PATCH
	// …/tools/approval/{tool_name}); Pending is the run paused on an
	// approval request, if any.
	ApprovalTools []string
	Pending       *pendingRun
	// Prompt is the agent's blocks as its compiled system prompt holds
	// them (prompt.go).
	Prompt  []PromptBlock
	seq     int64
	created time.Time
	updated time.Time
}

const defaultSystemPrompt = "You are Letta, the latest version of Limnal Corporation's digital companion, developed in 2025.\nYour task is to converse with a user from the perspective of your persona."

var (
	oldAgentName = regexp.MustCompile(`^[A-Za-z0-9 _-]+$`)
	newAgentName = regexp.MustCompile(`^[\p{L}\p{N}_ '\-\p{M}]+$`)
	nameWords1   = []string{"Brave", "Calm", "Clever", "Curious", "Gentle", "Happy", "Lucky", "Quiet", "Swift", "Witty"}
	nameWords2   = []string{"Otter", "Falcon", "Panda", "Koala", "Lynx", "Heron", "Badger", "Dolphin", "Fox", "Owl"}
)

// randomAgentName is the kind of name Letta gives an agent created without one.
func randomAgentName() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return nameWords1[int(b[0])%len(nameWords1)] + nameWords2[int(b[1])%len(nameWords2)]
}

func (s *Server) agentTypes() []string {
	types := []string{"memgpt_agent", "memgpt_v2_agent", "react_agent", "workflow_agent", "split_thread_agent", "sleeptime_agent", "voice_convo_agent", "voice_sleeptime_agent"}
	if s.isNew {
		types = append(types, "letta_v1_agent")
	}
	return types
}

// envMap returns the agent's variables as the {key: value} map used to
// resolve header templates on tool calls.
func (a *agentRec) envMap() map[string]string {
	m := make(map[string]string, len(a.Env))
	for _, e := range a.Env {
		m[e.Key] = e.Value
	}
	return m
}

// storedEnv is what Letta keeps of an agent's variables. NEW without
// LETTA_ENCRYPTION_KEY (a self-hosted default) stores them as given but reads
// back as empty, on every read and at tool execution, any value Python's
// lenient base64 decodes to 45 bytes or more: it takes it for its own
// ciphertext (crypto_utils.is_encrypted; seen on real 0.16.6 with one
// thread token in four).
func (s *Server) storedEnv(vars map[string]string) []envVar {
	env := newEnv(vars)
	if s.isNew {
		for i := range env {
			if looksLikeLettaCiphertext(env[i].Value) {
				env[i].Value = ""
			}
		}
	}
	return env
}

// looksLikeLettaCiphertext ports Letta 0.16's CryptoUtils.is_encrypted.
func looksLikeLettaCiphertext(v string) bool {
	for _, p := range []string{"sk-", "pk-", "api-", "key-", "token-", "Bearer ", "xoxb-", "xoxp-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "AKIA", "ABIA", "ACCA", "ASIA"} {
		if strings.HasPrefix(v, p) {
			return false
		}
	}
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			n++
		}
	}
	return n%4 == 0 && n/4*3 >= 45
}

func newEnv(vars map[string]string) []envVar {
	keys := sortedKeys(vars)
	out := make([]envVar, 0, len(keys))
	for _, k := range keys {
		out = append(out, envVar{ID: newID("agent-env"), Key: k, Value: vars[k]})
	}
	return out
}

// checkAgentID applies NEW's path pattern (422) and OLD's GET-only format
// check (400); it returns false after answering.
func (c *reqCtx) checkAgentID(oldFormatCheck bool) bool {
	id := c.params["agent_id"]
	if agentIDPattern.MatchString(id) {
		return true
	}
	if c.s.isNew {
		c.s.validationFailed(c.w, []ValidationIssue{pathIDIssue("agent_id", id)})
		return false
	}
	if oldFormatCheck {
		c.detail(http.StatusBadRequest, fmt.Sprintf("agent_id %s is not in the valid format 'agent-<uuid4>'", id))
		return false
	}
	return true
}

func agentNotFound(id string) string { return fmt.Sprintf("Agent with ID %s not found", id) }

// envFromBody picks the variables of a create/update body: NEW prefers
// secrets and falls back to tool_exec_environment_variables; OLD only knows
// the latter (secrets is ignored like any unknown field).
func (s *Server) envFromBody(f *fields) (map[string]string, bool) {
	if s.isNew {
		if m, present := f.strMap("secrets"); present && m != nil {
			return m, true
		}
	}
	m, present := f.strMap("tool_exec_environment_variables")
	return m, present && m != nil
}

// createAgent serves POST /v1/agents/.
func (c *reqCtx) createAgent() {
	f := c.decodeBody()
	if f == nil {
		return
	}
	s := c.s
	name := f.str("name")
	system := f.str("system")
	agentType := f.str("agent_type")
	description := f.str("description")
	model, embedding := f.str("model"), f.str("embedding")
	llmCfg, _ := f.object("llm_config")
	embCfg, _ := f.object("embedding_config")
	tags, _ := f.strList("tags")
	toolIDs, _ := f.strList("tool_ids")
	toolNames, _ := f.strList("tools")
	metadata, _ := f.object("metadata")
	includeBase := f.boolean("include_base_tools", true)
	env, _ := s.envFromBody(f)
	blockIDs, _ := f.strList("block_ids")
	identityIDs, _ := f.strList("identity_ids")
	var blocks []*blockRec
	if raw, ok := f.m["memory_blocks"].([]any); ok {
		for i, item := range raw {
			bm, ok := item.(map[string]any)
			if !ok {
				f.add("model_attributes_type", append(f.at("memory_blocks"), i), "Input should be a valid dictionary or object to extract fields from", item)
				continue
			}
			bf := &fields{m: bm, loc: append(f.at("memory_blocks"), i)}
			b := s.parseBlock(bf, bm)
			f.issues = append(f.issues, bf.issues...)
			blocks = append(blocks, b)
		}
	}
	if agentType != nil && !slices.Contains(s.agentTypes(), *agentType) {
		f.add("enum", f.at("agent_type"), "Input should be "+strings.Join(quoteAll(s.agentTypes()), ", "), *agentType)
	}
	if name != nil && *name != "" && !s.isNew && !oldAgentName.MatchString(*name) {
		f.issues = append(f.issues, valueError(f.at("name"), "Name contains invalid characters.", *name))
	}
	if c.failed(f) {
		return
	}
	if name != nil && *name != "" && s.isNew && !newAgentName.MatchString(*name) {
		c.detail(http.StatusInternalServerError, fmt.Sprintf("Agent name '%s' contains invalid characters. Only letters (any language), digits, spaces, hyphens, underscores, and apostrophes are allowed. Please avoid filesystem-unsafe characters like: / \\ : * ? \" < > |", *name))
		return
	}
	// OLD wraps every creation error as 500 {"detail": "<text>"}.
	fail := func(newStatus int, msg string) {
		if s.isNew {
			c.detail(newStatus, msg)
		} else {
			c.detail(http.StatusInternalServerError, msg)
		}
	}

	a := &agentRec{ID: newID("agent"), System: defaultSystemPrompt, AgentType: "memgpt_v2_agent", Tags: tags, Metadata: metadata}
	if s.isNew {
		a.AgentType = "letta_v1_agent"
	}
	if agentType != nil {
		a.AgentType = *agentType
	}
	if name != nil && *name != "" {
		a.Name = *name
	} else {
		a.Name = randomAgentName()
	}
	if system != nil {
		a.System = *system
	}
	if description != nil {
		a.Description = *description
	}
	switch {
	case model != nil:
		if !knownHandle(s.opts.Models, *model) {
			fail(http.StatusNotFound, handleNotFound(*model, s.opts.Models))
			return
		}
		a.Model, a.LLMConfig = *model, s.llmConfigFor(*model)
	case llmCfg != nil:
		a.LLMConfig = llmCfg
		if h, ok := llmCfg["handle"].(string); ok {
			a.Model = h
		}
	default:
		fail(http.StatusBadRequest, "Must specify either model or llm_config in request")
		return
	}
	switch {
	case embedding != nil:
		if !knownHandle(s.opts.EmbeddingModels, *embedding) {
			fail(http.StatusNotFound, handleNotFound(*embedding, s.opts.EmbeddingModels))
			return
		}
		a.Embedding, a.EmbeddingConfig = *embedding, embeddingConfig(*embedding)
	case embCfg != nil:
		a.EmbeddingConfig = embCfg
		if h, ok := embCfg["handle"].(string); ok {
			a.Embedding = h
		}
	case !s.isNew:
		fail(http.StatusBadRequest, "Must specify either embedding or embedding_config in request")
		return
	}

	s.mu.Lock()
	var missingIDs, missingNames []string
	ids := []string{}
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range toolIDs {
		if _, ok := s.tools[id]; ok {
			add(id)
		} else {
			missingIDs = append(missingIDs, id)
		}
	}
	wanted := append([]string{}, toolNames...)
	if includeBase {
		wanted = append(wanted, baseToolNames(a.AgentType)...)
	}
	for _, n := range wanted {
		if t := s.toolByName(n); t != nil {
			add(t.ID)
		} else if slices.Contains(toolNames, n) {
			missingNames = append(missingNames, n)
		}
	}
	var missingBlocks, missingIdentities []string
	for _, id := range blockIDs {
		if s.blocks[id] == nil {
			missingBlocks = append(missingBlocks, id)
		}
	}
	for _, id := range identityIDs {
		if s.identities[id] == nil {
			missingIdentities = append(missingIdentities, id)
		}
	}
	if len(missingBlocks) > 0 || len(missingIdentities) > 0 {
		s.mu.Unlock()
		if len(missingBlocks) > 0 {
			fail(http.StatusNotFound, "Blocks not found: "+pyRepr(missingBlocks))
		} else {
			fail(http.StatusNotFound, "Identities not found: "+pyRepr(missingIdentities))
		}
		return
	}
	if len(missingNames) > 0 || len(missingIDs) > 0 {
		s.mu.Unlock()
		if len(missingNames) > 0 {
			fail(http.StatusBadRequest, "Tools not found by name: "+pyRepr(missingNames))
		} else {
			fail(http.StatusBadRequest, "Tools not found by id:   "+pyRepr(missingIDs))
		}
		return
	}
	a.ToolIDs = ids
	a.Blocks, _ = s.agentBlocks(blockIDs, blocks)
	s.compilePrompt(a)
	for _, id := range identityIDs {
		idn := s.identities[id]
		idn.AgentIDs = append(idn.AgentIDs, a.ID)
	}
	a.Env = s.storedEnv(env)
	a.seq, a.created = s.nextSeq()
	a.updated = a.created
	s.agents[a.ID] = a
	out := s.agentJSON(a, allRelations)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// llmConfigFor is the LLMConfig of a handle in the version's shape.
func (s *Server) llmConfigFor(handle string) map[string]any {
	cfg := llmConfig(handle)
	if s.isNew {
		cfg["strict"] = false
		cfg["return_logprobs"] = false
		cfg["top_logprobs"] = nil
		cfg["return_token_ids"] = false
		cfg["effort"] = nil
		cfg["parallel_tool_calls"] = false
		cfg["response_format"] = nil
		cfg["tool_call_parser"] = nil
	} else {
		delete(cfg, "display_name")
	}
	return cfg
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "'" + s + "'"
	}
	if len(out) > 1 {
		out[len(out)-1] = "or " + out[len(out)-1]
	}
	return out
}

// getAgent serves GET /v1/agents/{agent_id}.
func (c *reqCtx) getAgent() {
	if !c.checkAgentID(true) {
		return
	}
	id := c.params["agent_id"]
	rel := c.relations()
	c.s.mu.Lock()
	a := c.s.agents[id]
	var out map[string]any
	if a != nil {
		out = c.s.agentJSON(a, rel)
	}
	c.s.mu.Unlock()
	if a == nil {
		c.detail(http.StatusNotFound, agentNotFound(id))
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// listAgents serves GET /v1/agents/ (bare array, cursor paging).
func (c *reqCtx) listAgents() {
	q := c.r.URL.Query()
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	matchAll, ok := c.queryBool("match_all_tags", false)
	if !ok {
		return
	}
	ascending, ok := c.queryBool("ascending", false)
	if !ok {
		return
	}
	if c.s.isNew {
		switch q.Get("order") {
		case "asc":
			ascending = true
		case "desc":
			ascending = false
		}
	}
	tags := q["tags"]
	rel := c.relations()
	c.s.mu.Lock()
	var list []*agentRec
	for _, a := range c.s.agents {
		if q.Has("name") && a.Name != q.Get("name") {
			continue
		}
		if qt := q.Get("query_text"); qt != "" && !strings.Contains(strings.ToLower(a.Name), strings.ToLower(qt)) {
			continue
		}
		if len(tags) > 0 && !tagsMatch(a.Tags, tags, matchAll) {
			continue
		}
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		if ascending {
			return list[i].seq < list[j].seq
		}
		return list[i].seq > list[j].seq
	})
	after, before := c.s.agents[q.Get("after")], c.s.agents[q.Get("before")]
	var page []*agentRec
	for _, a := range list {
		if after != nil && ((ascending && a.seq <= after.seq) || (!ascending && a.seq >= after.seq)) {
			continue
		}
		if before != nil && ((ascending && a.seq >= before.seq) || (!ascending && a.seq <= before.seq)) {
			continue
		}
		page = append(page, a)
	}
	if limit >= 0 && len(page) > limit {
		page = page[:limit]
	}
	out := make([]any, len(page))
	for i, a := range page {
		out[i] = c.s.agentJSON(a, rel)
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

func tagsMatch(have, want []string, all bool) bool {
	for _, t := range want {
		found := slices.Contains(have, t)
		if all && !found {
			return false
		}
		if !all && found {
			return true
		}
	}
	return all
}

// modifyAgent serves PATCH /v1/agents/{agent_id}.
func (c *reqCtx) modifyAgent() {
	if !c.checkAgentID(false) {
		return
	}
	f := c.decodeBody()
	if f == nil {
		return
	}
	s := c.s
	id := c.params["agent_id"]
	name, system, description := f.str("name"), f.str("system"), f.str("description")
	model, embedding := f.str("model"), f.str("embedding")
	tags, hasTags := f.strList("tags")
	toolIDs, hasToolIDs := f.strList("tool_ids")
	metadata, hasMetadata := f.object("metadata")
	env, hasEnv := s.envFromBody(f)
	if c.failed(f) {
		return
	}
	if model != nil && !knownHandle(s.opts.Models, *model) {
		if s.isNew {
			c.detail(http.StatusNotFound, handleNotFound(*model, s.opts.Models))
		} else {
			s.internalError(c.w)
		}
		return
	}
	if embedding != nil && !knownHandle(s.opts.EmbeddingModels, *embedding) {
		if s.isNew {
			c.detail(http.StatusNotFound, handleNotFound(*embedding, s.opts.EmbeddingModels))
		} else {
			s.internalError(c.w)
		}
		return
	}
	s.mu.Lock()
	a := s.agents[id]
	if a == nil {
		s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(id))
		return
	}
	if hasToolIDs && toolIDs != nil {
		var missing []string
		for _, tid := range toolIDs {
			if _, ok := s.tools[tid]; !ok {
				missing = append(missing, tid)
			}
		}
		if len(missing) > 0 {
			s.mu.Unlock()
			c.detail(http.StatusNotFound, fmt.Sprintf("Tools with ids=%s not found in organization=%s", pyRepr(missing), defaultOrgID))
			return
		}
		a.ToolIDs = slices.Compact(append([]string{}, toolIDs...))
	}
	if name != nil {
		a.Name = *name
	}
	if system != nil {
		a.System = *system
	}
	if description != nil {
		a.Description = *description
	}
	if model != nil {
		a.Model, a.LLMConfig = *model, s.llmConfigFor(*model)
	}
	if embedding != nil {
		a.Embedding, a.EmbeddingConfig = *embedding, embeddingConfig(*embedding)
	}
	if hasTags && tags != nil {
		a.Tags = tags
	}
	if hasMetadata && metadata != nil {
		a.Metadata = metadata
	}
	if hasEnv {
		a.Env = s.storedEnv(env)
	}
	a.updated = s.now().UTC()
	out := s.agentJSON(a, allRelations)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// deleteAgent serves DELETE /v1/agents/{agent_id}.
func (c *reqCtx) deleteAgent() {
	if !c.checkAgentID(false) {
		return
	}
	id := c.params["agent_id"]
	c.s.mu.Lock()
	_, ok := c.s.agents[id]
	delete(c.s.agents, id)
	c.s.dropRuns(id)
	for _, idn := range c.s.identities {
		idn.AgentIDs = slices.DeleteFunc(idn.AgentIDs, func(x string) bool { return x == id })
	}
	c.s.mu.Unlock()
	if !ok {
		if c.s.isNew {
			c.detail(http.StatusNotFound, agentNotFound(id))
		} else {
			c.detail(http.StatusNotFound, fmt.Sprintf("Agent agent_id=%s not found for user_id=%s.", id, defaultUserID))
		}
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"message": fmt.Sprintf("Agent id=%s successfully deleted", id)})
}
