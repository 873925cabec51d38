package realletta_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
)

// historyEntry is an entry of GET /api/v1/threads/{id}/messages.
type historyEntry struct {
	Role      string         `json:"role"`
	At        string         `json:"at"`
	Content   string         `json:"content"`
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments"`
	Status    string         `json:"status"`
	MessageID string         `json:"message_id"`
}

type historyPage struct {
	Messages   []historyEntry `json:"messages"`
	NextBefore *string        `json:"next_before"`
}

// TestThreadHistory: after a turn whose model calls a tool and a plain
// turn, the thread's history read back from the real Letta is the two user
// messages, the call with its arguments, its result and both answers, each
// turn's message_id as its done event said; Letta's own messages (system
// prompt, boot messages, heartbeats, login) are left out; pages of one
// entry, followed by next_before, read the same. 0.16.8 runs client tools,
// 0.11.7 calls odoo-mcp over MCP.
func TestThreadHistory(t *testing.T) {
	for _, version := range realletta.Versions {
		t.Run(version, func(t *testing.T) { threadHistory(t, version) })
	}
}

func threadHistory(t *testing.T, version string) {
	l := realletta.Shared(t, version)
	var extra []string
	ready := "registered with Letta"
	if version == "0.16.8" { // refuses loopback MCP servers: client tools
		extra = append(extra, "LETTA_TOOL_MODE=client")
		ready = "Letta tool mode"
	}
	p := startOdooMCP(t, newOdoo(t).URL, l, extra...)
	waitForLog(t, p, ready, 2*time.Minute)

	id := "hist-" + strings.ReplaceAll(version, ".", "-")
	th := declare(t, p, id, `{"model":"`+realletta.Model+`","tools":["odoo_record_retriever"]}`, http.StatusCreated)
	args := map[string]any{"model": "res.partner", "fields": []any{"name"}, "limit": 2}
	l.LLM.Script("list two partners "+version, fakellm.CallTool("odoo_record_retriever", args), fakellm.Say("Here are two partners."))
	l.LLM.Script("say hello "+version, fakellm.Say("Hello there."))
	ask1, ask2 := "Please list two partners "+version+".", "Please say hello "+version+"."
	t1 := sendMessage(t, p, admin, id, ask1)
	t2 := sendMessage(t, p, admin, id, ask2)

	url := p.URL + "/api/v1/threads/" + id + "/messages"
	all := apiGet[historyPage](t, url+"?limit=200", admin)
	roles := make([]string, len(all.Messages))
	for i, e := range all.Messages {
		roles[i] = e.Role
		if _, err := time.Parse(time.RFC3339, e.At); err != nil {
			t.Errorf("entry %d: at %q is not RFC 3339", i, e.At)
		}
	}
	raw, _ := json.MarshalIndent(all, "", " ")
	t.Logf("history on Letta %s: %v", version, roles)
	// What Letta itself lists, for the record: its own messages are there
	// to be left out.
	var lettaMsgs []struct {
		Type    string `json:"message_type"`
		Content any    `json:"content"`
	}
	getJSON(t, l, "/v1/agents/"+th.AgentID+"/messages?limit=100", &lettaMsgs)
	var lettaTypes []string
	for _, lm := range lettaMsgs {
		s := lm.Type
		if c, ok := lm.Content.(string); ok && lm.Type == "user_message" {
			s += " " + c[:min(len(c), 30)]
		}
		lettaTypes = append(lettaTypes, s)
	}
	t.Logf("Letta %s lists: %q", version, lettaTypes)
	want := []string{"user", "tool_call", "tool_return", "assistant", "user", "assistant"}
	if strings.Join(roles, ",") != strings.Join(want, ",") || all.NextBefore != nil {
		t.Fatalf("history roles %v (next %v), want %v:\n%s", roles, all.NextBefore, want, raw)
	}
	m := all.Messages
	if m[0].Content != ask1 || m[4].Content != ask2 {
		t.Errorf("user messages %q, %q", m[0].Content, m[4].Content)
	}
	if m[1].Name != "odoo_record_retriever" || !sameJSON(m[1].Arguments, args) || m[1].ID == "" {
		t.Errorf("tool_call %+v, want the retriever with %v", m[1], args)
	}
	if m[2].ID != m[1].ID || m[2].Status != "success" || !strings.Contains(m[2].Content, "res.partner") {
		t.Errorf("tool_return %+v", m[2])
	}
	if m[3].Content != t1.answer || m[5].Content != t2.answer {
		t.Errorf("answers %q, %q; streamed %q, %q", m[3].Content, m[5].Content, t1.answer, t2.answer)
	}
	if m[3].MessageID != t1.messageID || m[5].MessageID != t2.messageID {
		t.Errorf("message_ids %q, %q; done said %q, %q", m[3].MessageID, m[5].MessageID, t1.messageID, t2.messageID)
	}

	// One entry a page: the same entries, newest page first.
	var joined []historyEntry
	q := "?limit=1"
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("no end to the pages")
		}
		pg := apiGet[historyPage](t, url+q, admin)
		if len(pg.Messages) > 1 {
			t.Errorf("a page of %d entries with limit=1", len(pg.Messages))
		}
		joined = append(append([]historyEntry{}, pg.Messages...), joined...)
		if pg.NextBefore == nil {
			break
		}
		q = "?limit=1&before=" + *pg.NextBefore
	}
	if len(joined) != len(m) {
		t.Fatalf("pages joined: %d entries, want %d", len(joined), len(m))
	}
	for i := range m {
		a, b := joined[i], m[i]
		a.MessageID, b.MessageID = "", ""
		if a.Role != b.Role || a.Content != b.Content || a.ID != b.ID || a.Status != b.Status {
			t.Errorf("paged entry %d %+v, want %+v", i, a, b)
		}
	}
}
