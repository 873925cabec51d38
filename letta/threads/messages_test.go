package threads

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

const retrieverCall = `call odoo_record_retriever {"model":"res.partner","fields":["name"],"limit":2}`

// partnerNames asks the fake Odoo, through /mcp with the admin's own
// credentials, what the retriever call of retrieverCall returns.
func (e *env) partnerNames(t *testing.T) []string {
	t.Helper()
	transport := &gomcp.StreamableClientTransport{Endpoint: e.appSrv.URL + "/mcp",
		HTTPClient: &http.Client{Transport: headerRT{"Authorization", admin, e.client.Transport}}}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "t", Version: "1"}, nil).Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(t.Context(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
		Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 2}})
	if err != nil || res.IsError {
		t.Fatalf("retriever: %v %v", res, err)
	}
	var out struct {
		Records []struct {
			Name string `json:"name"`
		} `json:"records"`
	}
	text := res.Content[0].(*gomcp.TextContent).Text
	if err := json.Unmarshal([]byte(text), &out); err != nil || len(out.Records) != 2 {
		t.Fatalf("retriever result %s: %v", text, err)
	}
	return []string{out.Records[0].Name, out.Records[1].Name}
}

type headerRT struct {
	k, v string
	base http.RoundTripper
}

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.k, h.v)
	return h.base.RoundTrip(r)
}

func TestMessageStreamsToolCallsAndAnswer(t *testing.T) {
	for _, model := range []string{chatModel, stepModel} {
		forEachVersion(t, func(t *testing.T, version string) {
			t.Run(strings.ReplaceAll(model, "/", "_"), func(t *testing.T) {
				e := newEnv(t, version, func(o *envOptions) { o.models = append(slices.Clone(fakeletta.DefaultModels), stepModel) })
				want := e.partnerNames(t)
				th := e.declare(admin, "chat-1", Spec{Model: model, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)

				_, evs := e.send(admin, "chat-1", retrieverCall)
				got := names(evs)
				if len(evs) == 0 || got[len(got)-1] != EventDone {
					t.Fatalf("events %v: done must come last", got)
				}
				order := []string{EventToolCall, EventToolReturn, EventContent, EventUsage, EventDone}
				last := -1
				for _, n := range order {
					i := slices.Index(got, n)
					if i < 0 || i < last {
						t.Fatalf("events %v: want %v in this order", got, order)
					}
					last = i
				}
				if slices.Contains(got, EventError) {
					t.Fatalf("events %v: unexpected error", evs)
				}
				var call, ret map[string]any
				var content strings.Builder
				for _, ev := range evs {
					switch ev.Name {
					case EventToolCall:
						if call != nil {
							t.Fatalf("the tool call was announced twice: %v", evs)
						}
						call = ev.Data
					case EventToolReturn:
						ret = ev.Data
					case EventContent:
						content.WriteString(ev.Data["text"].(string))
					}
				}
				args, _ := call["arguments"].(map[string]any)
				if call["name"] != "odoo_record_retriever" || args["model"] != "res.partner" || call["id"] == "" {
					t.Errorf("tool_call %v", call)
				}
				if ret["id"] != call["id"] || ret["name"] != "odoo_record_retriever" || ret["status"] != "success" {
					t.Errorf("tool_return %v (call %v)", ret, call)
				}
				for _, name := range want {
					if !strings.Contains(ret["content"].(string), name) || !strings.Contains(content.String(), name) {
						t.Errorf("partner %q missing from tool_return %q or answer %q", name, ret["content"], content.String())
					}
				}
				if !strings.HasPrefix(content.String(), "odoo_record_retriever returned: ") {
					t.Errorf("answer %q", content.String())
				}
				done := evs[len(evs)-1].Data
				if done["finish_reason"] != "stop" || done["stop_reason"] != "end_turn" {
					t.Errorf("done %v", done)
				}

				// The same run as one JSON answer.
				r := e.do(http.MethodPost, "/api/v1/threads/chat-1/messages", admin, map[string]string{"content": retrieverCall}, "Accept", "application/json")
				if r.status != http.StatusOK {
					t.Fatalf("JSON message: %d %s", r.status, r.body)
				}
				var reply Reply
				if err := json.Unmarshal(r.body, &reply); err != nil {
					t.Fatal(err)
				}
				if reply.AgentID != th.AgentID || reply.FinishReason != "stop" || reply.Usage == nil || reply.Usage.TotalTokens == 0 ||
					len(reply.ToolCalls) != 1 || reply.ToolCalls[0].Name != "odoo_record_retriever" || reply.ToolCalls[0].Status != "success" ||
					!strings.Contains(reply.ToolCalls[0].Result, want[0]) || reply.Content != content.String() {
					t.Errorf("JSON reply %s\nwant content %q", r.body, content.String())
				}
			})
		})
	}
}

func TestMessagePlainAndUnattachedTool(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "t1", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		for _, tc := range []struct {
			content, answer string
		}{
			{"hello there", "You said: hello there"},
			// Not attached to the agent: the model cannot call it.
			{`call odoo_record_creator {"model":"res.partner","records":[{"name":"X"}]}`, "I don't have a tool named odoo_record_creator."},
		} {
			_, evs := e.send(admin, "t1", tc.content)
			var text strings.Builder
			for _, ev := range evs {
				if ev.Name == EventContent {
					text.WriteString(ev.Data["text"].(string))
				}
				if ev.Name == EventToolCall || ev.Name == EventError {
					t.Errorf("%q: unexpected %s %v", tc.content, ev.Name, ev.Data)
				}
			}
			if text.String() != tc.answer {
				t.Errorf("%q: answer %q, want %q", tc.content, text.String(), tc.answer)
			}
		}
		if r, _ := e.send(admin, "nope", "hi"); r.status != http.StatusNotFound {
			t.Errorf("message to an unknown thread: %d %s", r.status, r.body)
		}
	})
}

// TestMessageStreamsTokensOnlyWhereArgumentsArriveWhole: before 0.16,
// Letta's token-streamed tool arguments do not join into JSON (seen on the
// real 0.11.7), so a message asks for step streaming there, and for token
// streaming from 0.16 on.
func TestMessageStreamsTokensOnlyWhereArgumentsArriveWhole(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "tokens", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		e.letta.ResetRequests()
		e.send(admin, "tokens", retrieverCall)
		want := version != fakeletta.VersionOld
		seen := 0
		for _, r := range e.letta.Requests() {
			if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/messages/stream") {
				continue
			}
			seen++
			var body struct {
				StreamTokens bool `json:"stream_tokens"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil || body.StreamTokens != want {
				t.Errorf("Letta %s: stream_tokens %v in %s, want %v", version, body.StreamTokens, r.Body, want)
			}
		}
		if seen == 0 {
			t.Fatalf("Letta %s: no message stream request recorded", version)
		}
	})
}
