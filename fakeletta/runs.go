package fakeletta

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Runs and steps: every message request is a run; every agent step (one
// model call) a step with its token counts. NEW deletes an agent's runs and
// steps with the agent; OLD keeps them (its jobs are not tied to the agent
// row). Usage per run (GET /v1/runs/{id}/usage) carries only prompt,
// completion and total tokens; cached and reasoning tokens (NEW) and the
// step count come from the steps.

// fakeCachedTokens is what the scripted model reports as cached prompt
// tokens per step on NEW (OLD reports none).
const fakeCachedTokens = 1024

type runRec struct {
	ID, AgentID, Status, StopReason string
	created, completed              time.Time
	seq                             int64
}

type stepRec struct {
	ID, AgentID, RunID, Model, Feedback string
	Prompt, Completion, Cached          int
	created                             time.Time
	seq                                 int64
}

func (s *Server) startRun(agentID, runID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &runRec{ID: runID, AgentID: agentID, Status: "running"}
	r.seq, r.created = s.nextSeq()
	s.runs[runID] = r
}

func (s *Server) endRun(runID, stop string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.runs[runID]; r != nil {
		r.Status, r.StopReason, r.completed = "completed", stop, s.now().UTC()
		if stop == "cancelled" {
			r.Status = "cancelled"
		}
	}
}

// addStep records one step; it returns the cached tokens it reported.
func (s *Server) addStep(agentID, runID, stepID string, prompt, completion int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	model := ""
	if a := s.agents[agentID]; a != nil {
		model = a.Model
	}
	st := &stepRec{ID: stepID, AgentID: agentID, RunID: runID, Model: model, Prompt: prompt, Completion: completion}
	if s.isNew {
		st.Cached = fakeCachedTokens
	}
	st.seq, st.created = s.nextSeq()
	s.steps[stepID] = st
	return st.Cached
}

// dropRuns forgets an agent's runs and steps (NEW, on agent deletion);
// callers hold s.mu.
func (s *Server) dropRuns(agentID string) {
	if !s.isNew {
		return
	}
	for id, r := range s.runs {
		if r.AgentID == agentID {
			delete(s.runs, id)
		}
	}
	for id, st := range s.steps {
		if st.AgentID == agentID {
			delete(s.steps, id)
		}
	}
}

func (s *Server) runJSON(r *runRec) map[string]any {
	var completed any
	if !r.completed.IsZero() {
		completed = isoMicros(r.completed)
	}
	m := map[string]any{
		"id": r.ID, "status": r.Status, "created_at": isoMicros(r.created), "completed_at": completed,
		"stop_reason": nilIfEmpty(r.StopReason), "metadata": map[string]any{}, "request_config": nil,
		"callback_url": nil, "callback_sent_at": nil, "callback_status_code": nil, "callback_error": nil,
		"ttft_ns": nil, "total_duration_ns": nil,
	}
	if s.isNew {
		m["agent_id"] = r.AgentID
		m["background"] = false
		m["conversation_id"] = nil
		m["base_template_id"] = nil
	} else {
		m["created_by_id"], m["last_updated_by_id"] = defaultUserID, defaultUserID
		m["updated_at"] = completed
		m["job_type"] = "run"
		m["metadata"] = map[string]any{"agent_id": r.AgentID}
	}
	return m
}

func (s *Server) stepJSON(st *stepRec) map[string]any {
	m := map[string]any{
		"id": st.ID, "origin": nil, "provider_id": nil, "agent_id": st.AgentID, "provider_name": "openai",
		"provider_category": "base", "model": st.Model, "model_endpoint": nil, "context_window_limit": 128000,
		"completion_tokens": st.Completion, "prompt_tokens": st.Prompt, "total_tokens": st.Prompt + st.Completion,
		"completion_tokens_details": nil, "stop_reason": nil, "tags": []any{}, "tid": nil, "trace_id": nil,
		"messages": []any{}, "feedback": nilIfEmpty(st.Feedback), "project_id": nil, "error_type": nil,
		"error_data": nil, "status": "success",
	}
	if s.isNew {
		m["run_id"] = st.RunID
		m["model_handle"] = st.Model
		m["cached_input_tokens"] = st.Cached
		m["cache_write_tokens"] = nil
		m["reasoning_tokens"] = 0
		m["prompt_tokens_details"] = nil
		m["request_id"] = nil
	} else {
		m["job_id"] = st.RunID
	}
	return m
}

// listRuns serves GET /v1/runs/ (filter agent_ids; NEW also agent_id).
func (c *reqCtx) listRuns() {
	q := c.r.URL.Query()
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	agents := q["agent_ids"]
	if v := q.Get("agent_id"); v != "" {
		agents = append(agents, v)
	}
	c.s.mu.Lock()
	var all []*runRec
	for _, r := range c.s.runs {
		if len(agents) == 0 || slices.Contains(agents, r.AgentID) {
			all = append(all, r)
		}
	}
	slices.SortFunc(all, func(a, b *runRec) int { return int(a.seq - b.seq) })
	all = pageAfter(all, func(x *runRec) string { return x.ID }, q.Get("after"), limit)
	writeListLocked(c, all, c.s.runJSON)
}

// listSteps serves GET /v1/steps/ (filters agent_id, start_date, end_date).
// NEW answers every such request 400, as 0.16.x does: its router hands the
// step manager order=(order == "asc"), a bool, which the manager's type
// check refuses (read a run's steps from GET /v1/runs/{run_id}/steps).
func (c *reqCtx) listSteps() {
	q := c.r.URL.Query()
	if c.s.isNew {
		asc := "False"
		if q.Get("order") == "asc" {
			asc = "True"
		}
		c.detail(http.StatusBadRequest, "Argument order does not match type typing.Optional[str]; is "+asc+" of type <class 'bool'>")
		return
	}
	limit, ok := c.queryInt("limit", 50)
	if !ok {
		return
	}
	var start, end time.Time
	for name, p := range map[string]*time.Time{"start_date": &start, "end_date": &end} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				c.detail(http.StatusBadRequest, fmt.Sprintf("Invalid %s: %s", name, v))
				return
			}
			*p = t
		}
	}
	c.s.mu.Lock()
	var all []*stepRec
	for _, st := range c.s.steps {
		if (q.Get("agent_id") == "" || st.AgentID == q.Get("agent_id")) &&
			(start.IsZero() || !st.created.Before(start)) && (end.IsZero() || st.created.Before(end)) {
			all = append(all, st)
		}
	}
	slices.SortFunc(all, func(a, b *stepRec) int { return int(a.seq - b.seq) })
	all = pageAfter(all, func(x *stepRec) string { return x.ID }, q.Get("after"), limit)
	writeListLocked(c, all, c.s.stepJSON)
}

// listRunSteps serves GET /v1/runs/{run_id}/steps (both versions; order
// desc by default, limit 100, after a step id).
func (c *reqCtx) listRunSteps() {
	q := c.r.URL.Query()
	limit, ok := c.queryInt("limit", 100)
	if !ok {
		return
	}
	runID := c.params["run_id"]
	c.s.mu.Lock()
	if c.s.runs[runID] == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, "Run with id "+runID+" not found")
		return
	}
	var all []*stepRec
	for _, st := range c.s.steps {
		if st.RunID == runID {
			all = append(all, st)
		}
	}
	slices.SortFunc(all, func(a, b *stepRec) int { return int(a.seq - b.seq) })
	if q.Get("order") != "asc" {
		slices.Reverse(all)
	}
	all = pageAfter(all, func(x *stepRec) string { return x.ID }, q.Get("after"), limit)
	writeListLocked(c, all, c.s.stepJSON)
}

// stepFeedback serves PATCH /v1/steps/{step_id}/feedback: NEW reads the
// body ({"feedback": "positive"|"negative"}), the 0.11.7 tag a query
// parameter of the same name (its body is ignored).
func (c *reqCtx) stepFeedback() {
	var fb *string
	if c.s.isNew {
		f := c.decodeBody()
		if f == nil {
			return
		}
		fb = f.str("feedback")
		if c.failed(f) {
			return
		}
	} else if v := c.r.URL.Query().Get("feedback"); v != "" {
		fb = &v
	}
	if fb != nil && *fb != "positive" && *fb != "negative" {
		c.s.validationFailed(c.w, []ValidationIssue{{Type: "enum", Loc: []any{"body", "feedback"}, Msg: "Input should be 'positive' or 'negative'", Input: *fb}})
		return
	}
	c.s.mu.Lock()
	st := c.s.steps[c.params["step_id"]]
	if st == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, fmt.Sprintf("Step with id %s not found", c.params["step_id"]))
		return
	}
	st.Feedback = ""
	if fb != nil {
		st.Feedback = *fb
	}
	out := c.s.stepJSON(st)
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// StepFeedback returns a step's stored feedback ("" when none).
func (s *Server) StepFeedback(stepID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.steps[stepID]; st != nil {
		return st.Feedback
	}
	return ""
}

// contextWindow serves GET /v1/agents/{agent_id}/context (the fields
// odoo-mcp reads; the scripted model counts 4 characters a token).
func (c *reqCtx) contextWindow() {
	if !c.checkAgentID(false) {
		return
	}
	c.s.mu.Lock()
	a := c.s.agents[c.params["agent_id"]]
	if a == nil {
		c.s.mu.Unlock()
		c.detail(http.StatusNotFound, agentNotFound(c.params["agent_id"]))
		return
	}
	chars := len(a.System)
	for _, b := range a.Blocks {
		chars += len(b.Value)
	}
	for _, m := range a.Messages {
		chars += len(m.Text) + len(m.ToolArgs)
	}
	max := 128000
	if n, ok := pyNumber(a.LLMConfig["context_window"]); ok {
		max = int(n)
	}
	out := map[string]any{
		"context_window_size_max": max, "context_window_size_current": chars / 4, "num_messages": len(a.Messages),
		"num_archival_memory": 0, "num_recall_memory": len(a.Messages), "num_tokens_external_memory_summary": 0,
		"external_memory_summary": "", "num_tokens_system": len(a.System) / 4, "system_prompt": a.System,
		"num_tokens_core_memory": 0, "core_memory": "", "num_tokens_summary_memory": 0, "summary_memory": nil,
		"num_tokens_functions_definitions": 0, "functions_definitions": nil, "num_tokens_messages": 0, "messages": []any{},
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}

// getStep serves GET /v1/steps/{step_id}.
func (c *reqCtx) getStep() {
	c.s.mu.Lock()
	st := c.s.steps[c.params["step_id"]]
	var out map[string]any
	if st != nil {
		out = c.s.stepJSON(st)
	}
	c.s.mu.Unlock()
	if st == nil {
		c.detail(http.StatusNotFound, fmt.Sprintf("Step with id %s not found", c.params["step_id"]))
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}
