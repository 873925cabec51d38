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
