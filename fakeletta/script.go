package fakeletta

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The scripted model.
//
// The fake has no LLM. An agent reads the text of the user messages of a
// request (text parts joined by newlines) and acts on lines of this form:
//
//	call <tool_name> <json-object>
//
// "call" must start the line (leading spaces are ignored), <tool_name> is the
// next word and the rest of the line is the JSON arguments object (empty
// means {}). Every such line is one tool call, executed in order, each as its
// own agent step (reasoning, tool call, tool return). Then a final step
// answers with one line per call:
//
//	<tool> returned: <tool return text>        (success)
//	<tool> failed: <tool return text>          (error return)
//	I don't have a tool named <tool>.          (not attached to the agent)
//	I could not parse the arguments for <tool>: <reason>.
//
// A line "recall <label>" adds to the final answer what the agent's
// compiled system prompt holds for that block ("My <label> memory:
// <value>", or "I have no <label> memory."): what a model would see, which
// is not always the block's current value (prompt.go).
//
// A message without call or recall lines is answered "You said: <text>". The agent's
// model handle plays no part; the same input always gives the same answer
// (ids and dates aside).

// scriptCall is one parsed call line.
type scriptCall struct {
	Tool    string
	RawArgs string
	Args    map[string]any
	ArgsErr error
	// Loop: the step is taken again after it returns, for ever (a model
	// that loops; only max_steps or the caller stops it).
	Loop bool
}

// scriptStep is one model step: one call, or several when "also" lines
// follow a call line (parallel tool calls in one LLM response).
type scriptStep []scriptCall

// scriptKeywords start the lines the scripted model acts on.
var scriptKeywords = []string{"call", "also", "loop"}

// parseSteps groups the call, also and loop lines of a user text into steps.
func parseSteps(text string) []scriptStep {
	var steps []scriptStep
	for _, line := range strings.Split(text, "\n") {
		kw, c, ok := parseCallLine(line)
		if !ok {
			continue
		}
		c.Loop = kw == "loop"
		if kw == "also" && len(steps) > 0 {
			steps[len(steps)-1] = append(steps[len(steps)-1], c)
			continue
		}
		steps = append(steps, scriptStep{c})
	}
	return steps
}

// parseRecalls lists the labels of a user text's "recall <label>" lines.
func parseRecalls(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "recall")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		if f := strings.Fields(rest); len(f) == 1 {
			out = append(out, f[0])
		}
	}
	return out
}

// parseScript extracts the calls of a user text, in order.
func parseScript(text string) []scriptCall {
	var calls []scriptCall
	for _, st := range parseSteps(text) {
		calls = append(calls, st...)
	}
	return calls
}

// parseCallLine reads one "call|also|loop <tool> <json>" line.
func parseCallLine(line string) (string, scriptCall, bool) {
	line = strings.TrimSpace(line)
	for _, kw := range scriptKeywords {
		rest, ok := strings.CutPrefix(line, kw)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		c, ok := parseCallRest(rest)
		return kw, c, ok
	}
	return "", scriptCall{}, false
}

func parseCallRest(rest string) (scriptCall, bool) {
	{
		fieldsOf := strings.Fields(rest)
		if len(fieldsOf) == 0 {
			return scriptCall{}, false
		}
		tool := fieldsOf[0]
		raw := strings.TrimSpace(strings.TrimSpace(rest)[len(tool):])
		call := scriptCall{Tool: tool, RawArgs: raw}
		if raw == "" {
			call.RawArgs = "{}"
			call.Args = map[string]any{}
		} else {
			var v any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				call.ArgsErr = err
			} else if m, ok := v.(map[string]any); ok {
				call.Args = m
			} else {
				call.ArgsErr = fmt.Errorf("arguments must be a JSON object")
			}
		}
		return call, true
	}
}

// answerLine is the final answer's line for one call.
func answerLine(call scriptCall, res *toolCallResult) string {
	switch {
	case call.ArgsErr != nil:
		return fmt.Sprintf("I could not parse the arguments for %s: %v.", call.Tool, call.ArgsErr)
	case res == nil:
		return fmt.Sprintf("I don't have a tool named %s.", call.Tool)
	case res.Status == "success":
		return fmt.Sprintf("%s returned: %s", call.Tool, res.Return)
	default:
		return fmt.Sprintf("%s failed: %s", call.Tool, res.Return)
	}
}

// splitFragments cuts text into at most n pieces at word boundaries (token
// streaming fragments); it never returns an empty slice.
func splitFragments(text string, n int) []string {
	words := strings.SplitAfter(text, " ")
	if len(words) <= 1 || n <= 1 {
		return []string{text}
	}
	if n > len(words) {
		n = len(words)
	}
	per := (len(words) + n - 1) / n
	var out []string
	for i := 0; i < len(words); i += per {
		end := min(i+per, len(words))
		out = append(out, strings.Join(words[i:end], ""))
	}
	return out
}
