package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/letta/threads/threadclient"
)

func TestChatCompact(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\n  b\tc", 10, "a b c"},
		{"ééééé", 3, "ééé…"},
		{"short", 5, "short"},
	} {
		if got := compact(tc.in, tc.n); got != tc.want {
			t.Errorf("compact(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestChatAsksForApproval: a call waiting for approval is asked y/n at the
// prompt and the answer is posted; the rest of the turn is shown.
func TestChatAsksForApproval(t *testing.T) {
	for _, answer := range []string{"y", "n"} {
		t.Run(answer, func(t *testing.T) {
			var posted string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				switch r.URL.Path {
				case "/api/v1/threads/42/messages":
					fmt.Fprint(w, "event: approval_required\ndata: {\"id\":\"call_1\",\"name\":\"odoo_record_creator\",\"arguments\":{\"model\":\"res.partner\"}}\n\n")
					fmt.Fprint(w, "event: done\ndata: {\"finish_reason\":\"approval_required\"}\n\n")
				case "/api/v1/threads/42/approvals":
					b, _ := io.ReadAll(r.Body)
					posted = string(b)
					fmt.Fprint(w, "event: content\ndata: {\"text\":\"Done.\"}\n\nevent: done\ndata: {\"finish_reason\":\"stop\"}\n\n")
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			var out, info strings.Builder
			api, err := threadclient.New(srv.URL, "Basic x", threadclient.Options{HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			c := &chatCmd{api: api, thread: "42", out: &out, info: &info}
			if code := c.prompt(t.Context(), strings.NewReader("create Jane\n"+answer+"\n")); code != 0 {
				t.Fatalf("exit %d: %s", code, info.String())
			}
			want := `{"decisions":[{"id":"call_1","approve":true}]}`
			if answer == "n" {
				want = `{"decisions":[{"id":"call_1","approve":false,"reason":"the user said no at the odoo-mcp chat prompt"}]}`
			}
			if posted != want || out.String() != "Done.\n" || !strings.Contains(info.String(), `approve odoo_record_creator {"model":"res.partner"}? [y/N]`) {
				t.Errorf("posted %s, out %q, info %q", posted, out.String(), info.String())
			}
		})
	}
}

// TestChatShowsRecentMessages: opening an existing thread at the prompt
// shows its last messages (asked with --history's limit), tool calls as
// the stream shows them; --history 0 asks for none.
func TestChatShowsRecentMessages(t *testing.T) {
	for _, n := range []int{6, 0} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var asked []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch r.URL.Path {
				case "/api/v1/threads/42":
					fmt.Fprint(w, `{"thread_id":"42","agent_id":"agent-1","model":"openai/gpt-4o-mini","tools":["odoo_record_retriever"]}`)
				case "/api/v1/threads/42/messages":
					asked = append(asked, r.URL.RawQuery)
					fmt.Fprint(w, `{"thread_id":"42","messages":[`+
						`{"role":"user","at":"2026-12-06T14:00:00Z","content":"who are\nmy partners?"},`+
						`{"role":"tool_call","at":"2026-12-06T14:00:01Z","id":"c1","name":"odoo_record_retriever","arguments":{"model":"res.partner"}},`+
						`{"role":"tool_return","at":"2026-12-06T14:00:01Z","id":"c1","name":"odoo_record_retriever","status":"success","content":"Acme"},`+
						`{"role":"assistant","at":"2026-12-06T14:00:02Z","content":"Acme.","message_id":"step-1"}],"next_before":"message-1"}`)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			api, err := threadclient.New(srv.URL, "Basic x", threadclient.Options{HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			var out, info strings.Builder
			c := &chatCmd{api: api, thread: "42", out: &out, info: &info, history: n}
			if err := c.open(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				if len(asked) != 0 || strings.Contains(info.String(), "you:") {
					t.Errorf("--history 0 asked %v: %s", asked, info.String())
				}
				return
			}
			want := "thread 42: model openai/gpt-4o-mini, tools odoo_record_retriever, agent agent-1\n" +
				"  …\n  you: who are my partners?\n  → odoo_record_retriever {\"model\":\"res.partner\"}\n" +
				"  ← odoo_record_retriever ok: Acme\n  agent: Acme.\n"
			if len(asked) != 1 || asked[0] != "limit=6" || info.String() != want || out.String() != "" {
				t.Errorf("asked %v\ninfo %q\nwant %q\nout %q", asked, info.String(), want, out.String())
			}
		})
	}
}
