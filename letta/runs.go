package letta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Runs and steps: Letta's own usage records. A run's usage carries only
// prompt, completion and total tokens; the step count and the cached and
// reasoning tokens (NEW) come from the steps. NEW deletes an agent's runs
// with the agent.

// Run is a run (one message request) of an agent.
type Run struct {
	ID         string `json:"id"`
	AgentID    string `json:"-"` // NEW `agent_id`, OLD metadata.agent_id
	Status     string `json:"status"`
	StopReason string `json:"stop_reason"`
	CreatedAt  string `json:"created_at"`
}

// UnmarshalJSON reads NEW's agent_id and OLD's metadata.agent_id.
func (r *Run) UnmarshalJSON(b []byte) error {
	type plain Run
	var w struct {
		plain
		StopReason *string        `json:"stop_reason"`
		AgentID    *string        `json:"agent_id"`
		Metadata   map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Run(w.plain)
	r.StopReason = deref(w.StopReason)
	r.AgentID = deref(w.AgentID)
	if r.AgentID == "" {
		r.AgentID, _ = w.Metadata["agent_id"].(string)
	}
	return nil
}

// Created parses CreatedAt (Letta may omit the zone: UTC then).
func (r *Run) Created() (time.Time, bool) { return parseLettaTime(r.CreatedAt) }

func parseLettaTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Step is one model call of a run.
type Step struct {
	ID               string `json:"id"`
	AgentID          string `json:"agent_id"`
	RunID            string `json:"-"` // NEW `run_id`, OLD `job_id`
	Model            string `json:"model"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	TotalTokens      int    `json:"total_tokens"`
	CachedTokens     int    `json:"-"` // NEW cached_input_tokens, else prompt_tokens_details.cached_tokens
	ReasoningTokens  int    `json:"-"` // NEW reasoning_tokens, else completion_tokens_details.reasoning_tokens
	Feedback         string `json:"-"`
}

// UnmarshalJSON reads both versions' fields (nulls as zero).
func (s *Step) UnmarshalJSON(b []byte) error {
	var w struct {
		ID               string         `json:"id"`
		AgentID          *string        `json:"agent_id"`
		RunID            *string        `json:"run_id"`
		JobID            *string        `json:"job_id"`
		Model            *string        `json:"model"`
		ModelHandle      *string        `json:"model_handle"`
		PromptTokens     *int           `json:"prompt_tokens"`
		CompletionTokens *int           `json:"completion_tokens"`
		TotalTokens      *int           `json:"total_tokens"`
		Cached           *int           `json:"cached_input_tokens"`
		Reasoning        *int           `json:"reasoning_tokens"`
		PromptDetails    map[string]any `json:"prompt_tokens_details"`
		CompDetails      map[string]any `json:"completion_tokens_details"`
		Feedback         *string        `json:"feedback"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	iv := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	num := func(m map[string]any, k string) int {
		f, _ := m[k].(float64)
		return int(f)
	}
	*s = Step{ID: w.ID, AgentID: deref(w.AgentID), RunID: deref(w.RunID), Model: deref(w.ModelHandle),
		PromptTokens: iv(w.PromptTokens), CompletionTokens: iv(w.CompletionTokens), TotalTokens: iv(w.TotalTokens),
		CachedTokens: iv(w.Cached), ReasoningTokens: iv(w.Reasoning), Feedback: deref(w.Feedback)}
	if s.RunID == "" {
		s.RunID = deref(w.JobID)
	}
	if s.Model == "" {
		s.Model = deref(w.Model)
	}
	if s.CachedTokens == 0 {
		s.CachedTokens = num(w.PromptDetails, "cached_tokens")
	}
	if s.ReasoningTokens == 0 {
		s.ReasoningTokens = num(w.CompDetails, "reasoning_tokens")
	}
	return nil
}

// ListRuns lists an agent's runs (GET /v1/runs/?agent_ids=…), every page.
func (c *Client) ListRuns(ctx context.Context, agentID string) ([]Run, error) {
	q := url.Values{"agent_ids": {agentID}}
	return listAll(ctx, c, "/v1/runs/", q, 100, func(r Run) string { return r.ID })
}

// ListSteps lists an agent's steps (GET /v1/steps/?agent_id=…), every page.
// Only OLD can (see StepsListedByAgent).
func (c *Client) ListSteps(ctx context.Context, agentID string) ([]Step, error) {
	q := url.Values{"agent_id": {agentID}, "order": {"asc"}}
	return listAll(ctx, c, "/v1/steps/", q, 100, func(s Step) string { return s.ID })
}

// StepsListedByAgent tells whether GET /v1/steps/ works on this server.
// From 0.12 to 0.16.8 it answers 400 to every request: the router hands
// the step manager order=(order == "asc"), a bool, where the manager's
// type check wants a string ("Argument order does not match type
// typing.Optional[str]"). There, a run's steps are read from the run
// (ListRunSteps).
func (c *Client) StepsListedByAgent(ctx context.Context) (bool, error) {
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return false, err
	}
	return !v.AtLeast(0, 12, 0), nil
}

// runStepsPage is larger than any run's steps in practice (a run stops at
// the agent's max steps), so one request usually reads them all.
const runStepsPage = 500

// ListRunSteps lists a run's steps (GET /v1/runs/{id}/steps), oldest first.
func (c *Client) ListRunSteps(ctx context.Context, runID string) ([]Step, error) {
	path := escapedPath("/v1/runs/%s/steps", runID)
	q := url.Values{"order": {"asc"}, "limit": {strconv.Itoa(runStepsPage)}}
	var steps []Step
	if err := c.do(ctx, http.MethodGet, path, q, nil, &steps); err != nil {
		return nil, err
	}
	if len(steps) < runStepsPage {
		return steps, nil
	}
	return listAll(ctx, c, path, url.Values{"order": {"asc"}}, runStepsPage, func(s Step) string { return s.ID })
}

// Finished tells whether a run has ended (its steps no longer change).
func (r *Run) Finished() bool {
	switch r.Status {
	case "completed", "failed", "cancelled", "expired":
		return true
	}
	return false
}

// SetStepFeedback stores "positive" or "negative" on a step. NEW reads it
// from the body, the 0.11.7 tag from the query (and ignores the body):
// both are sent, so one request serves either.
func (c *Client) SetStepFeedback(ctx context.Context, stepID, feedback string) error {
	q := url.Values{}
	v, err := c.DetectVersion(ctx)
	if err != nil {
		return err
	}
	if !v.AtLeast(0, 12, 0) {
		q.Set("feedback", feedback)
	}
	return c.do(ctx, http.MethodPatch, escapedPath("/v1/steps/%s/feedback", stepID), q, map[string]any{"feedback": feedback}, nil)
}

// ContextWindow is the part of GET /v1/agents/{id}/context odoo-mcp shows.
type ContextWindow struct {
	Max     int `json:"context_window_size_max"`
	Current int `json:"context_window_size_current"`
}

// GetContextWindow returns how full the agent's context window is.
func (c *Client) GetContextWindow(ctx context.Context, agentID string) (*ContextWindow, error) {
	return doInto[ContextWindow](ctx, c, http.MethodGet, escapedPath("/v1/agents/%s/context", agentID), nil, nil)
}

// GetStep returns one step (404: IsNotFound).
func (c *Client) GetStep(ctx context.Context, stepID string) (*Step, error) {
	return doInto[Step](ctx, c, http.MethodGet, escapedPath("/v1/steps/%s", stepID), nil, nil)
}
