package realletta_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakellm"
)

// TestLettaStreamShape: the framing of Letta's own token stream for a plain
// answer, on every version (no MCP needed, so 0.16.8 too): what comes first,
// and the stop_reason, usage_statistics, [DONE] ending odoo-mcp relies on.
func TestLettaStreamShape(t *testing.T) {
	for _, version := range realletta.Versions {
		t.Run(version, func(t *testing.T) {
			l := realletta.Shared(t, version)
			name := "shape-" + strings.ReplaceAll(version, ".", "-")
			status, body := do(t, http.MethodPost, l.URL+"/v1/agents/", "", `{"name":"`+name+`","model":"`+realletta.Model+`","embedding":"`+l.Embedding+`",
				"memory_blocks":[{"label":"persona","value":"p"}]}`)
			if status != http.StatusOK {
				t.Fatalf("create agent: %d %s", status, body)
			}
			var a struct {
				ID string `json:"id"`
			}
			json.Unmarshal(body, &a)
			t.Cleanup(func() { do(t, http.MethodDelete, l.URL+"/v1/agents/"+a.ID, "", "") })
			key := "say hello on " + version
			l.LLM.Script(key, fakellm.Say("Hello from the scripted model."))
			status, body = do(t, http.MethodPost, l.URL+"/v1/agents/"+a.ID+"/messages/stream", "",
				`{"messages":[{"role":"user","content":"`+key+`"}],"stream_tokens":true,"include_pings":true}`)
			if status != http.StatusOK {
				t.Fatalf("stream: %d %s", status, body)
			}
			var seq []string
			var text strings.Builder
			for _, ev := range parseSSE(t, body) {
				mt, _ := ev.data["message_type"].(string)
				if ev.name != "" || mt == "" {
					mt = ev.name + mt
				}
				if mt == "assistant_message" {
					switch c := ev.data["content"].(type) {
					case string:
						text.WriteString(c)
					case []any:
						for _, p := range c {
							if m, ok := p.(map[string]any); ok {
								s, _ := m["text"].(string)
								text.WriteString(s)
							}
						}
					}
				}
				if n := len(seq); n == 0 || seq[n-1] != mt {
					seq = append(seq, mt)
				}
			}
			t.Logf("Letta %s token stream of a plain answer (repeats folded): %v", version, seq)
			if text.String() != "Hello from the scripted model." {
				t.Errorf("assistant text %q", text.String())
			}
			if n := len(seq); n < 3 || seq[n-3] != "stop_reason" || seq[n-2] != "usage_statistics" || seq[n-1] != "[DONE]" {
				t.Errorf("the stream does not end stop_reason, usage_statistics, [DONE]: %v", seq)
			}
		})
	}
}
