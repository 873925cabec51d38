package threads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// Usage, from Letta's own records so that every replica gives the same
// answer: runs (one per message request; their creation time gives the
// day) and steps (one per model call: tokens, cached and reasoning tokens,
// model). A deleted thread's totals are folded, per day and model, into a
// property of the user's identity before its agent is deleted (Letta
// 0.16.8 deletes an agent's runs with it); they count on, marked deleted.

// UsageMetrics is what metrics.Metrics offers for per-model counters
// (optional: Options.Metrics may implement it).
type UsageMetrics interface {
	TurnUsage(model string, prompt, completion, cached, reasoning int)
}

// deletedUsageKey is the identity property holding deleted threads' usage.
const deletedUsageKey = "odoo_mcp_deleted_usage"

// Totals are token and request counts.
type Totals struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	CachedTokens     int `json:"cached_tokens"`
	ReasoningTokens  int `json:"reasoning_tokens"`
	Steps            int `json:"steps"`
	Runs             int `json:"runs"`
}

func (t *Totals) add(u Totals) {
	t.PromptTokens += u.PromptTokens
	t.CompletionTokens += u.CompletionTokens
	t.TotalTokens += u.TotalTokens
	t.CachedTokens += u.CachedTokens
	t.ReasoningTokens += u.ReasoningTokens
	t.Steps += u.Steps
	t.Runs += u.Runs
}

// usageRow is one run's (or, folded, one day and model's) usage.
type usageRow struct {
	DB       string    `json:"db,omitempty"`
	UID      int64     `json:"uid,omitempty"`
	ThreadID string    `json:"thread_id"`
	Model    string    `json:"model"`
	Day      string    `json:"day"` // YYYY-MM-DD, UTC
	Time     time.Time `json:"-"`
	Deleted  bool      `json:"-"`
	Totals
}

// UsageGroup is one line of a usage report.
type UsageGroup struct {
	Key     string `json:"key"`
	Deleted bool   `json:"deleted,omitempty"` // group_by=thread: the thread was deleted
	Totals
}

// UsageReport is the answer of GET /api/v1/usage.
type UsageReport struct {
	From    string       `json:"from,omitempty"`
	To      string       `json:"to,omitempty"`
	GroupBy string       `json:"group_by"`
	Totals  Totals       `json:"totals"`
	Groups  []UsageGroup `json:"groups"`
}

// UsageQuery selects a report: [From, To) by run creation time (zero:
// open), grouped by thread, model, day (or user, for the operator).
type UsageQuery struct {
	From, To time.Time
	GroupBy  string
}

// ParseUsageQuery reads from, to (RFC 3339 dates or date-times; to is
// exclusive) and group_by (thread, model or day; user too when admin).
func ParseUsageQuery(from, to, groupBy string, admin bool) (UsageQuery, error) {
	var q UsageQuery
	var err error
	if q.From, err = parseWhen("from", from); err != nil {
		return q, err
	}
	if q.To, err = parseWhen("to", to); err != nil {
		return q, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, badRequest("invalid_range", `"from" must be before "to" (to is exclusive)`)
	}
	q.GroupBy = groupBy
	if q.GroupBy == "" {
		q.GroupBy = "thread"
	}
	valid := []string{"thread", "model", "day"}
	if admin {
		valid = append(valid, "user")
	}
	for _, v := range valid {
		if v == q.GroupBy {
			return q, nil
		}
	}
	return q, &Error{Status: http.StatusBadRequest, Code: "invalid_group_by", Message: fmt.Sprintf("group_by %q: use %s", groupBy, strings.Join(valid, ", ")), Valid: valid}
}

func parseWhen(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, badRequest("invalid_"+name, fmt.Sprintf("%q must be an RFC 3339 date (2026-12-01) or date-time (2026-12-01T08:00:00Z)", name))
}

func (q UsageQuery) keeps(t time.Time) bool {
	return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || t.Before(q.To))
}

// agentUsage reads one agent's runs and steps into one row per run.
func (o *Orchestrator) agentUsage(ctx context.Context, a *letta.Agent, m meta) ([]usageRow, error) {
	runs, err := o.letta.ListRuns(ctx, a.ID)
	if err != nil {
		return nil, lettaFailure("reading the thread's runs in Letta", err)
	}
	steps, err := o.stepsOf(ctx, a.ID, runs)
	if err != nil {
		return nil, lettaFailure("reading the thread's steps in Letta", err)
	}
	byRun := map[string]*usageRow{}
	var rows []*usageRow
	for i := range runs {
		r := &runs[i]
		if r.AgentID != "" && r.AgentID != a.ID {
			continue
		}
		t, _ := r.Created()
		row := &usageRow{DB: m.DB, UID: m.UID, ThreadID: m.ThreadID, Model: a.Model, Day: t.Format("2006-01-02"), Time: t}
		row.Runs = 1
		byRun[r.ID] = row
		rows = append(rows, row)
	}
	for _, s := range steps {
		row := byRun[s.RunID]
		if row == nil {
			continue // a step of a run not listed (still starting, or gone)
		}
		if s.Model != "" && row.Steps == 0 {
			row.Model = s.Model
		}
		row.Steps++
		row.PromptTokens += s.PromptTokens
		row.CompletionTokens += s.CompletionTokens
		row.TotalTokens += s.PromptTokens + s.CompletionTokens
		row.CachedTokens += s.CachedTokens
		row.ReasoningTokens += s.ReasoningTokens
	}
	out := make([]usageRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	return out, nil
}

const (
	// finishedRunsCached bounds the cache of ended runs' steps (a few
	// hundred bytes each).
	finishedRunsCached = 20000
	finishedRunsTTL    = time.Hour
	// runStepsInFlight bounds the step requests one usage report has open.
	runStepsInFlight = 4
)

// stepsOf returns the steps of an agent's runs: in one listing where Letta
// can list an agent's steps (before 0.12), else run by run, in parallel,
// ended runs from the cache.
func (o *Orchestrator) stepsOf(ctx context.Context, agentID string, runs []letta.Run) ([]letta.Step, error) {
	byAgent, err := o.letta.StepsListedByAgent(ctx)
	if err != nil {
		return nil, err
	}
	if byAgent {
		return o.letta.ListSteps(ctx, agentID)
	}
	perRun := make([][]letta.Step, len(runs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runStepsInFlight)
	for i := range runs {
		r := &runs[i]
		if r.AgentID != "" && r.AgentID != agentID {
			continue
		}
		if cached, ok := o.finishedSteps.Get(r.ID); ok {
			perRun[i] = cached
			continue
		}
		g.Go(func() error {
			steps, err := o.letta.ListRunSteps(gctx, r.ID)
			if err != nil {
				return err
			}
			for j := range steps {
				if steps[j].RunID == "" {
					steps[j].RunID = r.ID
				}
			}
			if r.Finished() {
				o.finishedSteps.Set(r.ID, steps, finishedRunsTTL)
			}
			perRun[i] = steps
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []letta.Step
	for _, s := range perRun {
		all = append(all, s...)
	}
	return all, nil
}

// deletedUsage reads the folded rows of an identity.
func deletedUsage(idn *letta.Identity) []usageRow {
	if idn == nil {
		return nil
	}
	p := idn.Property(deletedUsageKey)
	if p == nil {
		return nil
	}
	b, err := json.Marshal(p.Value)
	if err != nil {
		return nil
	}
	var v struct {
		Rows []usageRow `json:"rows"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	for i := range v.Rows {
		v.Rows[i].Deleted = true
		v.Rows[i].Time, _ = time.Parse("2006-01-02", v.Rows[i].Day)
	}
	return v.Rows
}

// beforeDelete folds the thread's usage into the user's identity before
// its agent is deleted. A failure is logged: the thread is deleted anyway
// (the caller asked for it), its usage is then lost on Letta 0.16.8.
func (o *Orchestrator) beforeDelete(ctx context.Context, id *auth.Identity, r record) {
	if err := o.foldUsage(ctx, id, r); err != nil {
		o.log.WarnContext(ctx, "could not keep a deleted thread's usage", "thread", r.meta.ThreadID, "agent", r.agent.ID, "error", redact(err.Error()))
	}
}

func (o *Orchestrator) foldUsage(ctx context.Context, id *auth.Identity, r record) error {
	rows, err := o.agentUsage(ctx, r.agent, r.meta)
	if err != nil || len(rows) == 0 {
		return err
	}
	idn, err := o.userIdentity(ctx, id, true)
	if err != nil {
		return err
	}
	folded := map[string]*usageRow{}
	kept := deletedUsage(idn)
	var order []string
	put := func(row usageRow) {
		k := row.ThreadID + "\x00" + row.Day + "\x00" + row.Model
		if f := folded[k]; f != nil {
			f.Totals.add(row.Totals)
			return
		}
		c := row
		c.Time, c.Deleted = time.Time{}, false
		folded[k] = &c
		order = append(order, k)
	}
	for _, row := range kept {
		put(row)
	}
	for _, row := range rows {
		put(row)
	}
	out := make([]usageRow, 0, len(order))
	for _, k := range order {
		out = append(out, *folded[k])
	}
	props := make([]letta.IdentityProperty, 0, len(idn.Properties)+1)
	for _, p := range idn.Properties {
		if p.Key != deletedUsageKey {
			props = append(props, p)
		}
	}
	props = append(props, letta.IdentityProperty{Key: deletedUsageKey, Type: "json", Value: map[string]any{"v": 1, "rows": out}})
	if _, err := o.letta.ModifyIdentity(ctx, idn.ID, letta.ModifyIdentityRequest{Properties: props}); err != nil {
		return lettaFailure("keeping the deleted thread's usage", err)
	}
	return nil
}

// Usage reports the caller's usage.
func (o *Orchestrator) Usage(ctx context.Context, id *auth.Identity, q UsageQuery) (*UsageReport, error) {
	ow := ownerOf(id)
	agents, err := o.letta.ListAgents(ctx, letta.ListAgentsOptions{Tags: []string{TagManaged, o.userTag(ow)}, MatchAllTags: true})
	if err != nil {
		return nil, lettaFailure("listing the user's threads in Letta", err)
	}
	var rows []usageRow
	for i := range agents {
		m, ok := o.managedBy(&agents[i], ow, "")
		if !ok {
			continue
		}
		rs, err := o.agentUsage(ctx, &agents[i], m)
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	idn, err := o.userIdentity(ctx, id, false)
	if err != nil {
		return nil, err
	}
	rows = append(rows, deletedUsage(idn)...)
	return report(rows, q), nil
}

// AdminUsage reports every user's usage (the operator's view).
func (o *Orchestrator) AdminUsage(ctx context.Context, q UsageQuery) (*UsageReport, error) {
	agents, err := o.letta.ListAgents(ctx, letta.ListAgentsOptions{Tags: []string{TagManaged}, MatchAllTags: true})
	if err != nil {
		return nil, lettaFailure("listing threads in Letta", err)
	}
	var rows []usageRow
	for i := range agents {
		m, ok := decodeMeta(agents[i].Metadata)
		if !ok || m.Server != o.opts.ServerName {
			continue
		}
		rs, err := o.agentUsage(ctx, &agents[i], m)
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	ids, err := o.letta.FindIdentities(ctx, "")
	if err != nil {
		return nil, lettaFailure("listing identities in Letta", err)
	}
	for i := range ids {
		if strings.HasPrefix(ids[i].IdentifierKey, userTagPrefix) {
			rows = append(rows, deletedUsage(&ids[i])...)
		}
	}
	return report(rows, q), nil
}

func report(rows []usageRow, q UsageQuery) *UsageReport {
	rep := &UsageReport{GroupBy: q.GroupBy, Groups: []UsageGroup{}}
	if !q.From.IsZero() {
		rep.From = q.From.Format(time.RFC3339)
	}
	if !q.To.IsZero() {
		rep.To = q.To.Format(time.RFC3339)
	}
	groups := map[string]*UsageGroup{}
	for _, r := range rows {
		if !q.keeps(r.Time) {
			continue
		}
		var key string
		switch q.GroupBy {
		case "model":
			key = r.Model
		case "day":
			key = r.Day
		case "user":
			key = r.DB + ":" + strconv.FormatInt(r.UID, 10)
		default:
			key = r.ThreadID
			if r.Deleted {
				key += " (deleted)"
			}
		}
		g := groups[key]
		if g == nil {
			g = &UsageGroup{Key: key, Deleted: r.Deleted && q.GroupBy == "thread"}
			groups[key] = g
		}
		g.Totals.add(r.Totals)
		rep.Totals.add(r.Totals)
	}
	for _, g := range groups {
		rep.Groups = append(rep.Groups, *g)
	}
	sort.Slice(rep.Groups, func(i, j int) bool { return rep.Groups[i].Key < rep.Groups[j].Key })
	return rep
}

// ThreadUsage is what GET /api/v1/threads/{id}/usage (and the thread's
// GET with ?usage=true) reports: totals and the context window's fill.
type ThreadUsage struct {
	ThreadID      string `json:"thread_id"`
	Totals        Totals `json:"totals"`
	ContextTokens int    `json:"context_tokens"`
	ContextWindow int    `json:"context_window"`
}

// ThreadUsageOf returns a thread's totals and context-window fill.
func (o *Orchestrator) ThreadUsageOf(ctx context.Context, id *auth.Identity, threadID string) (*ThreadUsage, error) {
	r, err := o.findOne(ctx, id, threadID)
	if err != nil {
		return nil, err
	}
	return o.threadUsage(ctx, r)
}

// threadUsage reads a found thread's usage: its runs and steps, and its
// context window, side by side.
func (o *Orchestrator) threadUsage(ctx context.Context, r *record) (*ThreadUsage, error) {
	tu := &ThreadUsage{ThreadID: r.meta.ThreadID}
	var rows []usageRow
	var cw *letta.ContextWindow
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		rows, err = o.agentUsage(gctx, r.agent, r.meta)
		return err
	})
	g.Go(func() (err error) {
		if cw, err = o.letta.GetContextWindow(gctx, r.agent.ID); err != nil {
			return lettaFailure("reading the thread's context window", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, row := range rows {
		tu.Totals.add(row.Totals)
	}
	tu.ContextTokens, tu.ContextWindow = cw.Current, cw.Max
	return tu, nil
}

// Feedback is the body of POST /api/v1/threads/{id}/messages/{message_id}/feedback.
type Feedback struct {
	Rating string `json:"rating"`
}

// SetFeedback stores a rating on the turn's last step in Letta.
func (o *Orchestrator) SetFeedback(ctx context.Context, id *auth.Identity, threadID, messageID string, f Feedback) error {
	if err := checkThreadID(threadID); err != nil {
		return err
	}
	var fb string
	switch f.Rating {
	case "up":
		fb = "positive"
	case "down":
		fb = "negative"
	default:
		return unprocessable("invalid_rating", `"rating" must be "up" or "down"`, []string{"up", "down"})
	}
	r, err := o.findOne(ctx, id, threadID)
	if err != nil {
		return err
	}
	notFound := &Error{Status: http.StatusNotFound, Code: "message_not_found", Message: "no such message in this thread (use the message_id of a done event)"}
	if !strings.HasPrefix(messageID, "step-") {
		return notFound
	}
	st, err := o.letta.GetStep(ctx, messageID)
	if letta.IsNotFound(err) || letta.IsValidation(err) || (err == nil && st.AgentID != r.agent.ID) {
		return notFound
	}
	if err != nil {
		return lettaFailure("reading the message's step", err)
	}
	if err := o.letta.SetStepFeedback(ctx, messageID, fb); err != nil {
		return lettaFailure("storing the feedback", err)
	}
	return nil
}

// countUsage reports a turn's usage to the per-model counters.
func (o *Orchestrator) countUsage(model string, u UsageData) {
	if um, ok := o.opts.Metrics.(UsageMetrics); ok {
		um.TurnUsage(model, u.PromptTokens, u.CompletionTokens, u.CachedTokens, u.ReasoningTokens)
	}
}

// usageData is a turn's usage event from Letta's usage_statistics.
func usageData(u *letta.Usage) UsageData {
	d := UsageData{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens, Steps: u.StepCount}
	if u.CachedInputTokens != nil {
		d.CachedTokens = *u.CachedInputTokens
	}
	if u.ReasoningTokens != nil {
		d.ReasoningTokens = *u.ReasoningTokens
	}
	return d
}
