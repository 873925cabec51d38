package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestChatReadSSE(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // event=data
		err      bool
	}{
		{"events", "event: content\ndata: {\"text\":\"a\"}\n\nevent: done\ndata: {}\n\n", []string{`content={"text":"a"}`, "done={}"}, false},
		{"keep-alive comments are skipped", ": keep-alive\n\nevent: content\ndata: {}\n\n: keep-alive\n\n", []string{"content={}"}, false},
		{"CRLF and data without a space", "event: usage\r\ndata:{\"steps\":1}\r\n\r\n", []string{`usage={"steps":1}`}, false},
		{"data on several lines is joined by newlines", "event: x\ndata: a\ndata: b\n\n", []string{"x=a\nb"}, false},
		{"an event cut off before its blank line is dropped", "event: content\ndata: {}\n\nevent: done\ndata: {}", []string{"content={}"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := readSSE(strings.NewReader(tc.in), func(ev string, data []byte) { got = append(got, ev+"="+string(data)) })
			if (err != nil) != tc.err || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
	// A broken connection is an error.
	err := readSSE(io.MultiReader(strings.NewReader("event: content\n"), errReader{}), func(string, []byte) {})
	if err == nil {
		t.Error("a broken stream read as complete")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

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
			c := &chatCmd{base: srv.URL, thread: "42", auth: "Basic x", http: srv.Client(), out: &out, info: &info}
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
