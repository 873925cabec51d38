package threads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// A thread's history, read from Letta's own (GET /v1/agents/{id}/messages)
// and told in the vocabulary of the message stream: the same translator
// turns Letta's messages into content, tool_call and tool_return, so a
// page shows history exactly as it showed the live turn.

// History limits: a page holds at most maxHistoryLimit entries.
const (
	defaultHistoryLimit = 50
	maxHistoryLimit     = 200
	// historyRounds bounds the Letta requests of one page: hidden messages
	// (system prompt, heartbeats) take room in Letta's pages.
	historyRounds = 4
)

// Roles of history entries: a user message, then what the stream's events
// of that turn were (assistant = the content events of one Letta message).
const (
	RoleUser             = "user"
	RoleAssistant        = "assistant"
	RoleToolCall         = EventToolCall
	RoleToolReturn       = EventToolReturn
	RoleApprovalRequired = EventApprovalRequired
)

// HistoryEntry is one entry of a thread's history. Fields by role:
// user and assistant: content; tool_call and approval_required: id, name,
// arguments; tool_return: id, name (when the call is known), status,
// content. message_id (on the turn's last assistant entry, else its last
// entry) names the turn for feedback, as the done event does.
type HistoryEntry struct {
	Role      string `json:"role"`
	At        string `json:"at,omitempty"`
	Content   string `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Status    string `json:"status,omitempty"`
	MessageID string `json:"message_id,omitempty"`

	row  string // Letta's message id (the cursor)
	step string // Letta's step id
}

// History is the answer of GET /api/v1/threads/{id}/messages.
type History struct {
	ThreadID string         `json:"thread_id"`
	Messages []HistoryEntry `json:"messages"`
	// NextBefore is the cursor of the page before this one (pass it as
	// before=…), null at the start of the thread.
	NextBefore *string `json:"next_before"`
}

// HistoryQuery selects a page: the newest Limit entries older than Before.
type HistoryQuery struct {
	Limit  int
	Before string
}

// ParseHistoryQuery reads limit (1 to 200, default 50) and before (a
// next_before cursor).
func ParseHistoryQuery(limit, before string) (HistoryQuery, error) {
	q := HistoryQuery{Limit: defaultHistoryLimit, Before: before}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > maxHistoryLimit {
			return q, badRequest("invalid_limit", fmt.Sprintf(`"limit" must be a whole number from 1 to %d (default %d)`, maxHistoryLimit, defaultHistoryLimit))
		}
		q.Limit = n
	}
	if before != "" && !validCursor(before) {
		return q, badRequest("invalid_before", `"before" must be the next_before of a previous page`)
	}
	return q, nil
}

// validCursor: Letta's message ids are "message-<uuid>".
func validCursor(s string) bool {
	rest, ok := strings.CutPrefix(s, "message-")
	if !ok || len(rest) == 0 || len(rest) > 64 {
		return false
	}
	for _, c := range rest {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// History reads one page of the caller's thread: entries oldest first, the
// newest page first. A page never splits one of Letta's messages (a step's
// parallel calls stay together), so a page exceeds the limit only when
// one message alone does.
func (o *Orchestrator) History(ctx context.Context, id *auth.Identity, threadID string, q HistoryQuery) (*History, error) {
	rp, err := o.findOne(ctx, id, threadID)
	if err != nil {
		return nil, err
	}
	r := *rp
	batch := min(max(2*q.Limit, 20), 400)
	var evs []letta.Event // chronological
	cursor, exhausted := q.Before, false
	for round := 0; round < historyRounds; round++ {
		page, err := o.letta.ListMessages(ctx, r.agent.ID, cursor, batch)
		switch {
		case letta.IsNotFound(err) && cursor == q.Before && q.Before != "":
			return nil, badRequest("invalid_before", `"before" names no message of this thread: use the next_before of a previous page`)
		case letta.IsNotFound(err):
			return nil, ErrThreadNotFound
		case err != nil:
			return nil, lettaFailure("reading the thread's messages", err)
		}
		if len(page) == 0 {
			exhausted = true
			break
		}
		evs = append(page, evs...)
		cursor = page[0].ID
		// The system prompt is every agent's first message; 0.11.x's
		// login event comes right after it and its boot message.
		if slices.ContainsFunc(page, func(ev letta.Event) bool { return ev.Type == letta.TypeSystem || bootEnd(ev) }) {
			exhausted = true
		}
		if exhausted || len(historyEntries(evs, r, false, false)) >= q.Limit {
			break
		}
	}
	entries := historyEntries(evs, r, exhausted, q.Before == "")
	// The newest entries that fit, whole Letta messages at a time.
	start, n := len(entries), 0
	for start > 0 {
		row := entries[start-1].row
		k := start - 1
		for k > 0 && entries[k-1].row == row {
			k--
		}
		if n > 0 && n+start-k > q.Limit {
			break
		}
		n += start - k
		start = k
	}
	h := &History{ThreadID: threadID, Messages: append([]HistoryEntry{}, entries[start:]...)} // [] not null
	switch {
	case start > 0:
		c := entries[start].row
		h.NextBefore = &c
	case !exhausted && cursor != "":
		c := cursor // everything read fits: go on from the oldest read
		h.NextBefore = &c
	}
	return h, nil
}

// historyEntries translates Letta's messages (oldest first) with the
// stream's translator. From the thread's start (atStart), what precedes
// the first user message is Letta's boot sequence and is left out. A
// turn's message_id is set where its end is in evs: always but for the
// last turn of an older page (newest false), which may go on after it.
func historyEntries(evs []letta.Event, r record, atStart, newest bool) []HistoryEntry {
	tr := newTranslator()
	for _, c := range r.agent.Pending {
		tr.names[c.ToolCallID] = c.Name
	}
	waiting := map[string]bool{}
	for _, a := range awaitingUser(r) {
		waiting[a.ID] = true
	}
	returned := map[string]bool{}
	var out []HistoryEntry
	add := func(ev letta.Event, e HistoryEntry) {
		e.At, e.row, e.step = lettaTime(ev.Date), ev.ID, ev.StepID
		out = append(out, e)
	}
	addEvents := func(ev letta.Event, evs []Event) {
		for _, x := range evs {
			switch d := x.Data.(type) {
			case ContentData:
				add(ev, HistoryEntry{Role: RoleAssistant, Content: d.Text})
			case ToolCallData:
				add(ev, HistoryEntry{Role: RoleToolCall, ID: d.ID, Name: d.Name, Arguments: d.Arguments})
			case ToolReturnData:
				if returned[d.ID] && d.ID != "" {
					continue // told by both a tool return and an approval response
				}
				returned[d.ID] = true
				add(ev, HistoryEntry{Role: RoleToolReturn, ID: d.ID, Name: d.Name, Status: d.Status, Content: d.Content})
			}
		}
	}
	seenUser := !atStart
	for _, ev := range evs {
		tr.lastContent = "" // one entry per assistant message: no joining newline
		if bootEnd(ev) {
			out, seenUser = out[:0], false // what came before is Letta's boot sequence
			continue
		}
		switch ev.Type {
		case letta.TypeUser:
			text, ok := userText(ev.Text)
			if !ok {
				continue
			}
			addEvents(ev, tr.flushCalls(nil))
			seenUser = true
			add(ev, HistoryEntry{Role: RoleUser, Content: text})
			continue
		case letta.TypeSystem:
			continue
		}
		if !seenUser {
			continue
		}
		switch ev.Type {
		case letta.TypeApprovalRequest:
			addEvents(ev, tr.flushCalls(nil))
			calls := ev.ToolCalls
			if len(calls) == 0 && ev.ToolCall != nil {
				calls = []letta.ToolCall{*ev.ToolCall}
			}
			for _, c := range calls {
				addEvents(ev, []Event{tr.announce(c)})
				if waiting[c.ToolCallID] {
					a := approvalData(c)
					add(ev, HistoryEntry{Role: RoleApprovalRequired, ID: a.ID, Name: a.Name, Arguments: a.Arguments})
				}
			}
		case TypeApprovalResponse:
			addEvents(ev, tr.flushCalls(nil))
			for _, rt := range ev.Returns {
				addEvents(ev, []Event{{EventToolReturn, ToolReturnData{ID: rt.ToolCallID, Name: tr.names[rt.ToolCallID], Status: rt.Status, Content: rt.Return}}})
			}
		default:
			addEvents(ev, tr.next(ev))
		}
	}
	if len(evs) > 0 {
		addEvents(evs[len(evs)-1], tr.flushCalls(nil))
	}
	// message_id: the turn's last step, on its last assistant entry.
	for i := 0; i < len(out); {
		if out[i].Role == RoleUser {
			i++
			continue
		}
		j := i
		for j < len(out) && out[j].Role != RoleUser {
			j++
		}
		if j < len(out) || newest {
			markTurn(out[i:j])
		}
		i = j
	}
	return out
}

// TypeApprovalResponse is Letta's stored answer to an approval request.
const TypeApprovalResponse = letta.TypeApprovalResponse

func markTurn(turn []HistoryEntry) {
	step, at := "", len(turn)-1
	for k, e := range turn {
		if e.step != "" {
			step = e.step
		}
		if e.Role == RoleAssistant {
			at = k
		}
	}
	if strings.HasPrefix(step, "step-") {
		turn[at].MessageID = step
	}
}

// userText is what the user sent, or false for Letta's own user-role
// messages: heartbeats, the login event, system alerts (JSON objects with
// a "type"); a packed user message is unpacked, as Letta's unpack_message.
func userText(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "{") {
		return text, true
	}
	var w struct {
		Type    *string `json:"type"`
		Message *string `json:"message"`
	}
	if json.Unmarshal([]byte(t), &w) != nil || w.Type == nil {
		return text, true
	}
	switch *w.Type {
	case "heartbeat", "login", "system_alert":
		return "", false
	case "user_message":
		if w.Message != nil {
			return *w.Message, true
		}
	}
	return text, true
}

// bootEnd: 0.11.x's login event, the last message of the boot sequence
// every agent starts with (system prompt, a first assistant message, the
// login), and never sent again.
func bootEnd(ev letta.Event) bool {
	if ev.Type != letta.TypeUser || !strings.HasPrefix(strings.TrimSpace(ev.Text), "{") {
		return false
	}
	var w struct {
		Type string `json:"type"`
	}
	return json.Unmarshal([]byte(ev.Text), &w) == nil && w.Type == "login"
}

// lettaTime writes Letta's date as RFC 3339 in UTC (as given when it is
// not a date Letta would write).
func lettaTime(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02T15:04:05.999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

func (o *Orchestrator) handleHistory(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseHistoryQuery(r.URL.Query().Get("limit"), r.URL.Query().Get("before"))
	if err != nil {
		return o.writeError(w, r, err)
	}
	h, err := o.History(r.Context(), identity(r), r.PathValue("thread_id"), q)
	if err != nil {
		return o.writeError(w, r, err)
	}
	return writeJSON(w, http.StatusOK, h)
}
