package threads

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/letta"
)

// history GETs a page of a thread's history and fails unless it is a 200.
func (e *env) history(authorization, threadID, query string) History {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/threads/"+threadID+"/messages"+query, authorization, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET history %s%s: %d %s", threadID, query, r.status, r.body)
	}
	var h History
	if err := json.Unmarshal(r.body, &h); err != nil {
		e.t.Fatalf("history %s: %v", r.body, err)
	}
	return h
}

// asEntries is what the stream's events of one turn say as history entries.
func asEntries(user string, evs []sseEvent) []HistoryEntry {
	out := []HistoryEntry{{Role: RoleUser, Content: user}}
	var msgID string
	for _, ev := range evs {
		d := ev.Data
		str := func(k string) string { s, _ := d[k].(string); return s }
		switch ev.Name {
		case EventContent:
			// Token streaming sends one assistant message in fragments; a
			// new message starts with a newline.
			text := str("text")
			if p := &out[len(out)-1]; p.Role == RoleAssistant && !strings.HasPrefix(text, "\n") {
				p.Content += text
				continue
			}
			out = append(out, HistoryEntry{Role: RoleAssistant, Content: strings.TrimPrefix(text, "\n")})
		case EventToolCall:
			out = append(out, HistoryEntry{Role: RoleToolCall, ID: str("id"), Name: str("name"), Arguments: d["arguments"]})
		case EventToolReturn:
			out = append(out, HistoryEntry{Role: RoleToolReturn, ID: str("id"), Name: str("name"), Status: str("status"), Content: str("content")})
		case EventApprovalRequired:
			out = append(out, HistoryEntry{Role: RoleApprovalRequired, ID: str("id"), Name: str("name"), Arguments: d["arguments"]})
		case EventDone:
			msgID = str("message_id")
		}
	}
	if msgID != "" {
		k := len(out) - 1
		for i, e := range out {
			if e.Role == RoleAssistant {
				k = i
			}
		}
		out[k].MessageID = msgID
	}
	return out
}

// comparable drops the time (checked apart) and decodes arguments as the
// stream's JSON would be.
func comparable(t *testing.T, es []HistoryEntry) []HistoryEntry {
	t.Helper()
	out := make([]HistoryEntry, len(es))
	for i, e := range es {
		if e.At == "" {
			t.Errorf("entry %d has no time: %+v", i, e)
		}
		e.At = ""
		if e.Arguments != nil {
			b, _ := json.Marshal(e.Arguments)
			var v any
			_ = json.Unmarshal(b, &v)
			e.Arguments = v
		}
		out[i] = e
	}
	return out
}

// TestHistoryTellsTurnsAsTheStreamDid: a thread's history, read back from
// Letta, is the user's messages and the very events the stream sent
// (content, tool call with its arguments, tool return), with each turn's
// message_id, in both versions.
func TestHistoryTellsTurnsAsTheStreamDid(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "h", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		if r := e.do(http.MethodGet, "/api/v1/threads/h/messages", admin, nil); r.status != http.StatusOK ||
			strings.TrimSpace(string(r.body)) != `{"thread_id":"h","messages":[],"next_before":null}` {
			t.Fatalf("a new thread's history: %d %s", r.status, r.body)
		}
		var want []HistoryEntry
		for _, msg := range []string{"hello", retrieverCall} {
			_, evs := e.send(admin, "h", msg)
			want = append(want, asEntries(msg, evs)...)
		}
		if !slices.ContainsFunc(want, func(e HistoryEntry) bool { return e.Role == RoleToolReturn && e.Status == "success" }) {
			t.Fatalf("the turn called no tool: %+v", want)
		}
		h := e.history(admin, "h", "")
		if h.NextBefore != nil {
			t.Errorf("next_before %q: the whole thread fits", *h.NextBefore)
		}
		if got := comparable(t, h.Messages); !reflect.DeepEqual(got, want) {
			t.Errorf("history\n%+v\nwant (as streamed)\n%+v", got, want)
		}
		// Another user's thread, and no thread, are 404 alike.
		for _, c := range []struct{ who, thread string }{{demo, "h"}, {admin, "nope"}} {
			if r := e.do(http.MethodGet, "/api/v1/threads/"+c.thread+"/messages", c.who, nil); r.status != http.StatusNotFound || r.json(t)["error"] != "thread_not_found" {
				t.Errorf("%s: %d %s", c.thread, r.status, r.body)
			}
		}
	})
}

// TestHistoryPages: pages of at most limit entries, the newest first,
// each oldest first, never splitting a Letta message; following
// next_before reads the whole thread once.
func TestHistoryPages(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "p", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		for i := range 5 {
			msg := fmt.Sprintf("message %d", i)
			if i == 2 {
				msg = retrieverCall
			}
			e.send(admin, "p", msg)
		}
		all := e.history(admin, "p", "?limit=200")
		if all.NextBefore != nil || len(all.Messages) != 12 { // 4 × (user, assistant) + (user, call, return, assistant)
			t.Fatalf("whole history (%d entries, next %v): %+v", len(all.Messages), all.NextBefore, all.Messages)
		}
		for _, limit := range []int{1, 2, 3, 5} {
			var got []HistoryEntry
			q := fmt.Sprintf("?limit=%d", limit)
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatalf("limit %d: no end", limit)
				}
				h := e.history(admin, "p", q)
				if len(h.Messages) > limit || len(h.Messages) == 0 && h.NextBefore != nil {
					t.Fatalf("limit %d: page of %d, next %v", limit, len(h.Messages), h.NextBefore)
				}
				got = append(slices.Clone(h.Messages), got...)
				if h.NextBefore == nil {
					break
				}
				q = fmt.Sprintf("?limit=%d&before=%s", limit, *h.NextBefore)
			}
			// An older page's last turn may go on in the next page: it has
			// no message_id there (every other turn has its own).
			whole := comparable(t, all.Messages)
			for i, g := range got {
				if g.MessageID == "" && whole[i].MessageID != "" && i+1 < len(got) && got[i+1].Role != RoleUser {
					t.Errorf("limit %d: entry %d lost its message_id inside a page", limit, i)
				}
				if g.MessageID == "" {
					whole[i].MessageID = ""
				}
			}
			if !reflect.DeepEqual(comparable(t, got), whole) {
				t.Errorf("limit %d: pages joined\n%+v\nwant\n%+v", limit, got, all.Messages)
			}
		}
		// The newest page ends with the last answer, oldest first.
		if h := e.history(admin, "p", "?limit=2"); h.Messages[0].Content != "message 4" || h.Messages[1].Role != RoleAssistant {
			t.Errorf("newest page %+v", h.Messages)
		}
	})
}

// TestHistoryRefusesBadQueries names the parameter and its range.
func TestHistoryRefusesBadQueries(t *testing.T) {
	e := newEnv(t, "0.16.8")
	e.declare(admin, "q", Spec{Model: chatModel}, http.StatusCreated)
	e.send(admin, "q", "hi")
	for _, c := range []struct{ query, code, says string }{
		{"?limit=0", "invalid_limit", `"limit" must be a whole number from 1 to 200`},
		{"?limit=201", "invalid_limit", "from 1 to 200"},
		{"?limit=-3", "invalid_limit", "from 1 to 200"},
		{"?limit=ten", "invalid_limit", "from 1 to 200"},
		{"?limit=2.5", "invalid_limit", "from 1 to 200"},
		{"?before=yesterday", "invalid_before", `"before" must be the next_before of a previous page`},
		{"?before=message-00000000-0000-4000-8000-000000000000", "invalid_before", "names no message of this thread"},
	} {
		r := e.do(http.MethodGet, "/api/v1/threads/q/messages"+c.query, admin, nil)
		m := r.json(t)
		if r.status != http.StatusBadRequest || m["error"] != c.code || !strings.Contains(m["message"].(string), c.says) {
			t.Errorf("%s: %d %s", c.query, r.status, r.body)
		}
	}
}

// TestHistoryShowsPendingApproval: a call that waits for the user shows as
// a tool call and an approval request; answered, it shows its result.
func TestHistoryShowsPendingApproval(t *testing.T) {
	e := clientEnv(t)
	approve := Approve{"odoo_record_creator"}
	e.declare(admin, "ask", Spec{Model: chatModel, Tools: &allTools, Approve: &approve}, http.StatusCreated)
	_, evs := e.send(admin, "ask", `call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Asked"}]}`)
	want := asEntries(`call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Asked"}]}`, evs)
	want[len(want)-1].MessageID = "" // the turn goes on after the answer: no step to rate yet
	got := comparable(t, e.history(admin, "ask", "").Messages)
	for i := range got {
		got[i].MessageID = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paused history\n%+v\nwant\n%+v", got, want)
	}
	callID := want[len(want)-1].ID
	r := e.do(http.MethodPost, "/api/v1/threads/ask/approvals", admin, map[string]any{"decisions": []any{map[string]any{"id": callID, "approve": true}}})
	after := asEntries("", parseSSE(t, r.body))[1:]
	h := comparable(t, e.history(admin, "ask", "").Messages)
	if slices.ContainsFunc(h, func(e HistoryEntry) bool { return e.Role == RoleApprovalRequired }) {
		t.Errorf("answered, still an approval request: %+v", h)
	}
	// Letta lists the answer (carrying the result) and the tool return:
	// one entry.
	if n := len(slices.DeleteFunc(slices.Clone(h), func(e HistoryEntry) bool { return e.Role != RoleToolReturn || e.ID != callID })); n != 1 {
		t.Errorf("%d tool_return entries for %s, want 1: %+v", n, callID, h)
	}
	if !reflect.DeepEqual(h[len(h)-len(after):], after) {
		t.Errorf("after the answer\n%+v\nwant the end to be\n%+v", h, after)
	}
}

func TestUserTextHidesLettasOwnMessages(t *testing.T) {
	for _, c := range []struct {
		in, want string
		shown    bool
	}{
		{"hello", "hello", true},
		{`{"type": "heartbeat", "reason": "[This is an automated system message hidden from the user] Function called using request_heartbeat=true, returning control", "time": "2026-12-06 02:00:00 PM UTC+0000"}`, "", false},
		{`{"type": "login", "last_login": "Never (first login)", "time": "2026-12-06"}`, "", false},
		{`{"type": "system_alert", "message": "Note: prior messages have been hidden from view due to conversation memory constraints."}`, "", false},
		{`{"type": "user_message", "message": "packed", "time": "x"}`, "packed", true},
		{`{"model": "res.partner"}`, `{"model": "res.partner"}`, true},
		{`{not json`, `{not json`, true},
	} {
		got, shown := userText(c.in)
		if got != c.want || shown != c.shown {
			t.Errorf("userText(%q) = %q, %v; want %q, %v", c.in, got, shown, c.want, c.shown)
		}
	}
}

// TestHistoryEntriesLeaveOutLettasOwn: the shapes the real versions list
// (seen with e2e/realletta TestThreadHistory), translated without a Letta:
// 0.11.7's boot sequence is left out even when the page does not reach the
// system prompt, heartbeats too; 0.16.8's approval response and tool
// return tell one result.
func TestHistoryEntriesLeaveOutLettasOwn(t *testing.T) {
	call := &letta.ToolCall{Name: "odoo_record_retriever", Arguments: `{"model":"res.partner","request_heartbeat":true}`, ToolCallID: "c1"}
	ret := &letta.ToolReturn{Return: "Acme", Status: "success", ToolCallID: "c1"}
	at := "2026-12-06T14:00:00.123456Z"
	for _, c := range []struct {
		name string
		evs  []letta.Event
	}{
		{"0.11.7", []letta.Event{
			{Type: letta.TypeAssistant, ID: "message-0b", Text: "More human than human is our motto.", Date: at},
			{Type: letta.TypeUser, ID: "message-0c", Text: `{"type": "login", "last_login": "Never (first login)", "time": "x"}`, Date: at},
			{Type: letta.TypeUser, ID: "message-1", Text: "list partners", Date: at},
			{Type: letta.TypeReasoning, ID: "message-2", Text: "thinking", StepID: "step-a", Date: at},
			{Type: letta.TypeToolCall, ID: "message-2", ToolCall: call, StepID: "step-a", Date: at},
			{Type: letta.TypeToolReturn, ID: "message-3", ToolReturn: ret, StepID: "step-a", Date: at},
			{Type: letta.TypeUser, ID: "message-4", Text: `{"type": "heartbeat", "reason": "x", "time": "y"}`, StepID: "step-a", Date: at},
			{Type: letta.TypeAssistant, ID: "message-5", Text: "Acme.", StepID: "step-b", Date: at},
		}},
		{"0.16.8", []letta.Event{
			{Type: letta.TypeSystem, ID: "message-0", Text: "You are…", Date: at},
			{Type: letta.TypeUser, ID: "message-1", Text: "list partners", Date: at},
			{Type: letta.TypeApprovalRequest, ID: "message-2", ToolCalls: []letta.ToolCall{*call}, StepID: "step-a", Date: at},
			{Type: letta.TypeApprovalResponse, ID: "message-3", Returns: []letta.ToolReturn{*ret}, Date: at},
			{Type: letta.TypeToolReturn, ID: "message-4", ToolReturn: ret, StepID: "step-a", Date: at},
			{Type: letta.TypeAssistant, ID: "message-5", Text: "Acme.", StepID: "step-b", Date: at},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := historyEntries(c.evs, record{agent: &letta.Agent{}}, false, true)
			for i := range got {
				got[i].row, got[i].step = "", ""
			}
			when := "2026-12-06T14:00:00Z"
			want := []HistoryEntry{
				{Role: RoleUser, At: when, Content: "list partners"},
				{Role: RoleToolCall, At: when, ID: "c1", Name: "odoo_record_retriever", Arguments: json.RawMessage(`{"model":"res.partner"}`)},
				{Role: RoleToolReturn, At: when, ID: "c1", Name: "odoo_record_retriever", Status: "success", Content: "Acme"},
				{Role: RoleAssistant, At: when, Content: "Acme.", MessageID: "step-b"},
			}
			if !reflect.DeepEqual(comparable(t, got), comparable(t, want)) {
				t.Errorf("entries\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}
