package fakellm

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// Call is one tool call a step makes.
type Call struct {
	Name string
	// Args is the arguments object; nil sends {}.
	Args map[string]any
}

// Turn is what a step's text can depend on: the tool results fed back to
// the model since the scripted user message, oldest first.
type Turn struct {
	Results []Result
}

// Result is one tool result as Letta fed it back (role "tool").
type Result struct {
	CallID string
	Name   string // the called tool, from the matching assistant tool call
	// Content is the tool's output: Raw, or the "message" of the
	// {"status", "message", "time"} wrapper Letta 0.11.7 puts around it.
	Content string
	// Raw is the message content exactly as Letta sent it.
	Raw string
}

// unwrapLetta returns the message of Letta 0.11.7's tool-result wrapper
// {"status": "OK"|"Failed", "message": …, "time": …}, or raw as it is.
func unwrapLetta(raw string) string {
	var w struct {
		Status  *string         `json:"status"`
		Message json.RawMessage `json:"message"`
		Time    *string         `json:"time"`
	}
	if json.Unmarshal([]byte(raw), &w) != nil || w.Status == nil || w.Time == nil || len(w.Message) == 0 {
		return raw
	}
	var s string
	if w.Message[0] == '"' && json.Unmarshal(w.Message, &s) == nil {
		return s
	}
	return string(w.Message)
}

// Last returns the content of the newest result, "" when there is none.
func (t Turn) Last() string {
	if len(t.Results) == 0 {
		return ""
	}
	return t.Results[len(t.Results)-1].Content
}

// Step is one scripted model answer.
type Step struct {
	calls []Call
	text  func(Turn) string
}

// CallTools answers with these tool calls (one step; several calls make one
// parallel-call answer).
func CallTools(calls ...Call) Step { return Step{calls: calls} }

// CallTool answers with one tool call.
func CallTool(name string, args map[string]any) Step {
	return Step{calls: []Call{{Name: name, Args: args}}}
}

// Say answers with fixed text.
func Say(text string) Step { return Step{text: func(Turn) string { return text }} }

// Quote answers with text computed from the tool results of the turn.
func Quote(f func(Turn) string) Step { return Step{text: f} }

type script struct {
	key   string
	steps []Step
}

// Script makes conversations whose last user message contains key answer
// with steps, one per model call of the turn. A later Script with the same
// key replaces the earlier one.
func (s *Server) Script(key string, steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.scripts {
		if s.scripts[i].key == key {
			s.scripts[i].steps = steps
			return
		}
	}
	s.scripts = append(s.scripts, script{key: key, steps: steps})
}

// plan is what the fake decided to answer to one chat request.
type plan struct {
	calls    []Call
	text     string
	scripted bool // a script matched (false: the default answer)
}

// decide picks the step for a conversation: the newest user message that
// contains a scripted key selects the script; the number of assistant tool
// rounds after it selects the step.
func (s *Server) decide(req *ChatRequest) plan {
	s.mu.Lock()
	scripts := append([]script(nil), s.scripts...)
	s.mu.Unlock()
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role != "user" {
			continue
		}
		text := m.Text()
		var sc *script
		for j := range scripts {
			// Longest key wins, so "list two" does not shadow "list two partners".
			if strings.Contains(text, scripts[j].key) && (sc == nil || len(scripts[j].key) > len(sc.key)) {
				sc = &scripts[j]
			}
		}
		if sc == nil {
			continue
		}
		turn, rounds := turnAfter(req.Messages[i+1:])
		if rounds >= len(sc.steps) {
			return plan{text: "ok", scripted: true}
		}
		st := sc.steps[rounds]
		if st.calls != nil {
			return plan{calls: st.calls, scripted: true}
		}
		return plan{text: st.text(turn), scripted: true}
	}
	return plan{text: "ok"}
}

// turnAfter collects the tool results after a user message and counts the
// assistant answers that called tools.
func turnAfter(msgs []Message) (Turn, int) {
	var t Turn
	rounds := 0
	names := map[string]string{}
	for _, m := range msgs {
		switch m.Role {
		case "assistant":
			if len(m.ToolCalls) > 0 {
				rounds++
				for _, c := range m.ToolCalls {
					names[c.ID] = c.Function.Name
				}
			}
		case "tool":
			raw := m.Text()
			t.Results = append(t.Results, Result{CallID: m.ToolCallID, Name: names[m.ToolCallID], Content: unwrapLetta(raw), Raw: raw})
		}
	}
	return t, rounds
}

// innerThoughtsKeys are the names Letta gives the inner-monologue argument
// it adds first to every tool (put_inner_thoughts_in_kwargs): "thinking" in
// 0.11.7, "inner_thoughts" in older code.
var innerThoughtsKeys = []string{"thinking", "inner_thoughts"}

// argsJSON renders a call's arguments as a model would: Letta's
// inner-thoughts argument first (its streaming interface extracts it from the
// front of the JSON), then the scripted arguments in key order, then
// request_heartbeat (true, so that 0.11.7 keeps stepping after a tool; false
// on send_message, which ends the turn) when the tool's schema has it and
// the script did not set it.
func argsJSON(req *ChatRequest, c Call) string {
	props := req.toolProperties(c.Name)
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	add := func(k string, v any) {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			vb = []byte("null")
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
		n++
	}
	for _, k := range innerThoughtsKeys {
		if _, ok := props[k]; ok {
			if v, set := c.Args[k]; set {
				add(k, v)
			} else {
				add(k, "Calling "+c.Name+".")
			}
		}
	}
	keys := make([]string, 0, len(c.Args))
	for k := range c.Args {
		if !slices.Contains(innerThoughtsKeys, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, c.Args[k])
	}
	if _, ok := props["request_heartbeat"]; ok {
		if _, set := c.Args["request_heartbeat"]; !set {
			add("request_heartbeat", c.Name != "send_message")
		}
	}
	b.WriteByte('}')
	return b.String()
}

// toolProperties returns the top-level properties of a tool's parameters.
func (r *ChatRequest) toolProperties(name string) map[string]json.RawMessage {
	for _, t := range r.Tools {
		if t.Function.Name == name {
			var p struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			json.Unmarshal(t.Function.Parameters, &p)
			return p.Properties
		}
	}
	return nil
}

// forcedTool says whether the request forces a tool call (0.11.7's
// memgpt_v2_agent sends tool_choice "required"), so text must go out as a
// send_message call.
func (r *ChatRequest) forcedTool() bool {
	if len(r.Tools) == 0 || len(r.ToolChoice) == 0 {
		return false
	}
	var s string
	if json.Unmarshal(r.ToolChoice, &s) == nil {
		return s == "required"
	}
	return true // an object naming a function
}

func (r *ChatRequest) hasTool(name string) bool {
	for _, t := range r.Tools {
		if t.Function.Name == name {
			return true
		}
	}
	return false
}
